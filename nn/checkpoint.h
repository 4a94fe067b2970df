#pragma once
// Training checkpoints: one safetensors file a PyTorch tool can also open. The model's state dict
// keeps its own names, the optimizer's tensors are stored under "optimizer." + their names, and the
// training position (epoch, step, scheduler, RNG) travels as metadata strings with a format version.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct TrainingState {
  int64_t epoch = 0;            // epochs completed
  int64_t step = 0;             // optimizer steps taken
  int64_t scheduler_epoch = 0;  // where the LR schedule resumes
  uint64_t rng_seed = 0;        // default Philox generator: seed and offset
  uint64_t rng_offset = 0;
  std::map<std::string, std::string> extra;  // anything else a recipe wants back (best accuracy, ...)
};

// The current state of default_generator(), to put into a TrainingState before saving.
void capture_default_rng(TrainingState& state);
// Puts default_generator() back where the state says, so the random numbers continue as they would
// have after the save.
void restore_default_rng(const TrainingState& state);

struct TrainingCheckpoint {
  NamedTensors model;      // CPU tensors, in file order
  NamedTensors optimizer;  // names without the "optimizer." prefix
  TrainingState state;
};

inline constexpr int kTrainingCheckpointVersion = 1;

// Atomic (temporary file + rename). Model names must not begin with "optimizer.".
void save_training_checkpoint(const std::string& path, const NamedTensors& model_state,
                              const NamedTensors& optimizer_state, const TrainingState& state);
// Errors name the file: not a training checkpoint (no version), a version this build cannot read,
// missing or malformed fields.
TrainingCheckpoint load_training_checkpoint(const std::string& path);

}  // namespace autost::nn
