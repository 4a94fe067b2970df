// The backward engine: iterative (graphs are T x depth nodes deep, so no recursion), runs each node
// once all the gradients flowing into it are summed, in reverse creation order, and frees every
// node's saved tensors and edges as soon as it has run, so the graph's memory goes back during
// backward rather than after it.
#include <queue>
#include <unordered_map>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/ops.h"
#include "tensor/copy.h"

namespace autost {
namespace {

struct LaterFirst {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

// Sums gradients for each output of a node as they arrive.
void accumulate(std::vector<Tensor>& buffer, uint32_t slot, Tensor g) {
  if (!g.defined()) return;
  if (buffer.size() <= slot) buffer.resize(slot + 1);
  Tensor& b = buffer[slot];
  if (!b.defined())
    b = std::move(g);
  else
    b = kernels::binary(kernels::BinaryOp::Add, b, g);
}

}  // namespace

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads) {
  NoGradGuard no_grad;
  AUTOST_CHECK(roots.size() == grads.size(), "backward: ", roots.size(), " roots but ", grads.size(), " gradients");
  std::vector<Edge> root_edges;
  std::vector<Tensor> root_grads;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    AUTOST_CHECK(r.requires_grad(), "backward: tensor of shape ", r.shape(),
                 " does not require grad and has no grad_fn");
    AUTOST_CHECK(grads[i].defined() && grads[i].shape() == r.shape(), "backward: gradient of shape ",
                 grads[i].defined() ? grads[i].shape() : Shape{}, " for a root of shape ", r.shape());
    root_edges.push_back(gradient_edge(r));
    // Every backward formula assumes the gradient has its output's dtype and device (as torch casts).
    root_grads.push_back(raw_to_dtype(raw_to_device(grads[i], r.device()), r.dtype()));
  }

  // Count, for every reachable node, how many edges point at it.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack;
  for (auto& e : root_edges) {
    if (dependencies.emplace(e.fn.get(), 0).second) stack.push_back(e.fn.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (auto& e : n->next_edges) {
      if (!e.fn) continue;
      auto [it, fresh] = dependencies.emplace(e.fn.get(), 0);
      ++it->second;
      if (fresh) stack.push_back(e.fn.get());
    }
  }

  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::unordered_map<Node*, std::shared_ptr<Node>> keep_alive;  // nodes may lose their last owner mid-run
  std::priority_queue<Node*, std::vector<Node*>, LaterFirst> ready;
  for (size_t i = 0; i < root_edges.size(); ++i) {
    Node* n = root_edges[i].fn.get();
    keep_alive[n] = root_edges[i].fn;
    accumulate(buffers[n], root_edges[i].input_nr, root_grads[i]);
  }
  for (auto& e : root_edges)
    if (dependencies[e.fn.get()] == 0) {
      dependencies[e.fn.get()] = -1;  // queued
      ready.push(e.fn.get());
    }

  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    std::vector<Tensor> in = std::move(buffers[n]);
    buffers.erase(n);
    in.resize(n->num_outputs);
    AUTOST_CHECK(!n->released, "backward: trying to run backward through ", n->name(),
                 " a second time (the graph is freed after the first backward)");
    std::vector<Tensor> out = n->apply(std::move(in));
    n->release_saved();
    n->released = true;
    std::vector<Edge> edges = std::move(n->next_edges);
    n->next_edges.clear();
    for (size_t i = 0; i < edges.size(); ++i) {
      Edge& e = edges[i];
      if (!e.fn) continue;
      Node* next = e.fn.get();
      keep_alive.emplace(next, e.fn);
      if (i < out.size()) accumulate(buffers[next], e.input_nr, std::move(out[i]));
      if (--dependencies[next] == 0) ready.push(next);
    }
    keep_alive.erase(n);
  }
}

}  // namespace autost
