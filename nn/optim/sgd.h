#pragma once
// torch.optim.SGD (weight decay added to the gradient; momentum buffer set to the first step's
// direction; dampening; nesterov). Learning rate and weight decay live in each ParamGroup.
#include "nn/optim/optimizer.h"

namespace autost::nn {

struct SGDOptions {
  double lr = 0.0;            // for the single-group constructor (torch requires one; 0 would train nothing)
  double weight_decay = 0.0;  // for the single-group constructor
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options);
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  const SGDOptions& options() const { return options_; }

 protected:
  std::vector<StateSpec> state_spec() const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) override;

 private:
  SGDOptions options_;
};

}  // namespace autost::nn
