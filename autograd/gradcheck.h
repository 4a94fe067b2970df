#pragma once
// gradcheck: compares the analytic gradient of a function with central finite differences in
// float64, like torch.autograd.gradcheck. The output is projected onto fixed random weights so that
// one backward checks a full vector-Jacobian product.
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace autost {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  uint64_t seed = 1234;
  // Perturbed points whose forward outputs jump (a discontinuity such as a spike threshold) are
  // skipped when this says so: called with (input index, element index).
  std::function<bool(size_t, int64_t)> skip;
};

// Inputs must be float64 CPU tensors; those that should be checked have requires_grad set (others
// are constants). Returns an empty string when every gradient matches, else a description of the
// first mismatch (input, element, analytic, numeric).
std::string gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                      const GradcheckOptions& opts = {});

}  // namespace autost
