#pragma once
// The threaded loader: reads samples from a SampleSource, runs a pipeline on worker threads and
// hands out ready-to-use batches in a fixed order.
//
// Determinism: the sample order of an epoch is a function of (seed, epoch) only, and each random
// draw of a transform comes from a Philox stream keyed by (seed, epoch, sample index) (batch
// transforms: by batch index), so the batches are identical for any number of workers and any
// thread scheduling. Workers build whole batches; at most `prefetch_batches` batches are built or
// waiting ahead of the consumer. An exception in a worker reaches the consumer as an autost::Error
// with the same message, when the consumer asks for that batch.
//
// Sharding: with world_size > 1 each rank takes every world_size-th entry of the epoch's
// permutation starting at `rank`, after padding the permutation with its own first entries to a
// multiple of world_size (torch's DistributedSampler with drop_last = False): the ranks' shares
// are disjoint except for those few padding repeats, and all ranks have the same batch count.
//
// pin_memory: accepted for parity with torch; the tensor allocator has no page-locked host memory
// yet, so batches are always in ordinary CPU memory (the later .to(cuda) copy is a pageable copy).
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "data/sample_source.h"
#include "data/transforms/transform.h"
#include "tensor/tensor.h"

namespace autost::data {

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = true;
  bool drop_last = false;    // drop this rank's last, incomplete batch
  int num_workers = 2;       // 0: batches are built in the consumer's thread
  int prefetch_batches = 4;  // batches in flight or waiting, all workers together
  uint64_t seed = 0;
  int rank = 0, world_size = 1;
  bool pin_memory = false;   // see above: no effect yet
};

// sample: on the pixel-valued image, in order; batch: optional (mixup, smoothing) on the stacked
// samples; post: per sample after the batch transform (normalisation, random erasing).
struct Pipeline {
  std::vector<SampleTransform> sample;
  std::shared_ptr<const BatchTransform> batch;
  std::vector<SampleTransform> post;
};

struct Batch {
  int64_t epoch = 0, index = 0;
  Tensor images;   // float32 [B, C, H, W], or [B, T, c, H, W] for clips
  Tensor labels;   // int64 [B]
  Tensor targets;  // float32 [B, K] when the pipeline has a batch transform, else undefined
  std::vector<int64_t> samples;  // the source indices in this batch
};

// This rank's sample order for an epoch.
std::vector<int64_t> epoch_order(int64_t dataset_size, const LoaderOptions& opts, int64_t epoch);
// Number of batches per epoch for this rank.
int64_t batches_per_epoch(int64_t dataset_size, const LoaderOptions& opts);
// The pure function the workers run: one batch from the given source indices.
Batch build_batch(const SampleSource& source, const Pipeline& pipeline, const std::vector<int64_t>& samples,
                  int64_t epoch, int64_t batch_index, const LoaderOptions& opts);

class Loader {
 public:
  Loader(std::shared_ptr<const SampleSource> source, Pipeline pipeline, LoaderOptions opts);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t num_batches() const { return num_batches_; }
  const LoaderOptions& options() const { return opts_; }
  // Starts (or restarts) an epoch; an epoch in flight is abandoned. first_batch > 0 skips the
  // epoch's first batches without building them (resuming from a mid-epoch checkpoint): the
  // batches that follow are the ones a full epoch would have produced.
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch of the current epoch in order, or nullopt at its end.
  std::optional<Batch> next();

 private:
  struct Result {
    std::optional<Batch> batch;
    std::string error;
  };
  void stop_workers();
  void worker_loop();
  Batch build(int64_t b) const;

  std::shared_ptr<const SampleSource> source_;
  Pipeline pipeline_;
  LoaderOptions opts_;
  int64_t num_batches_ = 0;

  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
  std::mutex mu_;
  std::condition_variable work_cv_, ready_cv_;
  std::map<int64_t, Result> ready_;
  int64_t next_claim_ = 0, next_consume_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace autost::data
