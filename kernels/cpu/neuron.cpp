// CPU fused neurons. Neurons are processed in fixed blocks of kBlock lanes: the time loop is outside,
// the lane loop inside (unit stride, vectorised), with each lane's state in a small local array.
// Blocks are split across OpenMP threads; the PLIF w gradient is summed per block and then over
// blocks in block order, so the result does not depend on the thread count.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cpu/neuron.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

constexpr int64_t kBlock = 256;

int64_t block_grain(int64_t T) { return std::max<int64_t>(1, kGrainElementwise / (kBlock * T)); }

template <class T>
T decay_of(double k, const Tensor& w) {
  return w.defined() ? math::Sigmoid::f(*static_cast<const T*>(w.data_ptr())) : T(k);
}

// Calls body(std::true_type) for the configuration every Spikformer/AutoST layer uses (hard reset,
// detach_reset, decay_input) and body(std::false_type) otherwise. The lane loops then rebuild their
// constants with those flags fixed at compile time (local_consts), inside the OpenMP region where
// the compiler can see them, so no branch is left in the loop and it vectorises.
template <class T, class Body>
void with_flags(const math::NeuronConsts<T>& c, Body&& body) {
  if (c.hard_reset && c.detach_reset && c.decay_input) body(std::true_type{});
  else body(std::false_type{});
}

template <bool Fixed, class T>
math::NeuronConsts<T> local_consts(const math::NeuronConsts<T>& c) {
  math::NeuronConsts<T> l = c;
  if constexpr (Fixed) l.hard_reset = l.detach_reset = l.decay_input = true;
  return l;
}

template <class T, bool Spikes, bool Mask, bool H>
void forward_impl(T* spikes, uint8_t* mask, T* hsave, const T* x, T k, const math::NeuronConsts<T>& consts,
                  int64_t nt, int64_t N) {
  const int64_t nb = (N + kBlock - 1) / kBlock;
  with_flags(consts, [&](auto fixed) {
    parallel_for(nb, block_grain(nt), [&](int64_t b0, int64_t b1) {
      // Local copies: stores through the output pointers cannot then alias the constants, which would
      // force a reload per lane and stop the vectoriser.
      const math::NeuronConsts<T> cl = local_consts<decltype(fixed)::value>(consts);
      const T kl = k;
      T v[kBlock];
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t i0 = b * kBlock, n = std::min(kBlock, N - i0);
        for (int64_t i = 0; i < n; ++i) v[i] = cl.v_charge;
        for (int64_t t = 0; t < nt; ++t) {
          const int64_t o = t * N + i0;
          const T* __restrict xt = x + o;
          T* __restrict st = Spikes ? spikes + o : nullptr;
          T* __restrict ht = H ? hsave + o : nullptr;
          uint8_t* __restrict mt = Mask ? mask + o : nullptr;
#pragma omp simd
          for (int64_t i = 0; i < n; ++i) {
            T h = math::neuron_charge(v[i], xt[i], kl, cl);
            T s = math::neuron_fire(h, cl);
            if constexpr (Spikes) st[i] = s;
            if constexpr (H) ht[i] = h;
            if constexpr (Mask) mt[i] = static_cast<uint8_t>(s);
            v[i] = math::neuron_reset(h, s, cl);
          }
        }
      }
    });
  });
}

template <class T, class S, bool NeedW>
double backward_impl(T* gx, const T* gs, const uint8_t* mask, const T* hs, T k, const math::NeuronConsts<T>& consts,
                     int64_t nt, int64_t N) {
  const int64_t nb = (N + kBlock - 1) / kBlock;
  std::vector<double> partial(NeedW ? nb : 0, 0.0);
  with_flags(consts, [&](auto fixed) {
    parallel_for(nb, block_grain(nt), [&](int64_t b0, int64_t b1) {
      const math::NeuronConsts<T> cl = local_consts<decltype(fixed)::value>(consts);  // see forward_impl
      const T kl = k, dx = cl.decay_input ? kl : T(1), carry = T(1) - kl;
      T gv[kBlock], acc[kBlock];
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t i0 = b * kBlock, n = std::min(kBlock, N - i0);
        for (int64_t i = 0; i < n; ++i) gv[i] = acc[i] = T(0);
        for (int64_t t = nt - 1; t >= 0; --t) {
          const int64_t o = t * N + i0;
          const T* __restrict ht = hs + o;
          const T* __restrict gst = gs + o;
          const uint8_t* __restrict mt = mask + o;
          T* __restrict gxt = gx + o;
          // V[t-1] for PLIF's dH/dk, rebuilt from the previous step's H and spike (V_charge at t = 0;
          // the two cases are separate loops so no lane loads conditionally).
          auto step = [&](auto first) __attribute__((always_inline)) {
            const T* __restrict hp = hs + o - (decltype(first)::value ? 0 : N);
            const uint8_t* __restrict mp = mask + o - (decltype(first)::value ? 0 : N);
#pragma omp simd
            for (int64_t i = 0; i < n; ++i) {
              T h = ht[i], s = T(mt[i]);
              T gh = math::neuron_grad_h<S>(gst[i], gv[i], h, s, cl);
              gxt[i] = gh * dx;
              gv[i] = gh * carry;
              if constexpr (NeedW) {
                T vp = decltype(first)::value ? cl.v_charge : math::neuron_reset(hp[i], T(mp[i]), cl);
                acc[i] += gh * math::neuron_dh_dk(h, vp, kl, cl);
              }
            }
          };
          if (t > 0) step(std::false_type{});
          else step(std::true_type{});
        }
        if constexpr (NeedW) {
          double sum = 0.0;
          for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(acc[i]);
          partial[b] = sum;
        }
      }
    });
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

}  // namespace

void neuron_forward(const Tensor& spikes, const Tensor& mask, const Tensor& h, const Tensor& x, double k,
                    const Tensor& w, const NeuronParams& p, int64_t T, int64_t N) {
  dispatch_floating(x.dtype(), "neuron_forward", [&](auto tt) {
    using V = typename decltype(tt)::type;
    auto c = neuron_consts<V>(p);
    V kk = decay_of<V>(k, w);
    V* sp = spikes.defined() ? spikes.data<V>() : nullptr;
    uint8_t* mp = mask.defined() ? mask.data<uint8_t>() : nullptr;
    V* hp = h.defined() ? h.data<V>() : nullptr;
    const V* xp = x.data<V>();
    // The output sets callers use (kernels/neuron.h NeuronOutputs), each its own instantiation.
    auto run = [&](auto impl) { impl(sp, mp, hp, xp, kk, c, T, N); };
    if (sp && mp && hp) run(forward_impl<V, true, true, true>);
    else if (sp && mp) run(forward_impl<V, true, true, false>);
    else if (sp && !hp) run(forward_impl<V, true, false, false>);
    else if (hp && !sp && !mp) run(forward_impl<V, false, false, true>);
    else AUTOST_FAIL("neuron_forward: unsupported set of outputs (spikes ", sp != nullptr, ", mask ", mp != nullptr,
                     ", H ", hp != nullptr, ")");
  });
}

void neuron_backward(const Tensor& gx, const Tensor& gw, const Tensor& gs, const Tensor& mask, const Tensor& h,
                     double k, const Tensor& w, const NeuronParams& p, int64_t T, int64_t N) {
  dispatch_floating(h.dtype(), "neuron_backward", [&](auto tt) {
    using V = typename decltype(tt)::type;
    auto c = neuron_consts<V>(p);
    V kk = decay_of<V>(k, w);
    dispatch_surrogate(p.surrogate, [&](auto st) {
      using S = typename decltype(st)::type;
      if (gw.defined()) {
        double sum = backward_impl<V, S, true>(gx.data<V>(), gs.data<V>(), mask.data<uint8_t>(), h.data<V>(), kk,
                                               c, T, N);
        // d sigmoid(w)/dw = k (1 - k)
        *gw.data<V>() = static_cast<V>(sum * double(kk) * (1.0 - double(kk)));
      } else {
        backward_impl<V, S, false>(gx.data<V>(), gs.data<V>(), mask.data<uint8_t>(), h.data<V>(), kk, c, T, N);
      }
    });
  });
}

}  // namespace autost::kernels::cpu
