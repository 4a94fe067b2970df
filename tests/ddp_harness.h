#pragma once
// Shared by tests/test_ddp.cpp (one process) and tests/mpi/test_ddp_ranks.cpp (under mpirun): a
// batch-norm call with its gradients, and the small float64 model the data-parallel runs train.
#include <functional>
#include <memory>

#include "nn/layers.h"
#include "tests/harness.h"

namespace autost::test {

// Outputs and gradients of one batch-norm call, for the loss sum(out * out_weight).
struct NormRun {
  Tensor out, gx, gw, gb, running_mean, running_var;
};

using NormFn = std::function<Tensor(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm,
                                    const Tensor& rv)>;

// x, w, b: constants that are copied into fresh leaves; running statistics start at (0.5, 2).
inline NormRun run_norm(const NormFn& fn, const Tensor& x, const Tensor& w, const Tensor& b,
                        const Tensor& out_weight) {
  NormRun r;
  Tensor xl = x.clone().detach().set_requires_grad(true);
  Tensor wl = w.clone().detach().set_requires_grad(true);
  Tensor bl = b.clone().detach().set_requires_grad(true);
  r.running_mean = full({x.size(1)}, 0.5, x.dtype());
  r.running_var = full({x.size(1)}, 2.0, x.dtype());
  r.out = fn(xl, wl, bl, r.running_mean, r.running_var);
  sum(mul(r.out, out_weight)).backward();
  r.gx = xl.grad();
  r.gw = wl.grad();
  r.gb = bl.grad();
  return r;
}

// Linear(5, 6) - BatchNorm1d(6) - ReLU - Linear(6, 3) in float64, initialised from `seed`. The
// first Linear has no bias, as usual before a BatchNorm: such a bias has a gradient that is zero
// but for rounding (~1e-17), and AdamW's g / (sqrt(v) + eps) turns that noise into steps of ~1e-11
// that differ between any two summation orders, so no 1e-12 comparison could hold.
inline std::shared_ptr<nn::Sequential> make_bn_mlp(uint64_t seed) {
  Generator g(seed);
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(5, 6, false, &g, kFloat64),
      std::make_shared<nn::BatchNorm1d>(6, 1e-5, 0.1, true, true, kFloat64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(6, 3, true, &g, kFloat64)});
}

}  // namespace autost::test
