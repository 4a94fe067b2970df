#include "apps/train/evaluate.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/metrics.h"

namespace autost::apps::train {
namespace {

void set_averages(EvalResult& r) {
  if (r.samples == 0) return;
  const double n = static_cast<double>(r.samples);
  r.loss = r.loss_sum / n;
  r.top1 = 100.0 * static_cast<double>(r.correct1) / n;
  r.top5 = 100.0 * static_cast<double>(r.correct5) / n;
}

}  // namespace

EvalResult evaluate(spiking::SpikingModel& model, data::Loader& loader, const Device& device, bool keep_logits,
                    int64_t epoch) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  EvalResult r;
  std::vector<Tensor> kept;
  loader.start_epoch(epoch);
  while (std::optional<data::Batch> b = loader.next()) {
    const Tensor labels = b->labels.to(device);
    const Tensor logits = model(b->images.to(device));
    const int64_t n = labels.numel();
    r.loss_sum += cross_entropy(logits, labels).item() * static_cast<double>(n);
    r.correct1 += nn::topk_correct(logits, labels, 1);
    r.correct5 += nn::topk_correct(logits, labels, 5);
    const auto rates = model.firing_rates();
    for (size_t i = 0; i < rates.size(); ++i) {
      if (i == r.firing_rates.size()) r.firing_rates.emplace_back(rates[i].first, 0.0);
      r.firing_rates[i].second += rates[i].second * static_cast<double>(n);
    }
    if (keep_logits) kept.push_back(logits.to(Device::cpu()).to(kFloat32));
    r.samples += n;
  }
  set_averages(r);
  for (auto& fr : r.firing_rates) fr.second /= static_cast<double>(std::max<int64_t>(r.samples, 1));
  if (keep_logits && !kept.empty()) r.logits = cat(kept, 0);
  model.train(was_training);
  return r;
}

std::vector<double> sum_over_ranks(std::vector<double> v, nn::ProcessGroup& group) {
  if (!group.is_distributed()) return v;
  Tensor t = from_vector(v, {static_cast<int64_t>(v.size())}, kFloat64);
  group.allreduce_sum(t);
  return t.to_vector<double>();
}

EvalResult combine_over_ranks(const EvalResult& mine, const std::vector<std::string>& layers,
                              nn::ProcessGroup& group) {
  if (!group.is_distributed()) return mine;
  const double n = static_cast<double>(mine.samples);
  std::vector<double> sums = {n, static_cast<double>(mine.correct1), static_cast<double>(mine.correct5),
                              mine.loss_sum};
  for (const std::string& layer : layers) {
    auto it = std::find_if(mine.firing_rates.begin(), mine.firing_rates.end(),
                           [&](const auto& fr) { return fr.first == layer; });
    sums.push_back(it != mine.firing_rates.end() && mine.samples > 0 ? it->second * n : 0.0);
  }
  sums = sum_over_ranks(std::move(sums), group);
  EvalResult all;
  all.samples = static_cast<int64_t>(sums[0]);
  all.correct1 = static_cast<int64_t>(sums[1]);
  all.correct5 = static_cast<int64_t>(sums[2]);
  all.loss_sum = sums[3];
  set_averages(all);
  for (size_t i = 0; i < layers.size(); ++i)
    all.firing_rates.emplace_back(layers[i], sums[4 + i] / static_cast<double>(std::max<int64_t>(all.samples, 1)));
  return all;
}

}  // namespace autost::apps::train
