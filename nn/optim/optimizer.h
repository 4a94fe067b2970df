#pragma once
// The optimizer base: parameter groups, the step loop, zero_grad, and per-parameter state that a
// checkpoint can save and restore. Subclasses supply the update of one parameter.
//
// State follows torch's optimizer.state_dict(): parameters are numbered in group order across all
// groups, and a parameter gets state on its first step with a gradient. state_tensors() names each
// tensor `state.<index>.<name>` (`state.3.exp_avg`, `state.3.step`); load_state_tensors() accepts
// what state_tensors() wrote. Learning rates are not state: a schedule sets them from the epoch.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

struct ParamGroup {
  std::vector<Tensor> params;
  double lr = 0.0;
  double weight_decay = 0.0;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient (others are skipped, as torch does), without
  // recording autograd history, on the parameters' own devices.
  void step();
  // Zeroes existing gradients (torch 1.x's default), or drops them with set_to_none.
  void zero_grad(bool set_to_none = false);

  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  size_t num_groups() const { return groups_.size(); }
  double lr(size_t group) const;
  void set_lr(size_t group, double lr);

  NamedTensors state_tensors() const;
  // Replaces all state; tensors are copied to each parameter's device and dtype.
  void load_state_tensors(const NamedTensors& tensors);

 protected:
  // One state entry: per-element tensors have the parameter's shape, dtype and device; a scalar
  // (the step count) is a 0-d float32 CPU tensor, as in torch 1.13.
  struct StateSpec {
    std::string name;
    bool per_element;
  };
  using ParamState = std::map<std::string, Tensor>;

  Optimizer(std::vector<ParamGroup> groups, const char* name);
  // The entries every stepped parameter's state holds, given the optimizer's options.
  virtual std::vector<StateSpec> state_spec() const = 0;
  // `state` is empty on the parameter's first step; the update creates its entries.
  virtual void update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) = 0;

  const char* name_;

 private:
  std::vector<ParamGroup> groups_;
  std::map<size_t, ParamState> state_;  // by parameter index
};

}  // namespace autost::nn
