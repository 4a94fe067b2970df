#pragma once
// `autost bench kernels`: times the kernels a Spikformer-4-384 CIFAR model spends its step in, at
// that model's shapes, against ceilings measured in the same run (see DESIGN.md §8).
#include "apps/bench/timer.h"
#include "tensor/device.h"

namespace autost::apps::bench {

struct KernelsOptions {
  Device device = Device::cpu();
  TimingConfig timing;
};

// Prints the table to stdout; returns the process exit code.
int run_kernels_bench(const KernelsOptions& opts);

}  // namespace autost::apps::bench
