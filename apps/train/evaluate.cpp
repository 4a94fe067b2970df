#include "apps/train/evaluate.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/metrics.h"

namespace autost::apps::train {

EvalResult evaluate(spiking::SpikingModel& model, data::Loader& loader, const Device& device, bool keep_logits,
                    int64_t epoch) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  EvalResult r;
  double loss_sum = 0;
  int64_t correct1 = 0, correct5 = 0;
  std::vector<Tensor> kept;
  loader.start_epoch(epoch);
  while (std::optional<data::Batch> b = loader.next()) {
    const Tensor labels = b->labels.to(device);
    const Tensor logits = model(b->images.to(device));
    const int64_t n = labels.numel();
    loss_sum += cross_entropy(logits, labels).item() * static_cast<double>(n);
    correct1 += nn::topk_correct(logits, labels, 1);
    correct5 += nn::topk_correct(logits, labels, 5);
    const auto rates = model.firing_rates();
    for (size_t i = 0; i < rates.size(); ++i) {
      if (i == r.firing_rates.size()) r.firing_rates.emplace_back(rates[i].first, 0.0);
      r.firing_rates[i].second += rates[i].second * static_cast<double>(n);
    }
    if (keep_logits) kept.push_back(logits.to(Device::cpu()).to(kFloat32));
    r.samples += n;
  }
  if (r.samples > 0) {
    const double n = static_cast<double>(r.samples);
    r.loss = loss_sum / n;
    r.top1 = 100.0 * static_cast<double>(correct1) / n;
    r.top5 = 100.0 * static_cast<double>(correct5) / n;
    for (auto& fr : r.firing_rates) fr.second /= n;
  }
  if (keep_logits && !kept.empty()) r.logits = cat(kept, 0);
  model.train(was_training);
  return r;
}

}  // namespace autost::apps::train
