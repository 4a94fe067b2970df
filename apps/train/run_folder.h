#pragma once
// A training run's folder: config.yaml (the resolved recipe), metrics.jsonl (one JSON object per
// epoch), last.safetensors (the training checkpoint), best.safetensors (the best model's state
// dict), loss.png and accuracy.png. Every file is replaced atomically, so a run killed at any
// moment leaves a consistent folder.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace autost::apps::train {

using Json = nlohmann::ordered_json;

class RunFolder {
 public:
  explicit RunFolder(std::string dir);
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return file("config.yaml"); }
  std::string metrics_path() const { return file("metrics.jsonl"); }
  std::string last_path() const { return file("last.safetensors"); }
  std::string best_path() const { return file("best.safetensors"); }
  std::string loss_plot_path() const { return file("loss.png"); }
  std::string accuracy_plot_path() const { return file("accuracy.png"); }

  // Whether the folder already holds (part of) a run.
  bool holds_run() const;
  // A new run: refuses a folder that holds one (check_new, also usable before the slow setup),
  // creates the folder, writes config.yaml.
  void check_new() const;
  void start(const std::string& config_yaml) const;
  // A resumed run: config.yaml must exist and equal config_yaml; the error names the first line
  // that differs.
  void check_resume(const std::string& config_yaml) const;
  bool has_checkpoint() const;

  // metrics.jsonl, each line parsed (errors name the file and line); empty when absent.
  std::vector<Json> read_metrics() const;
  void write_metrics(const std::vector<Json>& lines) const;

 private:
  std::string file(const char* name) const;
  std::string dir_;
};

}  // namespace autost::apps::train
