#include "nn/optim/schedule.h"

#include <cmath>
#include <numbers>

namespace autost::nn {

LRSchedule::LRSchedule(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void LRSchedule::step(int64_t epoch) {
  AUTOST_CHECK(epoch >= 0, "LR schedule: negative epoch ", epoch);
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at(epoch, base_lrs_[g]));
  epoch_ = epoch;
}

CosineLR::CosineLR(Optimizer& optimizer, const CosineOptions& options) : LRSchedule(optimizer), options_(options) {
  AUTOST_CHECK(options.t_initial > 0, "CosineLR: t_initial ", options.t_initial, " must be positive");
  AUTOST_CHECK(options.warmup_t >= 0, "CosineLR: negative warmup_t ", options.warmup_t);
  step(0);
}

double CosineLR::lr_at(int64_t epoch, double base_lr) const {
  const CosineOptions& o = options_;
  double t = static_cast<double>(epoch);
  if (epoch < o.warmup_t) return o.warmup_lr_init + t * ((base_lr - o.warmup_lr_init) / o.warmup_t);
  if (epoch >= o.t_initial) return o.lr_min;
  return o.lr_min + 0.5 * (base_lr - o.lr_min) * (1.0 + std::cos(std::numbers::pi * t / o.t_initial));
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRSchedule(optimizer), step_size_(step_size), gamma_(gamma) {
  AUTOST_CHECK(step_size > 0, "StepLR: step_size ", step_size, " must be positive");
  step(0);
}

double StepLR::lr_at(int64_t epoch, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

ConstantLR::ConstantLR(Optimizer& optimizer) : LRSchedule(optimizer) { step(0); }

}  // namespace autost::nn
