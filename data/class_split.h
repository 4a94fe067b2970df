#pragma once
// Per-class train/test splits of one labelled list, SpikingJelly's split_to_train_test_set (used by
// Spikformer for CIFAR10-DVS, which has no official split; DATA_FORMATS.md §2.6).
#include <cstdint>
#include <vector>

namespace autost::data {

struct TrainTestIndices {
  std::vector<int64_t> train, test;  // indices into the labels, class 0's first, then class 1's, ...
};

// For each class, its indices in dataset order; the first ceil(train_ratio * n_c) go to train, the
// rest to test. The ceiling is taken of the double product exactly as Python computes it (so
// 100 * 0.55 = 55.00000000000001 gives 56, like SpikingJelly; 0.9 * 1000 is exactly 900). Labels must be in [0, num_classes).
TrainTestIndices split_per_class(const std::vector<int64_t>& labels, int64_t num_classes, double train_ratio);

// The same after shuffling each class's indices with a Fisher-Yates shuffle driven by a Philox
// generator seeded with `seed` (reproducible here; NumPy's shuffle is not reproduced).
TrainTestIndices split_per_class_random(const std::vector<int64_t>& labels, int64_t num_classes, double train_ratio,
                                        uint64_t seed);

}  // namespace autost::data
