#pragma once
#include "nn/module.h"

namespace autost::nn {

// Batch normalisation over channel dim 1 (torch defaults: eps 1e-5, momentum 0.1, affine, running
// statistics). In training mode the batch statistics normalise and the running ones (and
// num_batches_tracked, an int64 0-d buffer) are updated; in eval mode the running ones normalise.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;

  int64_t num_features;
  double eps, momentum;
  Tensor weight, bias;                                      // undefined when affine = false
  Tensor running_mean, running_var, num_batches_tracked;    // undefined without running stats

 protected:
  BatchNorm(const char* type, int64_t num_features, double eps, double momentum, bool affine,
            bool track_running_stats, DType dtype);
  virtual void check_input(const Tensor& x) const = 0;
  void state_changed() override;

 private:
  int64_t batches_ = 0;  // host copy of num_batches_tracked, so counting never waits on a device
};

class BatchNorm1d : public BatchNorm {  // input [N, C] or [N, C, L]
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, DType dtype = kFloat32);

 protected:
  void check_input(const Tensor& x) const override;
};

class BatchNorm2d : public BatchNorm {  // input [N, C, H, W]
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, DType dtype = kFloat32);

 protected:
  void check_input(const Tensor& x) const override;
};

// Normalises over the trailing normalized_shape dims; weight ones, bias zeros (torch's init).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = kFloat32);
  explicit LayerNorm(int64_t features, double eps = 1e-5, bool elementwise_affine = true, DType dtype = kFloat32)
      : LayerNorm(Shape{features}, eps, elementwise_affine, dtype) {}
  Tensor forward(const Tensor& x) override;

  Shape normalized_shape;
  double eps;
  Tensor weight, bias;
};

}  // namespace autost::nn
