#pragma once
// The training loop behind `autost train`, as a library function (tests call it directly).
//
// A run: resolve the recipe, create (or, with resume, check) the run folder, build the model from
// the seed, then per epoch: set the learning rate (timm cosine, stepped before the epoch), train
// over the loader, evaluate every eval_every epochs and at the end, append a metrics line, redraw
// the plots, save best.safetensors when test top-1 improves and last.safetensors (a training
// checkpoint). With checkpoint_every > 0 a checkpoint is also written every that many optimizer
// steps inside an epoch, and a resume continues at the next batch.
//
// Resuming on the CPU continues bit for bit: batch order and augmentation are keyed by (seed,
// epoch, index), the checkpoint restores the model, the optimizer state, the schedule position,
// the default generator and the epoch's running training loss, and metrics lines of epochs after
// the checkpoint (a run killed between its metrics line and its checkpoint) are dropped and redone.
#include <cstdint>
#include <string>

#include "apps/train/recipe.h"
#include "tensor/device.h"

namespace autost::apps::train {

struct TrainOptions {
  std::string out_dir;
  Device device = Device::cpu();
  bool resume = false;
  bool progress = true;      // progress on stderr (a bar on a terminal, plain lines otherwise)
  bool print_epochs = true;  // one stdout line per epoch, and the summary at the end
  // Stops, as if the process were killed, after this many optimizer steps of this call (tests of
  // resuming); negative: run to the end.
  int64_t stop_after_steps = -1;
};

struct TrainResult {
  double best_top1 = -1;   // percent; -1 before any evaluation
  int64_t best_epoch = -1;
  int64_t epochs_done = 0;
  int64_t steps = 0;       // optimizer steps since the run began
  bool finished = false;   // all epochs done (false when stop_after_steps cut the call short)
};

TrainResult train(const Recipe& recipe, const TrainOptions& options);

// The recipe a run folder holds (its config.yaml), for `--resume` without `--config`.
Recipe load_run_recipe(const std::string& out_dir);

}  // namespace autost::apps::train
