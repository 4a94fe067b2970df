#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/ops.h"
#include "tensor/copy.h"

namespace autost {

std::string gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                      const GradcheckOptions& opts) {
  for (const Tensor& t : inputs)
    AUTOST_CHECK(t.dtype() == kFloat64 && t.device().is_cpu(), "gradcheck: inputs must be float64 CPU tensors, got ",
                 dtype_name(t.dtype()), " on ", t.device());

  // Private copies: the numeric pass perturbs them in place.
  std::vector<Tensor> xs;
  for (const Tensor& t : inputs) {
    Tensor c = raw_clone(t);
    if (t.requires_grad()) c.set_requires_grad(true);
    xs.push_back(c);
  }
  Tensor y = f(xs);
  Generator gen(opts.seed);
  Tensor w = randn(y.shape(), TensorOptions(kFloat64), &gen);
  sum(mul(y, w)).backward();

  auto projected = [&]() {
    NoGradGuard ng;
    Tensor out = f(xs);
    return sum(mul(out, w)).item();
  };

  for (size_t k = 0; k < xs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    Tensor analytic = xs[k].grad();
    double* x = xs[k].data<double>();
    std::vector<double> a = analytic.defined() ? analytic.to_vector<double>() : std::vector<double>(xs[k].numel(), 0.0);
    for (int64_t i = 0; i < xs[k].numel(); ++i) {
      if (opts.skip && opts.skip(k, i)) continue;
      double orig = x[i];
      x[i] = orig + opts.eps;
      double plus = projected();
      x[i] = orig - opts.eps;
      double minus = projected();
      x[i] = orig;
      double numeric = (plus - minus) / (2 * opts.eps);
      if (!(std::abs(a[i] - numeric) <= opts.atol + opts.rtol * std::abs(numeric))) {
        std::ostringstream os;
        os << "gradcheck: input " << k << " (shape " << xs[k].shape() << ") element " << i << ": analytic " << a[i]
           << " vs numeric " << numeric;
        return os.str();
      }
    }
  }
  return "";
}

}  // namespace autost
