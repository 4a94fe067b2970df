#include "nn/distributed/sync_batch_norm.h"

#include "autograd/ops.h"
#include "kernels/math/norm.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::nn {
namespace {

// A per-channel [C] tensor viewed as [1, C, 1, ...] against an input of `ndim` dims.
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s(static_cast<size_t>(ndim), 1);
  s[1] = t.numel();
  return raw_view(t, s);
}

// Inputs: x, weight, bias. Runs with grad mode off (the engine's rule), so the ops below record nothing.
class SyncBatchNormBackward : public Node {
 public:
  SyncBatchNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor invstd, double count, ProcessGroup* group)
      : x_(std::move(x)), w_(std::move(weight)), mean_(std::move(mean)), invstd_(std::move(invstd)), count_(count),
        group_(group) {}

  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    // Eval-mode gradients of this rank: x: g w invstd; weight: sum(g xhat); bias: sum(g).
    kernels::BatchNormGrads local = kernels::batch_norm_backward(g[0], x_, w_, mean_, invstd_, false);
    Tensor gx = wants_grad(*this, 0) ? input_grad(local) : Tensor();
    return {gx, wants_grad(*this, 1) ? local.weight : Tensor(), wants_grad(*this, 2) ? local.bias : Tensor()};
  }
  std::string name() const override { return "sync_batch_norm_backward"; }
  void release_saved() override { x_ = w_ = mean_ = invstd_ = Tensor(); }

 private:
  // dx = k (g - S_g / M - xhat S_gxhat / M) with k = w invstd, the sums S over every rank and M
  // the global count: local.x - (x - mean) k invstd S_gxhat / M - k S_g / M.
  Tensor input_grad(const kernels::BatchNormGrads& local) {
    const int64_t c = x_.size(1), nd = x_.dim();
    Tensor sums = kernels::cat({local.bias, local.weight}, 0);
    group_->allreduce_sum(sums);
    Tensor sum_g = raw_slice(sums, 0, 0, c, 1), sum_gxhat = raw_slice(sums, 0, c, 2 * c, 1);
    Tensor k = w_.defined() ? w_ * invstd_ : invstd_;
    Tensor kx = k * invstd_ * sum_gxhat / count_, kc = k * sum_g / count_;
    return local.x - (x_ - per_channel(mean_, nd)) * per_channel(kx, nd) - per_channel(kc, nd);
  }

  Tensor x_, w_, mean_, invstd_;
  double count_;
  ProcessGroup* group_;
};

}  // namespace

ChannelStats combine_channel_stats(const std::vector<double>& all, int ranks, int64_t c) {
  AUTOST_CHECK(ranks >= 1 && c >= 0 && all.size() == static_cast<size_t>(ranks) * (1 + 2 * static_cast<size_t>(c)),
               "combine_channel_stats: ", all.size(), " values do not hold ", ranks, " records of ", c, " channels");
  ChannelStats s;
  s.mean.assign(static_cast<size_t>(c), 0.0);
  s.m2.assign(static_cast<size_t>(c), 0.0);
  const size_t stride = 1 + 2 * static_cast<size_t>(c);
  for (int r = 0; r < ranks; ++r) {
    const double* p = all.data() + static_cast<size_t>(r) * stride;
    const double n = p[0];
    if (n == 0) continue;
    const double total = s.count + n;
    for (int64_t i = 0; i < c; ++i) {
      const double m = p[1 + i], m2 = p[1 + c + i];
      if (s.count == 0) {  // the first non-empty rank: its statistics as they are
        s.mean[i] = m;
        s.m2[i] = m2;
        continue;
      }
      const double delta = m - s.mean[i];
      s.mean[i] += delta * (n / total);
      s.m2[i] += m2 + delta * delta * (s.count * n / total);
    }
    s.count = total;
  }
  return s;
}

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, ProcessGroup& group) {
  const char* op = "sync_batch_norm";
  AUTOST_CHECK(x.defined() && x.dim() >= 2, op, ": expected input [N, C, *] with at least 2 dims, got shape ",
               x.defined() ? x.shape() : Shape{});
  AUTOST_CHECK(running_mean.defined() == running_var.defined(), op,
               ": running_mean and running_var must be given together");
  const int64_t c = x.size(1);
  const int64_t local = c > 0 ? x.numel() / c : 0;
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);

  // This rank's count, means and M2 (sums of squared deviations) in one message.
  std::vector<double> mine(1 + 2 * static_cast<size_t>(c), 0.0);
  mine[0] = static_cast<double>(local);
  if (local > 0) {
    std::vector<double> m = kernels::mean(x, dims, false).to_vector<double>();
    std::vector<double> v = kernels::var(x, dims, 0, false).to_vector<double>();
    for (int64_t i = 0; i < c; ++i) {
      mine[static_cast<size_t>(1 + i)] = m[static_cast<size_t>(i)];
      mine[static_cast<size_t>(1 + c + i)] = v[static_cast<size_t>(i)] * static_cast<double>(local);
    }
  }
  ChannelStats s = combine_channel_stats(group.allgather(mine), group.world_size(), c);
  AUTOST_CHECK(s.count > 1, op, ": expected more than 1 value per channel over all ranks when training, got ",
               s.count, " (this rank's input ", x.shape(), ")");
  std::vector<double> var(static_cast<size_t>(c));
  for (int64_t i = 0; i < c; ++i) var[static_cast<size_t>(i)] = s.m2[static_cast<size_t>(i)] / s.count;

  // Normalising with given statistics is the kernel's eval mode.
  const TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  Tensor mean_t = from_vector(s.mean, {c}, opts), var_t = from_vector(var, {c}, opts);
  kernels::BatchNormResult r = kernels::batch_norm(x, weight, bias, mean_t, var_t, false, momentum, eps);

  if (running_mean.defined()) {
    AUTOST_CHECK(running_mean.numel() == c && running_var.numel() == c, op, ": running statistics have ",
                 running_mean.numel(), " and ", running_var.numel(), " values for ", c, " channels");
    std::vector<double> rm = running_mean.to_vector<double>(), rv = running_var.to_vector<double>();
    for (size_t i = 0; i < rm.size(); ++i) math::running_update(rm[i], rv[i], s.mean[i], var[i], s.count, momentum);
    copy_into(running_mean, from_vector(rm, {c}, opts));
    copy_into(running_var, from_vector(rv, {c}, opts));
  }
  if (needs_grad({&x, &weight, &bias}))
    set_history(r.out, make_node<SyncBatchNormBackward>({x, weight, bias}, saved(x),
                                                        weight.defined() ? saved(weight) : Tensor(), r.save_mean,
                                                        r.save_invstd, s.count, &group));
  return r.out;
}

}  // namespace autost::nn
