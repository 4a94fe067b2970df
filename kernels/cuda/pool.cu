// CUDA pooling, one thread per output (forward) or per input element (backward: a gather over the
// windows containing that element, summed in a fixed order, so results are deterministic even
// where windows overlap, as in the 3x3 stride-2 pools of Spikformer's SPS).
#include <type_traits>

#include "kernels/cpu/pool.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

// Idx is the argmax form saved for backward: int64_t flat plane index or uint8_t window offset.
template <class T, class Idx>
__global__ void max_pool_kernel(T* y, Idx* idx, const T* x, math::PoolGeom g, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, pl = i / (g.OW * g.OH);
    math::window_max(x + pl * g.H * g.W, g, oh, ow, y[i], idx[i]);
  }
}

template <class T, class Idx>
__global__ void max_pool_backward_kernel(T* gx, const T* grad, const Idx* idx, math::PoolGeom g, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    const int64_t w = i % g.W, h = (i / g.W) % g.H, pl = i / (g.W * g.H);
    const T* gp = grad + pl * g.OH * g.OW;
    const Idx* ip = idx + pl * g.OH * g.OW;
    math::OutRange rh = math::windows_containing(h, g.kh, g.sh, g.ph, g.OH);
    math::OutRange rw = math::windows_containing(w, g.kw, g.sw, g.pw, g.OW);
    T acc = 0;
    for (int64_t oh = rh.lo; oh < rh.hi; ++oh)
      for (int64_t ow = rw.lo; ow < rw.hi; ++ow)
        if (math::argmax_is(g, oh, ow, ip[oh * g.OW + ow], h, w)) acc += gp[oh * g.OW + ow];
    gx[i] = acc;
  }
}

// Calls fn with a typed null pointer naming the argmax form of `indices`.
template <class Fn>
void with_argmax(const Tensor& indices, Fn&& fn) {
  if (indices.dtype() == kUInt8)
    fn(static_cast<uint8_t*>(nullptr));
  else
    fn(static_cast<int64_t*>(nullptr));
}

template <class T>
__global__ void avg_pool_kernel(T* y, const T* x, math::PoolGeom g, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, pl = i / (g.OW * g.OH);
    const T* plane = x + pl * g.H * g.W;
    math::AvgWindow a = math::avg_window(g, oh, ow);
    T acc = 0;
    for (int64_t h = a.win.h0; h < a.win.h1; ++h)
      for (int64_t w = a.win.w0; w < a.win.w1; ++w) acc += plane[h * g.W + w];
    y[i] = acc / static_cast<T>(a.divisor);
  }
}

template <class T>
__global__ void avg_pool_backward_kernel(T* gx, const T* grad, math::PoolGeom g, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    const int64_t w = i % g.W, h = (i / g.W) % g.H, pl = i / (g.W * g.H);
    const T* gp = grad + pl * g.OH * g.OW;
    math::OutRange rh = math::windows_containing(h, g.kh, g.sh, g.ph, g.OH);
    math::OutRange rw = math::windows_containing(w, g.kw, g.sw, g.pw, g.OW);
    T acc = 0;
    for (int64_t oh = rh.lo; oh < rh.hi; ++oh)
      for (int64_t ow = rw.lo; ow < rw.hi; ++ow)
        acc += gp[oh * g.OW + ow] / static_cast<T>(math::avg_window(g, oh, ow).divisor);
    gx[i] = acc;
  }
}

}  // namespace

void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    with_argmax(indices, [&](auto* tag) {
      using Idx = std::remove_pointer_t<decltype(tag)>;
      const int64_t n = y.numel();
      max_pool_kernel<T, Idx><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
          static_cast<T*>(y.data_ptr()), static_cast<Idx*>(indices.data_ptr()), static_cast<const T*>(x.data_ptr()),
          g, n);
      AUTOST_CUDA_CHECK_LAUNCH();
    });
  });
}

void max_pool2d_backward(const Tensor& gx, const Tensor& grad, const Tensor& indices, const math::PoolGeom& g) {
  AUTOST_CUDA_CHECK(cudaSetDevice(gx.device().index));
  dispatch_floating(gx.dtype(), "max_pool2d_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    with_argmax(indices, [&](auto* tag) {
      using Idx = std::remove_pointer_t<decltype(tag)>;
      const int64_t n = gx.numel();
      max_pool_backward_kernel<T, Idx><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
          static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()),
          static_cast<const Idx*>(indices.data_ptr()), g, n);
      AUTOST_CUDA_CHECK_LAUNCH();
    });
  });
}

void avg_pool2d(const Tensor& y, const Tensor& x, const math::PoolGeom& g) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t n = y.numel();
    avg_pool_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
        static_cast<T*>(y.data_ptr()), static_cast<const T*>(x.data_ptr()), g, n);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void avg_pool2d_backward(const Tensor& gx, const Tensor& grad, const math::PoolGeom& g) {
  AUTOST_CUDA_CHECK(cudaSetDevice(gx.device().index));
  dispatch_floating(gx.dtype(), "avg_pool2d_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t n = gx.numel();
    avg_pool_backward_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
        static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()), g, n);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
