#pragma once
// Loader throughput, for benchmarks (e.g. `autost bench data`): times how fast a loader delivers
// batches to a consumer that does nothing else. A measurement, never a test assertion.
#include <cstdint>

#include "data/loader.h"

namespace autost::data {

struct LoaderThroughput {
  int64_t batches = 0, samples = 0;
  double seconds = 0;
  double samples_per_second() const { return seconds > 0 ? samples / seconds : 0; }
};

// Starts `epoch` and drains up to max_batches batches (all of the epoch when negative).
LoaderThroughput measure_loader_throughput(Loader& loader, int64_t epoch, int64_t max_batches = -1);

}  // namespace autost::data
