#pragma once
#include "nn/module.h"
#include "tensor/random.h"

namespace autost::nn {

// y = x W^T + b over any leading dims; weight [out, in], bias [out]. torch's default init:
// kaiming_uniform(a = sqrt(5)) for the weight (bound 1/sqrt(in)), bias uniform(+-1/sqrt(in)).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr,
         DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when bias = false
};

}  // namespace autost::nn
