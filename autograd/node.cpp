#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost {

namespace {
thread_local bool g_grad_enabled = true;
std::atomic<uint64_t> g_next_sequence_nr{0};
// Nodes waiting to be destroyed by the outermost ~Node on this thread (see ~Node).
thread_local std::vector<std::shared_ptr<Node>>* g_pending_deletes = nullptr;
}  // namespace

bool GradMode::enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool on) { g_grad_enabled = on; }

Node::Node() : sequence_nr(g_next_sequence_nr.fetch_add(1)) {}

// A graph is T x depth nodes deep; letting shared_ptr destroy it recursively would overflow the
// stack. The outermost destructor on a thread drains a worklist instead; nested ones only feed it.
Node::~Node() {
  std::vector<std::shared_ptr<Node>> children;
  for (auto& e : next_edges)
    if (e.fn) children.push_back(std::move(e.fn));
  next_edges.clear();
  if (g_pending_deletes) {
    for (auto& c : children) g_pending_deletes->push_back(std::move(c));
    return;
  }
  g_pending_deletes = &children;
  while (!children.empty()) {
    std::shared_ptr<Node> n = std::move(children.back());
    children.pop_back();
    n.reset();  // may run ~Node, which appends to `children`
  }
  g_pending_deletes = nullptr;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor& g = grads[0];
  if (!g.defined()) return {};
  AUTOST_CHECK(g.shape() == leaf_->shape, "backward: gradient of shape ", g.shape(), " for a leaf of shape ",
               leaf_->shape);
  AutogradMeta& meta = *leaf_->autograd;
  // .grad always has the leaf's dtype and device, whatever a node upstream produced.
  g = raw_to_dtype(raw_to_device(g, leaf_->storage->device()), leaf_->dtype);
  if (!meta.grad.defined()) {
    meta.grad = raw_clone(g);  // own the buffer: g may alias another node's saved tensor
  } else {
    kernels::add_(meta.grad, g, 1.0);
  }
  return {};
}

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  AutogradMeta& meta = *t.impl()->autograd;
  if (meta.grad_fn) return {meta.grad_fn, meta.output_nr};
  std::shared_ptr<Node> acc = meta.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    meta.grad_accumulator = acc;
  }
  return {acc, 0};
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  if (!node) return;
  auto& meta = out.impl()->autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->grad_fn = node;
  meta->output_nr = output_nr;
}

Tensor saved(const Tensor& t) {
  if (!t.defined()) return t;
  return as_strided(t, t.shape(), t.strides(), t.offset());
}

Tensor saved_compact(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype())) return saved(t);
  Tensor bytes = raw_byte_shadow(t);
  return bytes.defined() ? bytes : saved(t);
}

Tensor unpack_saved(const Tensor& s, DType dtype) {
  return s.defined() && s.dtype() != dtype ? raw_to_dtype(s, dtype) : s;
}

}  // namespace autost
