// CPU pooling: one OpenMP task range of N*C planes; within a plane the loops are serial, so the
// backward scatters need no atomics and sum in a fixed order.
#include "kernels/cpu/pool.h"

#include <algorithm>

#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

int64_t planes_of(const Tensor& t) { return t.size(0) * t.size(1); }
int64_t grain_for(const math::PoolGeom& g) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.H * g.W)); }

}  // namespace

// The 3x3 windows of every Spikformer stem. Windows that lie wholly inside the plane take an
// unrolled path without clipping; it scans in the same (row, column) order with the same
// comparison as window_max, so the values and indices are those of the general path.
template <class T>
void max_pool3x3_plane(const T* plane, const math::PoolGeom& g, T* out, int64_t* idx) {
  // Columns whose window lies inside the plane: ow in [lo, hi).
  const int64_t lo = std::min(g.OW, (g.pw + g.sw - 1) / g.sw);
  int64_t hi = g.W + g.pw - 3 >= 0 ? (g.W + g.pw - 3) / g.sw + 1 : 0;
  hi = std::max(lo, std::min(hi, g.OW));
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sh - g.ph;
    const bool rows_inside = h0 >= 0 && h0 + 3 <= g.H;
    const int64_t a = rows_inside ? lo : g.OW, b = rows_inside ? hi : g.OW;
    for (int64_t ow = 0; ow < a; ++ow) math::window_max(plane, g, oh, ow, out[oh * g.OW + ow], idx[oh * g.OW + ow]);
    if (rows_inside) {
      const T* r0 = plane + h0 * g.W - g.pw;
      const T* r1 = r0 + g.W;
      const T* r2 = r1 + g.W;
      T* o = out + oh * g.OW;
      int64_t* io = idx + oh * g.OW;
      const int64_t base = h0 * g.W - g.pw;
      // Branch-free selects (spike inputs make a compare-and-branch unpredictable), vectorised
      // across output columns.
#pragma omp simd
      for (int64_t ow = a; ow < b; ++ow) {
        const int64_t w = ow * g.sw;
        T best = r0[w];
        int64_t at = w;
        auto take = [&](T v, int64_t off) {
          const bool t = v > best || v != v;
          best = t ? v : best;
          at = t ? off : at;
        };
        take(r0[w + 1], w + 1);
        take(r0[w + 2], w + 2);
        take(r1[w], g.W + w);
        take(r1[w + 1], g.W + w + 1);
        take(r1[w + 2], g.W + w + 2);
        take(r2[w], 2 * g.W + w);
        take(r2[w + 1], 2 * g.W + w + 1);
        take(r2[w + 2], 2 * g.W + w + 2);
        o[ow] = best;
        io[ow] = base + at;
      }
    }
    for (int64_t ow = b; ow < g.OW; ++ow) math::window_max(plane, g, oh, ow, out[oh * g.OW + ow], idx[oh * g.OW + ow]);
  }
}

void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g) {
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    int64_t* ip = indices.data<int64_t>();
    const bool k3 = g.kh == 3 && g.kw == 3;
    parallel_for(planes_of(x), grain_for(g), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        if (k3) {
          max_pool3x3_plane(xp + pl * g.H * g.W, g, yp + pl * g.OH * g.OW, ip + pl * g.OH * g.OW);
          continue;
        }
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t o = (pl * g.OH + oh) * g.OW + ow;
            math::window_max(xp + pl * g.H * g.W, g, oh, ow, yp[o], ip[o]);
          }
      }
    });
  });
}

void max_pool2d_backward(const Tensor& gx, const Tensor& grad, const Tensor& indices, const math::PoolGeom& g) {
  dispatch_floating(gx.dtype(), "max_pool2d_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    T* gxp = gx.data<T>();
    const T* gp = grad.data<T>();
    const int64_t* ip = indices.data<int64_t>();
    const int64_t out_plane = g.OH * g.OW, in_plane = g.H * g.W;
    parallel_for(planes_of(gx), grain_for(g), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl)  // gx arrives zeroed
        for (int64_t o = 0; o < out_plane; ++o) gxp[pl * in_plane + ip[pl * out_plane + o]] += gp[pl * out_plane + o];
    });
  });
}

void avg_pool2d(const Tensor& y, const Tensor& x, const math::PoolGeom& g) {
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    parallel_for(planes_of(x), grain_for(g), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* plane = xp + pl * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            math::AvgWindow a = math::avg_window(g, oh, ow);
            T acc = 0;
            for (int64_t h = a.win.h0; h < a.win.h1; ++h)
              for (int64_t w = a.win.w0; w < a.win.w1; ++w) acc += plane[h * g.W + w];
            yp[(pl * g.OH + oh) * g.OW + ow] = acc / static_cast<T>(a.divisor);
          }
      }
    });
  });
}

void avg_pool2d_backward(const Tensor& gx, const Tensor& grad, const math::PoolGeom& g) {
  dispatch_floating(gx.dtype(), "avg_pool2d_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    T* gxp = gx.data<T>();
    const T* gp = grad.data<T>();
    parallel_for(planes_of(gx), grain_for(g), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* plane = gxp + pl * g.H * g.W;
        std::fill(plane, plane + g.H * g.W, T(0));
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            math::AvgWindow a = math::avg_window(g, oh, ow);
            const T share = gp[(pl * g.OH + oh) * g.OW + ow] / static_cast<T>(a.divisor);
            for (int64_t h = a.win.h0; h < a.win.h1; ++h)
              for (int64_t w = a.win.w0; w < a.win.w1; ++w) plane[h * g.W + w] += share;
          }
      }
    });
  });
}

}  // namespace autost::kernels::cpu
