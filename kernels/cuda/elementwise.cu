// CUDA launch glue for elementwise ops: the same kernels/math functors as the CPU loops, one thread
// per element; dense operands index directly, broadcast/strided ones go through an OffsetCalc.
#include "kernels/cpu/elementwise.h"
#include "kernels/elementwise_dispatch.h"
#include "kernels/strided_plan.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T, class Out, int N, class Fn>
__global__ void map_contiguous(Out* out, const T* a, const T* b, const T* c, int64_t n, Fn fn) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    if constexpr (N == 2) out[i] = fn(a[i]);
    else if constexpr (N == 3) out[i] = fn(a[i], b[i]);
    else out[i] = fn(a[i], b[i], c[i]);
  }
}

template <class T, class Out, int N, class Fn>
__global__ void map_strided(Out* out, const T* a, const T* b, const T* c, OffsetCalc<N> calc, int64_t n, Fn fn) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    int64_t off[N];
    calc.get(i, off);
    if constexpr (N == 2) out[off[0]] = fn(a[off[1]]);
    else if constexpr (N == 3) out[off[0]] = fn(a[off[1]], b[off[2]]);
    else out[off[0]] = fn(a[off[1]], b[off[2]], c[off[3]]);
  }
}

template <class T, class Out, int N, class Fn>
void map(const std::array<Tensor, N>& ops, Fn fn) {
  StridedPlan<N> p = make_strided_plan<N>(ops);
  if (p.numel == 0) return;
  AUTOST_CUDA_CHECK(cudaSetDevice(ops[0].device().index));
  Out* out = static_cast<Out*>(ops[0].data_ptr());
  const T* in[3] = {nullptr, nullptr, nullptr};
  for (int k = 1; k < N; ++k) in[k - 1] = static_cast<const T*>(ops[k].data_ptr());
  auto blocks = autost::cuda::blocks_for(p.numel);
  if (p.all_contiguous)
    map_contiguous<T, Out, N><<<blocks, autost::cuda::kThreads>>>(out, in[0], in[1], in[2], p.numel, fn);
  else
    map_strided<T, Out, N><<<blocks, autost::cuda::kThreads>>>(out, in[0], in[1], in[2], p.dims, p.numel, fn);
  AUTOST_CUDA_CHECK_LAUNCH();
}

// Device lambdas cannot be templated on a functor type inside a generic host lambda portably, so
// each op is a small functor struct instead.
template <class F> struct UnaryFwd { template <class T> __device__ T operator()(T x) const { return F::f(x); } };
template <class F> struct UnaryBwd {
  template <class T> __device__ T operator()(T g, T x, T y) const { return g * F::df(x, y); }
};
template <class F> struct BinaryFwd { template <class T> __device__ T operator()(T a, T b) const { return F::f(a, b); } };
template <class F> struct BinaryBwdA {
  template <class T> __device__ T operator()(T g, T a, T b) const { return g * F::da(a, b); }
};
template <class F> struct BinaryBwdB {
  template <class T> __device__ T operator()(T g, T a, T b) const { return g * F::db(a, b); }
};
template <class F> struct CompareFn { template <class T> __device__ bool operator()(T a, T b) const { return F::f(a, b); } };
struct WhereFn { template <class T> __device__ T operator()(T c, T a, T b) const { return c != T(0) ? a : b; } };
template <class T> struct AxpyFn {
  T alpha;
  __device__ T operator()(T d, T s) const { return d + alpha * s; }
};

}  // namespace

void unary(UnaryOp op, const Tensor& y, const Tensor& x) {
  dispatch_floating(x.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_unary(op, [&](auto ft) { map<T, T, 2>({y, x}, UnaryFwd<typename decltype(ft)::type>{}); });
  });
}

void unary_backward(UnaryOp op, const Tensor& gx, const Tensor& g, const Tensor& x, const Tensor& y) {
  dispatch_floating(x.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_unary(op, [&](auto ft) { map<T, T, 4>({gx, g, x, y}, UnaryBwd<typename decltype(ft)::type>{}); });
  });
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_floating(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_binary(op, [&](auto ft) { map<T, T, 3>({out, a, b}, BinaryFwd<typename decltype(ft)::type>{}); });
  });
}

void binary_backward(BinaryOp op, const Tensor& ga, const Tensor& gb, const Tensor& g, const Tensor& a,
                     const Tensor& b) {
  dispatch_floating(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_binary(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      if (ga.defined()) map<T, T, 4>({ga, g, a, b}, BinaryBwdA<F>{});
      if (gb.defined()) map<T, T, 4>({gb, g, a, b}, BinaryBwdB<F>{});
    });
  });
}

void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_numeric(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_compare(op, [&](auto ft) { map<T, bool, 3>({out, a, b}, CompareFn<typename decltype(ft)::type>{}); });
  });
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  dispatch_numeric(a.dtype(), "where", [&](auto tt) {
    using T = typename decltype(tt)::type;
    map<T, T, 4>({out, cond, a, b}, WhereFn{});
  });
}

void add_(const Tensor& dst, const Tensor& src, double alpha) {
  dispatch_floating(dst.dtype(), "add_", [&](auto tt) {
    using T = typename decltype(tt)::type;
    map<T, T, 3>({dst, dst, src}, AxpyFn<T>{static_cast<T>(alpha)});
  });
}

}  // namespace autost::kernels::cuda
