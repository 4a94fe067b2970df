// CPU pooling: one OpenMP task range of N*C planes; within a plane the loops are serial, so the
// backward scatters need no atomics and sum in a fixed order.
#include "kernels/cpu/pool.h"

#include <algorithm>
#include <type_traits>

#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

int64_t planes_of(const Tensor& t) { return t.size(0) * t.size(1); }
int64_t grain_for(const math::PoolGeom& g) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.H * g.W)); }

// A run of n 3x3 windows that lie inside the plane, the first at column ow0 * sw of row r0: their
// maxima, and base + the argmax's flat offset from r0. It scans in the same (row, column) order
// with the same comparison as window_max, so values and argmaxes are those of the general path.
// Branch-free selects (spike inputs make a compare-and-branch unpredictable), vectorised across
// output columns.
template <class T>
void max3x3_run(const T* __restrict r0, int64_t W, int64_t sw, int64_t ow0, int64_t n, int64_t base, T* __restrict o,
                int64_t* __restrict at_out) {
  const T* __restrict r1 = r0 + W;
  const T* __restrict r2 = r1 + W;
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const int64_t w = (ow0 + j) * sw;
    T best = r0[w];
    int64_t at = w;
    auto take = [&](T v, int64_t off) {
      const bool t = v > best || v != v;
      best = t ? v : best;
      at = t ? off : at;
    };
    take(r0[w + 1], w + 1);
    take(r0[w + 2], w + 2);
    take(r1[w], W + w);
    take(r1[w + 1], W + w + 1);
    take(r1[w + 2], W + w + 2);
    take(r2[w], 2 * W + w);
    take(r2[w + 1], 2 * W + w + 1);
    take(r2[w + 2], 2 * W + w + 2);
    o[j] = best;
    at_out[j] = base + at;
  }
}

// The 3x3 windows of every Spikformer stem. Windows that lie wholly inside the plane take the
// unrolled max3x3_run; the others (at the borders) the general window_max. Idx is the argmax form:
// int64_t flat plane index or uint8_t window offset (math/pool.h).
template <class T, class Idx>
void max_pool3x3_plane(const T* plane, const math::PoolGeom& g, T* out, Idx* idx) {
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
      if constexpr (std::is_same_v<Idx, int64_t>) {
        max3x3_run(r0, g.W, g.sw, a, b - a, h0 * g.W - g.pw, out + oh * g.OW + a, idx + oh * g.OW + a);
      } else {
        // Window offsets: the same int64 run (whose vectorisation does not hinge on a uint8 store)
        // into a small buffer, then each flat offset rel = row * W + column from the window's
        // corner (row and column in 0..2, W >= 3) becomes row * 3 + column.
        constexpr int64_t kChunk = 64;
        int64_t rel[kChunk];
        for (int64_t c0 = a; c0 < b; c0 += kChunk) {
          const int64_t n = std::min(kChunk, b - c0), W = g.W, sw = g.sw;
          max3x3_run(r0, W, sw, c0, n, 0, out + oh * g.OW + c0, rel);
          uint8_t* io = idx + oh * g.OW + c0;
#pragma omp simd
          for (int64_t j = 0; j < n; ++j) {
            const int64_t r = rel[j] - (c0 + j) * sw, row = (r >= W) + (r >= 2 * W);
            io[j] = static_cast<uint8_t>(row * 3 + r - row * W);
          }
        }
      }
    }
    for (int64_t ow = b; ow < g.OW; ++ow) math::window_max(plane, g, oh, ow, out[oh * g.OW + ow], idx[oh * g.OW + ow]);
  }
}

template <class T, class Idx>
void max_pool_planes(const T* xp, T* yp, Idx* ip, int64_t planes, const math::PoolGeom& g) {
  const bool k3 = g.kh == 3 && g.kw == 3;
  parallel_for(planes, grain_for(g), [&](int64_t p0, int64_t p1) {
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
}

// gx arrives zeroed. Every output adds its gradient to its argmax, in output order, whichever form
// the argmax is saved in, so both forms give bit-identical sums. A window offset k of output
// (oh, ow) is input index window_row0 * W + window_col0 + offset_delta(k) (math/pool.h), with
// offset_delta looked up in a table.
template <class T, class Idx>
void max_pool_backward_planes(T* gxp, const T* gp, const Idx* ip, int64_t planes, const math::PoolGeom& g) {
  constexpr bool kOffsets = std::is_same_v<Idx, uint8_t>;
  int64_t delta[math::kMaxOffsetWindow] = {};
  if constexpr (kOffsets)
    for (int64_t k = 0; k < g.kh * g.kw; ++k) delta[k] = math::offset_delta(g, k);
  const int64_t out_plane = g.OH * g.OW, in_plane = g.H * g.W;
  parallel_for(planes, grain_for(g), [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      T* gxpl = gxp + pl * in_plane;
      const T* gpl = gp + pl * out_plane;
      const Idx* ipl = ip + pl * out_plane;
      if constexpr (kOffsets) {
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t row = math::window_row0(g, oh) * g.W;
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t o = oh * g.OW + ow;
            gxpl[row + math::window_col0(g, ow) + delta[ipl[o]]] += gpl[o];
          }
        }
      } else {
        for (int64_t o = 0; o < out_plane; ++o) gxpl[ipl[o]] += gpl[o];
      }
    }
  });
}

// Calls fn with a typed pointer to the argmax tensor: int64 flat indices or uint8 window offsets.
template <class Fn>
void with_argmax(const Tensor& indices, Fn&& fn) {
  if (indices.dtype() == kUInt8)
    fn(indices.data<uint8_t>());
  else
    fn(indices.data<int64_t>());
}

}  // namespace

void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g) {
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    with_argmax(indices, [&](auto* ip) { max_pool_planes(x.data<T>(), y.data<T>(), ip, planes_of(x), g); });
  });
}

void max_pool2d_backward(const Tensor& gx, const Tensor& grad, const Tensor& indices, const math::PoolGeom& g) {
  dispatch_floating(gx.dtype(), "max_pool2d_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    with_argmax(indices,
                [&](const auto* ip) { max_pool_backward_planes(gx.data<T>(), grad.data<T>(), ip, planes_of(gx), g); });
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
