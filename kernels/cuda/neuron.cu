// CUDA fused neurons: one thread per neuron loops over all T steps (SpikingJelly's layout of the
// work), forward and reverse. Consecutive threads read consecutive neurons of a step, so every
// step's loads coalesce. The PLIF w gradient is summed per thread, then per block (fixed-order
// block_reduce), then over blocks by one block in a second kernel: no float atomics, so the result
// is the same on every run.
#include "kernels/cpu/neuron.h"
#include "kernels/cuda/block_reduce.cuh"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T>
__device__ T decay_of(const T* w, T k) {
  return w ? math::Sigmoid::f(*w) : k;
}

template <class T, bool Spikes, bool Mask, bool H>
__global__ void neuron_forward_kernel(T* spikes, uint8_t* mask, T* hs, const T* x, const T* w, T k_const,
                                      math::NeuronConsts<T> c, int64_t nt, int64_t n) {
  const T k = decay_of(w, k_const);
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    T v = c.v_charge;
    for (int64_t t = 0; t < nt; ++t) {
      const int64_t o = t * n + i;
      T h = math::neuron_charge(v, x[o], k, c);
      T s = math::neuron_fire(h, c);
      if constexpr (Spikes) spikes[o] = s;
      if constexpr (H) hs[o] = h;
      if constexpr (Mask) mask[o] = static_cast<uint8_t>(s);
      v = math::neuron_reset(h, s, c);
    }
  }
}

// Every thread of a block reaches the block_reduce (the grid-stride loop is outside it).
template <class T, class S, bool NeedW>
__global__ void neuron_backward_kernel(T* gx, T* partial, const T* gs, const uint8_t* mask, const T* hs, const T* w,
                                       T k_const, math::NeuronConsts<T> c, int64_t nt, int64_t n) {
  const T k = decay_of(w, k_const);
  const T dx = c.decay_input ? k : T(1), carry = T(1) - k;
  T acc = T(0);
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    T gv = T(0);
    for (int64_t t = nt - 1; t >= 0; --t) {
      const int64_t o = t * n + i;
      T h = hs[o], s = T(mask[o]);
      T gh = math::neuron_grad_h<S>(gs[o], gv, h, s, c);
      gx[o] = gh * dx;
      gv = gh * carry;
      if constexpr (NeedW) {
        T vp = t > 0 ? math::neuron_reset(hs[o - n], T(mask[o - n]), c) : c.v_charge;
        acc += gh * math::neuron_dh_dk(h, vp, k, c);
      }
    }
  }
  if constexpr (NeedW) {
    T b = block_reduce(acc, SumOp{}, T(0));
    if (threadIdx.x == 0) partial[blockIdx.x] = b;
  }
}

// One block: sums the per-block partials in a fixed order and applies d sigmoid(w)/dw = k (1 - k).
template <class T>
__global__ void neuron_w_grad_kernel(T* gw, const T* partial, int64_t blocks, const T* w) {
  T acc = T(0);
  for (int64_t j = threadIdx.x; j < blocks; j += blockDim.x) acc += partial[j];
  T total = block_reduce(acc, SumOp{}, T(0));
  if (threadIdx.x == 0) {
    T k = math::Sigmoid::f(*w);
    *gw = total * k * (T(1) - k);
  }
}

}  // namespace

void neuron_forward(const Tensor& spikes, const Tensor& mask, const Tensor& h, const Tensor& x, double k,
                    const Tensor& w, const NeuronParams& p, int64_t T, int64_t N) {
  dispatch_floating(x.dtype(), "neuron_forward", [&](auto tt) {
    using V = typename decltype(tt)::type;
    auto c = neuron_consts<V>(p);
    const V* wp = w.defined() ? w.data<V>() : nullptr;
    const unsigned blocks = autost::cuda::blocks_for(N);
    V* sp = spikes.defined() ? spikes.data<V>() : nullptr;
    uint8_t* mp = mask.defined() ? mask.data<uint8_t>() : nullptr;
    V* hp = h.defined() ? h.data<V>() : nullptr;
    const V* xp = x.data<V>();
    auto launch = [&](auto kernel) {
      kernel<<<blocks, autost::cuda::kThreads>>>(sp, mp, hp, xp, wp, V(k), c, T, N);
    };
    // The output sets callers use (kernels/neuron.h NeuronOutputs), each its own instantiation.
    if (sp && mp && hp) launch(neuron_forward_kernel<V, true, true, true>);
    else if (sp && mp) launch(neuron_forward_kernel<V, true, true, false>);
    else if (sp && !hp) launch(neuron_forward_kernel<V, true, false, false>);
    else if (hp && !sp && !mp) launch(neuron_forward_kernel<V, false, false, true>);
    else AUTOST_FAIL("neuron_forward: unsupported set of outputs (spikes ", sp != nullptr, ", mask ", mp != nullptr,
                     ", H ", hp != nullptr, ")");
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void neuron_backward(const Tensor& gx, const Tensor& gw, const Tensor& gs, const Tensor& mask, const Tensor& h,
                     double k, const Tensor& w, const NeuronParams& p, int64_t T, int64_t N) {
  dispatch_floating(h.dtype(), "neuron_backward", [&](auto tt) {
    using V = typename decltype(tt)::type;
    auto c = neuron_consts<V>(p);
    const V* wp = w.defined() ? w.data<V>() : nullptr;
    const unsigned blocks = autost::cuda::blocks_for(N);
    dispatch_surrogate(p.surrogate, [&](auto st) {
      using S = typename decltype(st)::type;
      if (gw.defined()) {
        Tensor partial = empty({static_cast<int64_t>(blocks)}, TensorOptions(h.dtype()).device(h.device()));
        neuron_backward_kernel<V, S, true><<<blocks, autost::cuda::kThreads>>>(
            gx.data<V>(), partial.data<V>(), gs.data<V>(), mask.data<uint8_t>(), h.data<V>(), wp, V(k), c, T, N);
        AUTOST_CUDA_CHECK_LAUNCH();
        neuron_w_grad_kernel<V><<<1, autost::cuda::kThreads>>>(gw.data<V>(), partial.data<V>(), blocks, wp);
        AUTOST_CUDA_CHECK_LAUNCH();
      } else {
        neuron_backward_kernel<V, S, false><<<blocks, autost::cuda::kThreads>>>(
            gx.data<V>(), nullptr, gs.data<V>(), mask.data<uint8_t>(), h.data<V>(), wp, V(k), c, T, N);
        AUTOST_CUDA_CHECK_LAUNCH();
      }
    });
  });
}

}  // namespace autost::kernels::cuda
