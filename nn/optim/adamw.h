#pragma once
// torch.optim.AdamW (decoupled weight decay, bias-corrected moments, eps added after the square
// root; no amsgrad). Learning rate and weight decay live in each ParamGroup; the options' lr and
// weight_decay are the torch defaults used by the single-group constructor.
#include "nn/optim/optimizer.h"

namespace autost::nn {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = {});
  const AdamWOptions& options() const { return options_; }

 protected:
  std::vector<StateSpec> state_spec() const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) override;

 private:
  AdamWOptions options_;
};

}  // namespace autost::nn
