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
//
// Data parallelism (`mpirun -np N autost train ...`; nn/distributed.h): the recipe's batch_size is
// per rank, so a step sees N times as many samples; the training loader shards each epoch by rank;
// gradients are averaged over the ranks after every backward (before clipping), so every rank
// takes the same step; BatchNorm statistics are per rank unless sync_bn. Every rank starts from
// the same seed and rank 0's weights are broadcast anyway. Each rank evaluates a contiguous share
// of the test set with rank 0's BatchNorm statistics (broadcast first) and the counts are
// all-reduced, so the accuracies are exactly those of the model rank 0 saves on the whole set. Only
// rank 0 writes the run folder and prints. With CUDA, rank i of a node uses cuda:<index + i>.
// A resume needs the run folder visible to every rank and the same rank count and sync_bn, which
// the checkpoint records.
#include <cstdint>
#include <string>

#include "apps/train/recipe.h"
#include "nn/distributed/process_group.h"
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
  // The ranks to train with; nullptr: nn::ProcessGroup::world() (the mpirun job, or this process).
  nn::ProcessGroup* group = nullptr;
  bool sync_bn = false;  // BatchNorm statistics over all ranks' batches (SyncBatchNorm)
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
