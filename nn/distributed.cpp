#include "nn/distributed.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "kernels/ops.h"
#include "nn/layers/norm.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::nn {
namespace {

// The parameters of one dtype and device, in the caller's order.
struct Bucket {
  DType dtype;
  Device device;
  std::vector<Tensor> params;
  int64_t numel = 0;
};

Tensor segment(const Tensor& flat, int64_t at, int64_t n) { return raw_slice(flat, 0, at, at + n, 1); }

void average_bucket(const Bucket& b, ProcessGroup& group) {
  const int64_t n = static_cast<int64_t>(b.params.size());
  // The gradients, then one has-gradient flag per parameter, so that after the sum every rank knows
  // which parameters had a gradient anywhere.
  Tensor flat = empty({b.numel + n}, TensorOptions(b.dtype).device(b.device));
  std::vector<double> flags(static_cast<size_t>(n), 0.0);
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    const Tensor& p = b.params[static_cast<size_t>(i)];
    Tensor slot = raw_view(segment(flat, at, p.numel()), p.shape());
    Tensor g = p.grad();
    if (g.defined()) {
      copy_into(slot, g);
      flags[static_cast<size_t>(i)] = 1.0;
    } else {
      raw_fill(slot, 0.0);
    }
    at += p.numel();
  }
  copy_into(segment(flat, at, n), from_vector(flags, {n}, b.dtype));
  group.allreduce_sum(flat);

  std::vector<double> had = segment(flat, at, n).to_vector<double>();
  Tensor mean = kernels::binary_scalar(kernels::BinaryOp::Div, segment(flat, 0, at), group.world_size());
  at = 0;
  for (int64_t i = 0; i < n; ++i) {
    Tensor p = b.params[static_cast<size_t>(i)];
    Tensor avg = raw_view(segment(mean, at, p.numel()), p.shape());
    at += p.numel();
    if (had[static_cast<size_t>(i)] == 0) continue;
    Tensor g = p.grad();
    if (g.defined()) copy_into(g, avg);
    else p.set_grad(raw_clone(avg));
  }
}

// FNV-1a over the names, dtypes and shapes, cut to 53 bits so that it travels exactly as a double.
double layout_digest(const NamedTensors& tensors) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* data, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ull;
  };
  for (const auto& [name, t] : tensors) {
    mix(name.c_str(), name.size() + 1);
    DType d = t.dtype();
    mix(&d, sizeof d);
    for (int64_t s : t.shape()) mix(&s, sizeof s);
  }
  return static_cast<double>(h >> 11);
}

// Checked up front in one call: with per-tensor checks alone, a rank with fewer tensors would
// finish while another waits for its extra ones.
void broadcast_tensors(const char* op, const NamedTensors& tensors, ProcessGroup& group, int root) {
  const std::vector<double> mine{static_cast<double>(tensors.size()), layout_digest(tensors)};
  const std::vector<double> ranks = group.allgather(mine);
  for (int r = 0; r < group.world_size(); ++r)
    AUTOST_CHECK(ranks[2 * static_cast<size_t>(r)] == mine[0] && ranks[2 * static_cast<size_t>(r) + 1] == mine[1], op,
                 ": rank ", r, "'s module differs from rank ", group.rank(), "'s (", ranks[2 * static_cast<size_t>(r)],
                 " vs ", mine[0], " tensors, or different names, dtypes or shapes)");
  for (const auto& [name, t] : tensors) {
    try {
      group.broadcast(t, root);
    } catch (const Error& e) {
      throw Error(std::string(op) + ": '" + name + "': " + e.what());
    }
  }
}

}  // namespace

void broadcast_module(Module& module, ProcessGroup& group, int root) {
  NamedTensors all = module.named_parameters(), buffers = module.named_buffers();
  all.insert(all.end(), buffers.begin(), buffers.end());
  broadcast_tensors("broadcast_module", all, group, root);
  module.tensors_rewritten();
}

void broadcast_buffers(Module& module, ProcessGroup& group, int root) {
  broadcast_tensors("broadcast_buffers", module.named_buffers(), group, root);
  module.tensors_rewritten();
}

void allreduce_gradients(const std::vector<Tensor>& params, ProcessGroup& group) {
  for (const Tensor& p : params) AUTOST_CHECK(p.defined(), "allreduce_gradients: undefined parameter");
  if (!group.is_distributed()) return;
  std::vector<Bucket> buckets;
  for (const Tensor& p : params) {
    if (!p.requires_grad()) continue;
    auto it = std::find_if(buckets.begin(), buckets.end(),
                           [&](const Bucket& b) { return b.dtype == p.dtype() && b.device == p.device(); });
    if (it == buckets.end()) it = buckets.insert(buckets.end(), Bucket{p.dtype(), p.device(), {}, 0});
    it->params.push_back(p);
    it->numel += p.numel();
  }
  for (const Bucket& b : buckets) average_bucket(b, group);
}

void all_ranks_or_none(ProcessGroup& group, const std::function<void()>& fn) {
  std::string error;
  try {
    fn();
  } catch (const Error& e) {
    error = e.what();
  }
  const std::vector<double> failed = group.allgather({error.empty() ? 0.0 : 1.0});
  if (!error.empty()) throw Error(error);
  std::string ranks;
  for (int r = 0; r < group.world_size(); ++r)
    if (failed[static_cast<size_t>(r)] != 0) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  AUTOST_CHECK(ranks.empty(), "rank ", ranks, " failed (see its error); rank ", group.rank(), " stops too");
}

int convert_sync_batchnorm(Module& module, ProcessGroup& group) {
  int converted = 0;
  for (auto& [path, m] : module.named_modules()) {
    if (auto* bn = dynamic_cast<BatchNorm*>(m)) {
      bn->set_sync(&group);
      ++converted;
    }
  }
  return converted;
}

}  // namespace autost::nn
