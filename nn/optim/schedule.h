#pragma once
// Learning-rate schedules stepped per epoch. Each is a pure function of the epoch and a group's base
// learning rate (the group's lr when the schedule is built), so resuming needs only the epoch:
// state() / load_state(). Build the schedule from the configured optimizer; it applies epoch 0 at
// once (as timm's schedulers set warmup_lr_init on construction).
//
// Use: during epoch e the lr is f(e): call step(e) before the epoch (timm calls step(e + 1) after
// epoch e, which is the same thing).
#include <cstdint>
#include <vector>

#include "nn/optim/optimizer.h"

namespace autost::nn {

class LRSchedule {
 public:
  virtual ~LRSchedule() = default;
  // Sets every group's lr to lr_at(epoch, its base lr).
  void step(int64_t epoch);
  virtual double lr_at(int64_t epoch, double base_lr) const = 0;
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  int64_t state() const { return epoch_; }
  void load_state(int64_t epoch) { step(epoch); }

 protected:
  explicit LRSchedule(Optimizer& optimizer);

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t epoch_ = 0;
};

// timm CosineLRScheduler with t_in_epochs, t_mul 1, decay_rate 1, cycle_limit 1, no noise and no
// warmup_prefix (t is not shifted by the warmup):
//   t < warmup_t:               warmup_lr_init + t (base - warmup_lr_init) / warmup_t
//   warmup_t <= t < t_initial:  lr_min + (base - lr_min) (1 + cos(pi t / t_initial)) / 2
//   t >= t_initial:             lr_min (the cooldown epochs the caller runs after t_initial)
struct CosineOptions {
  int64_t t_initial = 1;
  double lr_min = 0.0;
  int64_t warmup_t = 0;
  double warmup_lr_init = 0.0;
};
class CosineLR : public LRSchedule {
 public:
  CosineLR(Optimizer& optimizer, const CosineOptions& options);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  CosineOptions options_;
};

// torch.optim.lr_scheduler.StepLR: base gamma^(epoch / step_size), integer division.
class StepLR : public LRSchedule {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

class ConstantLR : public LRSchedule {
 public:
  explicit ConstantLR(Optimizer& optimizer);
  double lr_at(int64_t epoch, double base_lr) const override { return base_lr; }
};

}  // namespace autost::nn
