#pragma once
#include "nn/module.h"
#include "tensor/random.h"

namespace autost::nn {

// Zeroes each element with probability p in training mode and scales the rest by 1/(1-p); the
// identity in eval mode. Draws from `gen` (default_generator() when null), which must outlive it.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;

  double p;
  Generator* gen;
};

}  // namespace autost::nn
