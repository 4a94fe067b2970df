#include "nas/instrument.h"

#include <unordered_map>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nas/cost_model.h"
#include "tensor/error.h"

namespace autost::nas {

namespace {

Tensor parameter(const nn::Module& m, const char* name) {
  for (const auto& [n, t] : m.named_parameters())
    if (n == name) return t;
  return Tensor();
}

bool is_neuron(const std::string& type) { return type == "LIFNode" || type == "PLIFNode"; }

}  // namespace

bool syops_hooks(const nn::Module& m) {
  const std::string& t = m.type_name();
  return t == "Conv1d" || t == "Conv2d" || t == "Linear" || t == "BatchNorm1d" || t == "BatchNorm2d" ||
         t == "MaxPool2d" || is_neuron(t);
}

int64_t syops_module_ops(const nn::Module& m, const Tensor& x, const Tensor& y) {
  const std::string& t = m.type_name();
  if (t == "Conv1d" || t == "Conv2d") {
    // Per output position: k·C_in·C_out = the weight's size; positions = output elements / C_out.
    const Tensor w = parameter(m, "weight"), b = parameter(m, "bias");
    const int64_t out = w.size(0), positions = y.numel() / out;
    return w.numel() * positions + (b.defined() ? out * positions : 0);
  }
  if (t == "Linear") {
    const Tensor w = parameter(m, "weight"), b = parameter(m, "bias");
    const int64_t out = w.size(0);
    return x.numel() * out + (b.defined() ? out : 0);  // syops: the bias once per call
  }
  if (t == "BatchNorm1d" || t == "BatchNorm2d") return parameter(m, "weight").defined() ? 2 * x.numel() : x.numel();
  if (t == "MaxPool2d" || is_neuron(t)) return x.numel();
  return 0;
}

ForwardRecord instrumented_forward(spiking::SpikingModel& model, const Tensor& batch) {
  std::unordered_map<const nn::Module*, std::string> names;
  for (auto& [name, m] : model.named_modules()) names[m] = name;
  ForwardRecord r;
  r.batch = batch.size(0);
  std::map<std::string, double> output_rates;
  {
    NoGradGuard no_grad;
    nn::ForwardHookGuard hook([&](const nn::Module& m, const Tensor& x, const Tensor& y) {
      if (!syops_hooks(m)) return;
      auto it = names.find(&m);
      AUTOST_CHECK(it != names.end(), "instrumented_forward: a ", m.type_name(), " outside the model ran");
      r.ops[it->second] += syops_module_ops(m, x, y);
      r.input_rates[it->second] = mean(x).item();
      if (is_neuron(m.type_name())) {
        const double rate = mean(y).item();
        output_rates[it->second] = rate;
        r.firing_rates.emplace_back(it->second, rate);
      }
    });
    model(batch);
  }
  // The attention matmuls are tensor ops, not modules: their spike operand is a neuron's output.
  for (const LayerCost& l : layer_costs(model.arch(), r.batch)) {
    if (l.kind != LayerKind::MatMul) continue;
    auto it = output_rates.find(l.rate_from);
    AUTOST_CHECK(it != output_rates.end(), "instrumented_forward: neuron ", l.rate_from, " did not run");
    r.input_rates[l.name] = it->second;
  }
  return r;
}

}  // namespace autost::nas
