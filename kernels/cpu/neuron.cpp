// CPU fused neurons. Neurons are processed in fixed blocks of kBlock lanes: the time loop is outside,
// the lane loop inside (unit stride, vectorised), with each lane's state in a small local array.
// Blocks are split across OpenMP threads; the PLIF w gradient is summed per block and then over
// blocks in block order, so the result does not depend on the thread count.
#include <cstdint>
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

template <class T, bool Save>
void forward_impl(T* spikes, uint8_t* mask, T* hsave, const T* x, T k, const math::NeuronConsts<T>& c, int64_t nt,
                  int64_t N) {
  const int64_t nb = (N + kBlock - 1) / kBlock;
  parallel_for(nb, block_grain(nt), [&](int64_t b0, int64_t b1) {
    T v[kBlock];
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * kBlock, n = std::min(kBlock, N - i0);
      for (int64_t i = 0; i < n; ++i) v[i] = c.v_charge;
      for (int64_t t = 0; t < nt; ++t) {
        const int64_t o = t * N + i0;
        const T* xt = x + o;
        T* st = spikes + o;
        for (int64_t i = 0; i < n; ++i) {
          T h = math::neuron_charge(v[i], xt[i], k, c);
          T s = math::neuron_fire(h, c);
          st[i] = s;
          if constexpr (Save) {
            hsave[o + i] = h;
            mask[o + i] = static_cast<uint8_t>(s);
          }
          v[i] = math::neuron_reset(h, s, c);
        }
      }
    }
  });
}

template <class T, class S, bool NeedW>
double backward_impl(T* gx, const T* gs, const uint8_t* mask, const T* hs, T k, const math::NeuronConsts<T>& c,
                     int64_t nt, int64_t N) {
  const int64_t nb = (N + kBlock - 1) / kBlock;
  std::vector<double> partial(NeedW ? nb : 0, 0.0);
  const T dx = c.decay_input ? k : T(1), carry = T(1) - k;
  parallel_for(nb, block_grain(nt), [&](int64_t b0, int64_t b1) {
    T gv[kBlock], acc[kBlock];
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * kBlock, n = std::min(kBlock, N - i0);
      for (int64_t i = 0; i < n; ++i) gv[i] = acc[i] = T(0);
      for (int64_t t = nt - 1; t >= 0; --t) {
        const int64_t o = t * N + i0, op = (t - 1) * N + i0;
        for (int64_t i = 0; i < n; ++i) {
          T h = hs[o + i], s = T(mask[o + i]);
          T gh = math::neuron_grad_h<S>(gs[o + i], gv[i], h, s, c);
          gx[o + i] = gh * dx;
          gv[i] = gh * carry;
          if constexpr (NeedW) {
            T vp = t > 0 ? math::neuron_reset(hs[op + i], T(mask[op + i]), c) : c.v_charge;
            acc[i] += gh * math::neuron_dh_dk(h, vp, k, c);
          }
        }
      }
      if constexpr (NeedW) {
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(acc[i]);
        partial[b] = sum;
      }
    }
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
    if (mask.defined())
      forward_impl<V, true>(spikes.data<V>(), mask.data<uint8_t>(), h.data<V>(), x.data<V>(), kk, c, T, N);
    else
      forward_impl<V, false>(spikes.data<V>(), nullptr, nullptr, x.data<V>(), kk, c, T, N);
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
