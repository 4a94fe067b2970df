#include "nn/optim/optimizer.h"

#include <set>

#include "autograd/grad_mode.h"
#include "tensor/copy.h"

namespace autost::nn {

Optimizer::Optimizer(std::vector<ParamGroup> groups, const char* name) : name_(name), groups_(std::move(groups)) {
  std::set<const TensorImpl*> seen;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    AUTOST_CHECK(group.lr >= 0.0, name_, ": invalid learning rate ", group.lr, " in group ", g);
    AUTOST_CHECK(group.weight_decay >= 0.0, name_, ": invalid weight decay ", group.weight_decay, " in group ", g);
    for (const Tensor& p : group.params) {
      AUTOST_CHECK(p.defined(), name_, ": undefined parameter in group ", g);
      AUTOST_CHECK(p.dtype() == kFloat32 || p.dtype() == kFloat64, name_, ": parameter of shape ", p.shape(),
                   " has dtype ", dtype_name(p.dtype()), " (float32 or float64 expected)");
      AUTOST_CHECK(seen.insert(p.impl()).second, name_, ": a parameter of shape ", p.shape(),
                   " appears more than once in the parameter groups");
    }
  }
}

double Optimizer::lr(size_t group) const {
  AUTOST_CHECK(group < groups_.size(), name_, ": no parameter group ", group, " (", groups_.size(), " groups)");
  return groups_[group].lr;
}

void Optimizer::set_lr(size_t group, double lr) {
  AUTOST_CHECK(group < groups_.size(), name_, ": no parameter group ", group, " (", groups_.size(), " groups)");
  AUTOST_CHECK(lr >= 0.0, name_, ": invalid learning rate ", lr);
  groups_[group].lr = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  size_t index = 0;
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      Tensor g = p.grad();
      if (g.defined()) update(group, p, g, state_[index]);
      ++index;
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        Tensor handle = p;
        handle.set_grad(Tensor());
      } else {
        raw_fill(g, 0.0);
      }
    }
  }
}

NamedTensors Optimizer::state_tensors() const {
  NamedTensors out;
  for (const auto& [index, st] : state_) {
    for (const StateSpec& spec : state_spec()) {
      auto it = st.find(spec.name);
      if (it != st.end()) out.emplace_back("state." + std::to_string(index) + "." + spec.name, it->second);
    }
  }
  return out;
}

void Optimizer::load_state_tensors(const NamedTensors& tensors) {
  std::vector<const Tensor*> params;
  for (const ParamGroup& group : groups_)
    for (const Tensor& p : group.params) params.push_back(&p);
  const std::vector<StateSpec> specs = state_spec();

  std::map<size_t, ParamState> state;
  for (const auto& [name, value] : tensors) {
    AUTOST_CHECK(value.defined(), name_, " load_state_tensors: '", name, "' is undefined");
    size_t dot1 = name.find('.'), dot2 = dot1 == std::string::npos ? dot1 : name.find('.', dot1 + 1);
    AUTOST_CHECK(dot2 != std::string::npos, name_, " load_state_tensors: unexpected name '", name, "'");
    std::string kind = name.substr(0, dot1), field = name.substr(dot2 + 1);
    size_t index = 0;
    try {
      index = std::stoul(name.substr(dot1 + 1, dot2 - dot1 - 1));
    } catch (const std::exception&) {
      AUTOST_FAIL(name_, " load_state_tensors: unexpected name '", name, "'");
    }
    AUTOST_CHECK(kind == "state", name_, " load_state_tensors: unexpected name '", name, "'");
    AUTOST_CHECK(index < params.size(), name_, " load_state_tensors: '", name, "' but the optimizer has ",
                 params.size(), " parameters");
    const StateSpec* spec = nullptr;
    for (const StateSpec& s : specs)
      if (s.name == field) spec = &s;
    AUTOST_CHECK(spec, name_, " load_state_tensors: unexpected state entry '", name, "'");
    const Tensor& p = *params[index];
    if (spec->per_element) {
      AUTOST_CHECK(value.shape() == p.shape(), name_, " load_state_tensors: '", name, "' has shape ", value.shape(),
                   ", its parameter ", p.shape());
      state[index][field] = raw_clone(raw_to_dtype(raw_to_device(value, p.device()), p.dtype()));
    } else {
      AUTOST_CHECK(value.numel() == 1, name_, " load_state_tensors: '", name, "' has shape ", value.shape(),
                   " (a scalar expected)");
      state[index][field] = scalar_tensor(value.item(), kFloat32);
    }
  }
  for (const auto& [index, st] : state)
    for (const StateSpec& s : specs)
      AUTOST_CHECK(st.count(s.name), name_, " load_state_tensors: state.", index, ".", s.name, " is missing");
  state_ = std::move(state);
}

}  // namespace autost::nn
