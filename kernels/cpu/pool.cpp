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

void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g) {
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    int64_t* ip = indices.data<int64_t>();
    parallel_for(planes_of(x), grain_for(g), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl)
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t o = (pl * g.OH + oh) * g.OW + ow;
            math::window_max(xp + pl * g.H * g.W, g, oh, ow, yp[o], ip[o]);
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
