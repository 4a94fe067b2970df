#pragma once
// One pass of a model over a loader in eval mode without autograd: top-1/top-5 accuracy (percent),
// mean cross-entropy and the neuron layers' firing rates, averaged over the samples; optionally the
// logits of every sample in loader order.
#include <string>
#include <utility>
#include <vector>

#include "data/loader.h"
#include "nn/distributed/process_group.h"
#include "spiking/model.h"
#include "tensor/tensor.h"

namespace autost::apps::train {

struct EvalResult {
  double top1 = 0, top5 = 0, loss = 0;  // accuracies in percent
  int64_t samples = 0;
  int64_t correct1 = 0, correct5 = 0;   // what the averages come from
  double loss_sum = 0;
  std::vector<std::pair<std::string, double>> firing_rates;
  Tensor logits;  // float32 [N, classes] on the CPU, when asked for
};

// `epoch` keys the loader (the evaluation pipeline has no randomness, so any value does).
EvalResult evaluate(spiking::SpikingModel& model, data::Loader& loader, const Device& device, bool keep_logits = false,
                    int64_t epoch = 0);

// A few numbers summed over the ranks (counts, loss sums) in one all-reduce; themselves in one process.
std::vector<double> sum_over_ranks(std::vector<double> v, nn::ProcessGroup& group);

// The whole test set's result from each rank's result on its share: counts and sums add up over
// `group` (one all-reduce) and the averages are recomputed, so top-1 and top-5 are exactly what one
// process would report. `layers` are the model's neuron layers in order, the same on every rank
// (a rank without samples has no rates of its own). Logits are not gathered. One process: `mine`.
EvalResult combine_over_ranks(const EvalResult& mine, const std::vector<std::string>& layers,
                              nn::ProcessGroup& group);

}  // namespace autost::apps::train
