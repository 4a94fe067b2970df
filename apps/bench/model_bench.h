#pragma once
// `autost bench model`: forward and training-step (forward + backward + AdamW) throughput and peak
// memory of a model built from an architecture file, on random inputs of the architecture's shape.
#include <string>

#include "apps/bench/timer.h"
#include "spiking/arch.h"
#include "tensor/device.h"

namespace autost::apps::bench {

struct ModelBenchOptions {
  spiking::ArchConfig arch;
  std::string arch_name;  // the file or preset, for the report
  int64_t batch = 16;
  Device device = Device::cpu();
  TimingConfig timing{1, 5};
  bool json = false;
};

int run_model_bench(const ModelBenchOptions& o);

}  // namespace autost::apps::bench
