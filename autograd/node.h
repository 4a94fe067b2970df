#pragma once
// The autograd graph. Each differentiable op that sees an input requiring grad creates a Node: the
// backward formula of that op, holding what it saved and one Edge per input to the Node that made
// that input (or to the AccumulateGrad of a leaf). Tensors point to their Node via AutogradMeta.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace autost {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  uint32_t input_nr = 0;     // which output of fn this input was
  bool valid() const { return fn != nullptr; }
};

class Node {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients w.r.t. this node's outputs (undefined = zero) -> gradients w.r.t. its inputs, one per
  // next_edges entry (undefined where an input needs none).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Drops saved tensors once backward has used them (the graph is single-use).
  virtual void release_saved() {}

  std::vector<Edge> next_edges;
  uint32_t num_outputs = 1;
  uint64_t sequence_nr;  // creation order: the engine runs later nodes first
  bool released = false;  // set once backward has run it; a second backward through it is an error
};

struct AutogradMeta {
  bool requires_grad = false;   // set on leaves by the user
  Tensor grad;                  // accumulated gradient of a leaf
  std::shared_ptr<Node> grad_fn;  // the node that produced this tensor (null for leaves)
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;  // a leaf's AccumulateGrad, shared by every use
};

// Writes incoming gradients into a leaf's .grad (summing over every use of the leaf).
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// ---- helpers for writing differentiable ops ----

// True when grad mode is on and any input requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);
// The edge a gradient for `t` must flow along (empty edge when t needs no gradient).
Edge gradient_edge(const Tensor& t);
// Makes NodeT with one edge per input; returns null when no input needs grad (then record nothing).
template <class NodeT, class... Args>
std::shared_ptr<NodeT> make_node(const std::vector<Tensor>& inputs, Args&&... args) {
  if (!needs_grad(inputs)) return nullptr;
  auto node = std::make_shared<NodeT>(std::forward<Args>(args)...);
  node->next_edges.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  return node;
}
// Records that `out` is output `output_nr` of `node`.
void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr = 0);
// What a node saves: a view with no autograd history, so a saved output never points back at the
// node that saved it (no reference cycles).
Tensor saved(const Tensor& t);
// What a node saves of an operand that backward only reads: saved(t), or, when t's values are
// spikes with a byte copy (Storage::byte_shadow), a uint8 view of those bytes with t's geometry,
// a quarter of float32's memory. unpack_saved gives backward the values back in `dtype`.
Tensor saved_compact(const Tensor& t);
Tensor unpack_saved(const Tensor& s, DType dtype);
// Whether input i of a node receives a gradient.
inline bool wants_grad(const Node& n, size_t i) { return i < n.next_edges.size() && n.next_edges[i].valid(); }

// Runs backward from `roots` with the given output gradients (the engine, engine.cpp).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads);

}  // namespace autost
