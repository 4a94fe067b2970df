#include "data/loader_throughput.h"

#include <chrono>

namespace autost::data {

LoaderThroughput measure_loader_throughput(Loader& loader, int64_t epoch, int64_t max_batches) {
  LoaderThroughput r;
  auto start = std::chrono::steady_clock::now();
  loader.start_epoch(epoch);
  while (max_batches < 0 || r.batches < max_batches) {
    std::optional<Batch> b = loader.next();
    if (!b) break;
    ++r.batches;
    r.samples += b->labels.numel();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace autost::data
