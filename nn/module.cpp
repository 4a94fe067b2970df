#include "nn/module.h"

#include <map>
#include <set>
#include <sstream>

#include "autograd/grad_mode.h"
#include "tensor/copy.h"

namespace autost::nn {

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) {
  AUTOST_FAIL(type_name_, ": this module has no single-input forward");
}

namespace {
thread_local ForwardHook current_hook;
}

Tensor Module::operator()(const Tensor& x) {
  Tensor y = forward(x);
  if (current_hook) current_hook(*this, x, y);
  return y;
}

bool forward_hook_installed() { return static_cast<bool>(current_hook); }

ForwardHookGuard::ForwardHookGuard(ForwardHook hook) : previous_(std::move(current_hook)) {
  current_hook = std::move(hook);
}

ForwardHookGuard::~ForwardHookGuard() { current_hook = std::move(previous_); }

void Module::check_new_name(const std::string& name, const char* what) const {
  AUTOST_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_, ": ", what, " name '", name,
               "' must be non-empty and contain no '.'");
  bool taken = false;
  for (const Entry& e : params_) taken = taken || e.name == name;
  for (const Entry& e : buffers_) taken = taken || e.name == name;
  for (const auto& c : children_) taken = taken || c.first == name;
  AUTOST_CHECK(!taken, type_name_, ": ", what, " name '", name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name(name, "parameter");
  AUTOST_CHECK(t.defined(), type_name_, ": parameter '", name, "' is undefined");
  AUTOST_CHECK(t.is_leaf(), type_name_, ": parameter '", name, "' must be a leaf tensor (detach it first)");
  t.set_requires_grad(requires_grad);
  params_.push_back({name, t, true});
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_new_name(name, "buffer");
  AUTOST_CHECK(t.defined(), type_name_, ": buffer '", name, "' is undefined");
  AUTOST_CHECK(!t.requires_grad(), type_name_, ": buffer '", name, "' must not require grad");
  buffers_.push_back({name, t, persistent});
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_new_name(name, "child module");
  AUTOST_CHECK(m != nullptr, type_name_, ": child module '", name, "' is null");
  children_.emplace_back(name, std::move(m));
}

template <class M, class Fn>
void Module::visit(M& m, const std::string& prefix, Fn&& fn) {
  fn(prefix, m);
  for (const auto& [name, child] : m.children_) visit(static_cast<M&>(*child), prefix + name + ".", fn);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  std::set<const TensorImpl*> seen;
  visit(*this, "", [&](const std::string& prefix, const Module& m) {
    for (const Entry& e : m.params_)
      if (seen.insert(e.tensor.impl()).second) out.emplace_back(prefix + e.name, e.tensor);
  });
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  std::set<const TensorImpl*> seen;
  visit(*this, "", [&](const std::string& prefix, const Module& m) {
    for (const Entry& e : m.buffers_)
      if (seen.insert(e.tensor.impl()).second) out.emplace_back(prefix + e.name, e.tensor);
  });
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  visit(*this, "", [&](const std::string& prefix, const Module& m) {
    for (const Entry& e : m.params_) out.emplace_back(prefix + e.name, e.tensor);
    for (const Entry& e : m.buffers_)
      if (e.persistent) out.emplace_back(prefix + e.name, e.tensor);
  });
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  visit(*this, "", [&](const std::string& prefix, Module& m) {
    out.emplace_back(prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1), &m);
  });
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict();
  std::map<std::string, const Tensor*> given;
  std::vector<std::string> duplicates, missing, unexpected, mismatched;
  for (const auto& [name, t] : state)
    if (!given.emplace(name, &t).second) duplicates.push_back(name);
  std::set<std::string> own_names;
  for (const auto& [name, dst] : own) {
    own_names.insert(name);
    auto it = given.find(name);
    if (it == given.end()) {
      if (strict) missing.push_back(name);
      continue;
    }
    const Tensor& src = *it->second;
    std::ostringstream why;
    if (!src.defined()) {
      why << name << " (undefined tensor)";
    } else if (src.shape() != dst.shape()) {
      why << name << " (shape " << src.shape() << " in the state dict, " << dst.shape() << " in the model)";
    } else if (src.dtype() != dst.dtype()) {
      why << name << " (dtype " << dtype_name(src.dtype()) << " in the state dict, " << dtype_name(dst.dtype())
          << " in the model)";
    }
    if (!why.str().empty()) mismatched.push_back(why.str());
  }
  if (strict)
    for (const auto& [name, t] : state)
      if (!own_names.count(name)) unexpected.push_back(name);

  if (!duplicates.empty() || !missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    std::ostringstream os;
    os << "load_state_dict(" << type_name_ << "):";
    auto list = [&](const char* what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      os << " " << what << ":";
      for (size_t i = 0; i < names.size(); ++i) os << (i ? ", " : " ") << names[i];
      os << ";";
    };
    list("duplicate keys", duplicates);
    list("missing keys", missing);
    list("unexpected keys", unexpected);
    list("mismatched tensors", mismatched);
    std::string msg = os.str();
    msg.pop_back();
    throw Error(msg);
  }

  NoGradGuard no_grad;
  for (auto& [name, dst] : own) {
    auto it = given.find(name);
    if (it != given.end()) dst.copy_(*it->second);
  }
  tensors_rewritten();
}

void Module::train(bool on) {
  visit(*this, "", [&](const std::string&, Module& m) { m.training_ = on; });
}

namespace {
// Rebinds t's TensorImpl to a copy on `device`, so every handle to it follows the move.
void move_in_place(const Tensor& t, Device device) {
  if (t.device() == device) return;
  Tensor moved = raw_to_device(t, device);
  TensorImpl* impl = t.impl();
  impl->storage = moved.storage();
  impl->strides = moved.strides();
  impl->offset = moved.offset();
  Tensor g = t.grad();
  if (g.defined()) Tensor(t).set_grad(raw_to_device(g, device));
}
}  // namespace

Module& Module::to(Device device) {
  check_device_usable(device);
  std::set<const TensorImpl*> seen;
  visit(*this, "", [&](const std::string&, const Module& m) {
    for (const Entry& e : m.params_)
      if (seen.insert(e.tensor.impl()).second) move_in_place(e.tensor, device);
    for (const Entry& e : m.buffers_)
      if (seen.insert(e.tensor.impl()).second) move_in_place(e.tensor, device);
  });
  tensors_rewritten();
  return *this;
}

void Module::tensors_rewritten() {
  for (auto& [path, m] : named_modules()) m->state_changed();
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.set_grad(Tensor());
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters()) n += p.numel();
  return n;
}

}  // namespace autost::nn
