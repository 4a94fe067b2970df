#pragma once
// One forward pass of a real model with a forward hook on every module, the way syops hooks torch
// modules: per module, the op count syops would record from the shapes it sees, the mean of its
// input (the firing rate, for spike inputs), and every neuron layer's output firing rate. The
// counts check the analytic cost model (nas/cost_model.h) against the model as it runs; the rates
// feed its energy estimates.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "spiking/model.h"

namespace autost::nas {

struct ForwardRecord {
  int64_t batch = 0;
  // Module path -> syops' ops[0] summed over its calls (conv, linear, batchnorm, maxpool, neurons).
  std::map<std::string, int64_t> ops;
  // Layer name -> mean of its input, for every counted module and, for the attention matmuls of
  // layer_costs(), the output rate of their rate_from neuron: what estimate_energy() reads.
  std::map<std::string, double> input_rates;
  // Neuron module path -> mean of its output spikes, in call order.
  std::vector<std::pair<std::string, double>> firing_rates;
};

// syops' count for one call of module m on input x with output y: 0 for the types syops does not
// hook (LayerNorm, Dropout, containers, ...). Conv1d/Conv2d count their weight size per output
// position (+ out per position with a bias), Linear numel(x)·out + out, BatchNorm1d/2d 2·numel(x)
// (when affine), MaxPool2d and the neurons numel(x).
int64_t syops_module_ops(const nn::Module& m, const Tensor& x, const Tensor& y);
bool syops_hooks(const nn::Module& m);

// Runs model(batch) without recording gradients, in the model's current train/eval mode.
ForwardRecord instrumented_forward(spiking::SpikingModel& model, const Tensor& batch);

}  // namespace autost::nas
