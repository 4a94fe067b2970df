#pragma once
// Module: the unit models are built from. A module owns named parameters (leaf tensors that require
// grad), named buffers (state such as BatchNorm running statistics) and named child modules, and
// lists them recursively under PyTorch's dotted names, so a state dict written by autost and one
// written by torch for the same architecture carry the same keys in the same order.
//
// A module keeps a handle to each registered tensor; its members keep the same handle. Moving a
// module to another device or loading a state dict changes those tensors in place (same TensorImpl),
// so member handles and optimizer parameter lists stay valid.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  explicit Module(std::string type_name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The class name used in error messages ("Linear", "BatchNorm2d", ...).
  const std::string& type_name() const { return type_name_; }

  // Single-input modules override this; the default is an error naming the module type.
  virtual Tensor forward(const Tensor& x);
  // forward, then the installed forward hook if any (models call children this way so that a
  // counter sees every module, like torch's forward hooks that syops relies on).
  Tensor operator()(const Tensor& x);

  // ---- registration (names are non-empty, dot-free, and unique within a module) ----
  // The tensor becomes a leaf that requires grad (unless requires_grad is false); returns the handle.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  // Non-persistent buffers are listed by named_buffers() but left out of state_dict(), like torch.
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

  // ---- recursive listings, in torch's order: a module's own entries, then each child's ----
  NamedTensors named_parameters() const;  // a tensor shared by two names is listed once, like torch
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Per module: its parameters then its persistent buffers, then the children's (torch's order).
  NamedTensors state_dict() const;
  // Copies values in place (converting device, never dtype). Strict: every key of state_dict() must
  // appear and nothing else; shapes and dtypes must match in any mode. All problems are reported in
  // one autost::Error before anything is written.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // This module under "" followed by every descendant under its dotted path (pre-order).
  std::vector<std::pair<std::string, Module*>> named_modules();

  // ---- modes and housekeeping ----
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Moves every parameter and buffer (and defined gradients); parameters stay leaves that require
  // grad. A CUDA device that cannot be used is an error before anything moves.
  Module& to(Device device);
  void zero_grad();  // every parameter's .grad becomes undefined
  // Tells every module that its tensors were rewritten in place from outside (loaded, moved,
  // broadcast from another process), so host-side copies such as BatchNorm's step count follow.
  void tensors_rewritten();
  int64_t num_parameters() const;

 protected:
  // Called on a module after load_state_dict or to() rewrote its tensors (e.g. to refresh a host copy).
  virtual void state_changed() {}

 private:
  struct Entry {
    std::string name;
    Tensor tensor;
    bool persistent = true;
  };
  void check_new_name(const std::string& name, const char* what) const;
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  // Pre-order walk calling fn(prefix, module) with prefix "" or "a.b." (M is Module or const Module).
  template <class M, class Fn>
  static void visit(M& m, const std::string& prefix, Fn&& fn);

  std::string type_name_;
  bool training_ = true;
  std::vector<Entry> params_;
  std::vector<Entry> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Called after every Module::operator() on this thread while installed: (module, input, output).
using ForwardHook = std::function<void(const Module&, const Tensor&, const Tensor&)>;

// Whether a forward hook is installed on this thread (fused ops that skip a module's own call
// step aside then, so the hook still sees every module).
bool forward_hook_installed();

// Installs a hook for its lifetime (restoring the previous one after), for instrumented forwards:
// op counting, firing-rate probes. Hooks are per thread.
class ForwardHookGuard {
 public:
  explicit ForwardHookGuard(ForwardHook hook);
  ~ForwardHookGuard();
  ForwardHookGuard(const ForwardHookGuard&) = delete;
  ForwardHookGuard& operator=(const ForwardHookGuard&) = delete;

 private:
  ForwardHook previous_;
};

}  // namespace autost::nn
