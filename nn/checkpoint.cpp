#include "nn/checkpoint.h"

#include <charconv>

#include "nn/safetensors.h"
#include "tensor/random.h"

namespace autost::nn {
namespace {

constexpr const char* kVersionKey = "autost_checkpoint_version";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kExtraPrefix = "extra.";

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

const std::string& field(const std::string& path, const std::map<std::string, std::string>& meta, const char* key) {
  auto it = meta.find(key);
  AUTOST_CHECK(it != meta.end(), path, ": training checkpoint has no '", key, "' metadata");
  return it->second;
}

// The whole string must be the number: "12abc" or "" is corruption, not 12 or 0.
template <class Int>
Int parse_int(const std::string& path, const char* key, const std::string& text) {
  Int v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  AUTOST_CHECK(ec == std::errc() && end == text.data() + text.size() && !text.empty(), path,
               ": training checkpoint metadata '", key, "' is not an integer: '", text, "'");
  return v;
}

}  // namespace

void capture_default_rng(TrainingState& state) {
  state.rng_seed = default_generator().seed();
  state.rng_offset = default_generator().offset();
}

void restore_default_rng(const TrainingState& state) { default_generator().set_state(state.rng_seed, state.rng_offset); }

void save_training_checkpoint(const std::string& path, const NamedTensors& model_state,
                              const NamedTensors& optimizer_state, const TrainingState& state) {
  NamedTensors all;
  all.reserve(model_state.size() + optimizer_state.size());
  for (const auto& [name, t] : model_state) {
    // Such a name would come back as an optimizer tensor.
    AUTOST_CHECK(!starts_with(name, kOptimizerPrefix), path, ": model tensor '", name,
                 "' clashes with the optimizer. prefix of training checkpoints");
    all.emplace_back(name, t);
  }
  for (const auto& [name, t] : optimizer_state) all.emplace_back(kOptimizerPrefix + name, t);
  std::map<std::string, std::string> meta = {
      {"format", "pt"},  // what Hugging Face tools expect of a PyTorch-flavoured file
      {kVersionKey, std::to_string(kTrainingCheckpointVersion)},
      {"epoch", std::to_string(state.epoch)},
      {"step", std::to_string(state.step)},
      {"scheduler_epoch", std::to_string(state.scheduler_epoch)},
      {"rng_seed", std::to_string(state.rng_seed)},
      {"rng_offset", std::to_string(state.rng_offset)},
  };
  for (const auto& [k, v] : state.extra) meta[kExtraPrefix + k] = v;
  save_safetensors(path, all, meta);
}

TrainingCheckpoint load_training_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  const auto& meta = file.metadata;
  auto version = meta.find(kVersionKey);
  AUTOST_CHECK(version != meta.end(), path, ": not an autost training checkpoint (no '", kVersionKey,
               "' metadata); a plain state dict loads with load_safetensors");
  const int v = parse_int<int>(path, kVersionKey, version->second);
  AUTOST_CHECK(v == kTrainingCheckpointVersion, path, ": training checkpoint version ", v,
               " is not supported (this build reads version ", kTrainingCheckpointVersion, ")");

  TrainingCheckpoint out;
  TrainingState& s = out.state;
  s.epoch = parse_int<int64_t>(path, "epoch", field(path, meta, "epoch"));
  s.step = parse_int<int64_t>(path, "step", field(path, meta, "step"));
  s.scheduler_epoch = parse_int<int64_t>(path, "scheduler_epoch", field(path, meta, "scheduler_epoch"));
  s.rng_seed = parse_int<uint64_t>(path, "rng_seed", field(path, meta, "rng_seed"));
  s.rng_offset = parse_int<uint64_t>(path, "rng_offset", field(path, meta, "rng_offset"));
  for (const auto& [k, val] : meta)
    if (starts_with(k, kExtraPrefix)) s.extra[k.substr(std::char_traits<char>::length(kExtraPrefix))] = val;

  const std::string prefix = kOptimizerPrefix;
  for (auto& [name, t] : file.tensors) {
    if (starts_with(name, prefix)) out.optimizer.emplace_back(name.substr(prefix.size()), std::move(t));
    else out.model.emplace_back(std::move(name), std::move(t));
  }
  return out;
}

}  // namespace autost::nn
