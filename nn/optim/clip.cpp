#include "nn/optim/clip.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "kernels/optim.h"

namespace autost::nn {

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  AUTOST_CHECK(norm_type > 0.0, "clip_grad_norm_: norm_type ", norm_type, " (a positive p or INFINITY expected)");
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const Tensor& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;

  const bool inf = std::isinf(norm_type);
  double total = 0.0;
  for (const Tensor& g : grads) {
    if (g.numel() == 0) continue;
    if (inf) {
      total = std::max(total, max(abs(g)).item());
    } else if (norm_type == 2.0) {
      total += sum(mul(g, g)).item();
    } else {
      double n = std::pow(sum(pow(abs(g), norm_type)).item(), 1.0 / norm_type);
      total += std::pow(n, norm_type);
    }
  }
  if (!inf) total = std::pow(total, 1.0 / norm_type);

  double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (const Tensor& g : grads) kernels::scale_(g, coef);
  return total;
}

}  // namespace autost::nn
