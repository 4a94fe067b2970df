#pragma once
#include "nn/module.h"

namespace autost::nn {

class ProcessGroup;  // nn/distributed/process_group.h

// Batch normalisation over channel dim 1 (torch defaults: eps 1e-5, momentum 0.1, affine, running
// statistics). In training mode the batch statistics normalise and the running ones (and
// num_batches_tracked, an int64 0-d buffer) are updated; in eval mode the running ones normalise.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  // Synchronised mode (torch's SyncBatchNorm): while training in a group of several ranks, the
  // statistics span every rank's batch (nn/distributed/sync_batch_norm.h). nullptr turns it off;
  // the group must outlive the module. Eval mode and single-process groups are unaffected.
  void set_sync(ProcessGroup* group) { sync_ = group; }
  ProcessGroup* sync_group() const { return sync_; }
  // For ops that fuse this normalisation with what follows (spiking/bn_fire.h): where forward(x)
  // would run the plain training-mode batch_norm, checks x, counts the batch as forward does and
  // returns true; otherwise (eval, synchronised statistics) does nothing and returns false.
  bool begin_fused_forward(const Tensor& x);

  int64_t num_features;
  double eps, momentum;
  Tensor weight, bias;                                      // undefined when affine = false
  Tensor running_mean, running_var, num_batches_tracked;    // undefined without running stats

 protected:
  BatchNorm(const char* type, int64_t num_features, double eps, double momentum, bool affine,
            bool track_running_stats, DType dtype);
  virtual void check_input(const Tensor& x) const = 0;
  void state_changed() override;
  void count_batch();

 private:
  int64_t batches_ = 0;  // host copy of num_batches_tracked, so counting never waits on a device
  ProcessGroup* sync_ = nullptr;
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
