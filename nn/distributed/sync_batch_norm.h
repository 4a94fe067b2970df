#pragma once
// Batch normalisation whose training statistics span every rank of a ProcessGroup, as torch's
// SyncBatchNorm: the result on each rank is what one process would compute on the concatenation
// of all ranks' batches.
//
// Forward: each rank's per-channel (count, mean, M2) are all-gathered (one call) and combined in
// rank order with Chan's pairwise update, which needs no sum of squares, so a large mean does not
// cancel the variance; the input is normalised with the global mean and biased variance, and the
// running statistics are updated with the global mean and the unbiased variance over the global
// count. Backward: the two per-channel sums sum(g) and sum(g * xhat) are all-reduced (one call) and
// the input gradient uses them with the global count. The weight and bias gradients are this
// rank's own sums, which averaging the gradients across ranks then completes (torch does the same).
#include <cstdint>
#include <vector>

#include "nn/distributed/process_group.h"
#include "tensor/tensor.h"

namespace autost::nn {

// Per-channel statistics of a batch spread over ranks: the element count per channel, the means
// and the sums of squared deviations from the mean (M2; the biased variance is M2 / count).
struct ChannelStats {
  double count = 0;
  std::vector<double> mean, m2;
};
// Combines per-rank (count, mean[C], M2[C]) records, laid out one after another in rank order as
// allgather returns them, with Chan's pairwise update in rank order; ranks with count 0 are skipped.
ChannelStats combine_channel_stats(const std::vector<double>& per_rank, int ranks, int64_t channels);

// Training mode only (eval mode uses the running statistics and needs no communication). x [N, C, *];
// weight, bias, running_mean, running_var [C] or undefined. A rank may bring an empty batch.
Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, ProcessGroup& group);

}  // namespace autost::nn
