#pragma once
// The model parity check shared by tests/test_models.cpp (CPU) and tests/cuda/test_models_cuda.cpp:
// load the PyTorch twin's weights (tests/reference/models.py), run one training-mode forward and
// backward, and compare logits, loss, per-layer spike counts and every gradient.
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <string>

#include "autograd/ops.h"
#include "tests/harness.h"
#include "nn/safetensors.h"
#include "spiking/model.h"
#include "spiking/neuron.h"
#include "tensor/npy.h"

namespace autost::test {

using namespace autost::spiking;


inline const std::string kFixtures = std::string(AUTOST_FIXTURES_DIR) + "/models/";

inline ArchConfig arch_from_json(const nlohmann::json& j) {
  ArchConfig a;
  a.model = j["model"] == "autost" ? ModelKind::AutoST : ModelKind::Spikformer;
  const std::string v = j["variant"];
  a.variant = v == "cifar" ? Variant::Cifar : v == "dvs" ? Variant::Dvs : Variant::ImageNet;
  a.depth = j["depth"];
  a.embed_dim = j["dim"];
  a.mlp_ratios = j["ratios"].get<std::vector<double>>();
  a.num_heads = j["heads"].get<std::vector<int64_t>>();
  a.img_size = j["img"];
  a.in_channels = j["in_ch"];
  a.num_classes = j["classes"];
  a.T = j["T"];
  return a;
}

// One forward + backward of the fixture's case on `device`; compares everything with the twin.
inline void check_model_twin(const std::string& name, DType dtype, Device device = Device::cpu()) {
  const std::string dir = kFixtures + name + (dtype == kFloat64 ? "_f64/" : "_f32/");
  nlohmann::json meta = nlohmann::json::parse(std::ifstream(dir + "arch.json"));
  ArchConfig a = arch_from_json(meta);
  auto model = build_model(a, nullptr, dtype);
  CHECK(model->num_parameters() == meta["params"].get<int64_t>());
  model->load_state_dict(nn::load_safetensors(dir + "weights.safetensors").tensors);
  model->to(device);
  model->train();

  // Spike counts per neuron layer, recorded by a forward hook as syops-style instrumentation would.
  std::map<const nn::Module*, std::string> names;
  for (auto& [n, m] : model->named_modules()) names[m] = n;
  std::map<std::string, double> counts;
  Tensor logits;
  {
    nn::ForwardHookGuard hook([&](const nn::Module& m, const Tensor&, const Tensor& out) {
      if (dynamic_cast<const SpikingNode*>(&m)) counts[names.at(&m)] += sum(out.to(kFloat64)).item();
    });
    logits = (*model)(read_npy(dir + "input.npy").to(device));
  }
  Tensor loss = cross_entropy(logits, read_npy(dir + "labels.npy").to(device));
  loss.backward();

  const double rtol = dtype == kFloat64 ? 1e-9 : 1e-4, atol = dtype == kFloat64 ? 1e-12 : 1e-5;
  CHECK_CLOSE(logits.cpu().to(kFloat64), read_npy(dir + "logits.npy").to(kFloat64), atol, rtol);
  CHECK_CLOSE(loss.cpu().to(kFloat64).reshape({1}), read_npy(dir + "loss.npy").to(kFloat64), atol, rtol);

  nlohmann::json expected_counts = nlohmann::json::parse(std::ifstream(dir + "spike_counts.json"));
  CHECK(counts.size() == expected_counts.size());
  for (auto& [layer, value] : expected_counts.items()) {
    INFO("neuron layer ", layer);
    REQUIRE(counts.count(layer) == 1);
    CHECK(counts[layer] == value.get<double>());  // spikes are exact: counts match exactly
  }

  int64_t compared = 0;
  for (auto& [pname, p] : model->named_parameters()) {
    INFO("gradient of ", pname);
    const std::string file = dir + "grad/" + pname + ".npy";
    if (!std::ifstream(file).good()) {
      // Parameters the official forward never uses (Spikformer's norm1/norm2, the DVS pos_embed and
      // final norm) get no gradient in torch, and none here.
      CHECK_FALSE(p.grad().defined());
      ++compared;
      continue;
    }
    REQUIRE(p.grad().defined());
    CHECK_CLOSE(p.grad().cpu().to(kFloat64), read_npy(file).to(kFloat64), atol, rtol);
    ++compared;
  }
  CHECK(compared == static_cast<int64_t>(model->named_parameters().size()));
}

}  // namespace autost::test
