#pragma once
// One pass of a model over a loader in eval mode without autograd: top-1/top-5 accuracy (percent),
// mean cross-entropy and the neuron layers' firing rates, averaged over the samples; optionally the
// logits of every sample in loader order.
#include <string>
#include <utility>
#include <vector>

#include "data/loader.h"
#include "spiking/model.h"
#include "tensor/tensor.h"

namespace autost::apps::train {

struct EvalResult {
  double top1 = 0, top5 = 0, loss = 0;  // accuracies in percent
  int64_t samples = 0;
  std::vector<std::pair<std::string, double>> firing_rates;
  Tensor logits;  // float32 [N, classes] on the CPU, when asked for
};

// `epoch` keys the loader (the evaluation pipeline has no randomness, so any value does).
EvalResult evaluate(spiking::SpikingModel& model, data::Loader& loader, const Device& device, bool keep_logits = false,
                    int64_t epoch = 0);

}  // namespace autost::apps::train
