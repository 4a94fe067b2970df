#include "apps/train/run_folder.h"

#include <filesystem>
#include <sstream>

#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::apps::train {
namespace {

namespace fs = std::filesystem;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) v.push_back(line);
  return v;
}

}  // namespace

RunFolder::RunFolder(std::string dir) : dir_(std::move(dir)) {
  AUTOST_CHECK(!dir_.empty(), "run folder: no path given");
}

std::string RunFolder::file(const char* name) const { return (fs::path(dir_) / name).string(); }

bool RunFolder::holds_run() const {
  return exists(config_path()) || exists(metrics_path()) || exists(last_path());
}

void RunFolder::check_new() const {
  AUTOST_CHECK(!holds_run(), dir_, ": already holds a run (config.yaml, metrics.jsonl or last.safetensors); pass ",
               "--resume to continue it, or choose another --out");
}

void RunFolder::start(const std::string& config_yaml) const {
  check_new();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  AUTOST_CHECK(!ec && fs::is_directory(dir_, ec), dir_, ": cannot create the run folder (", ec.message(), ")");
  write_file_atomic(config_path(), config_yaml);
}

void RunFolder::check_resume(const std::string& config_yaml) const {
  AUTOST_CHECK(exists(config_path()), dir_, ": nothing to resume (no config.yaml); start a run there without --resume");
  const std::vector<std::string> have = lines_of(read_file(config_path())), want = lines_of(config_yaml);
  for (size_t i = 0; i < std::max(have.size(), want.size()); ++i) {
    const std::string a = i < have.size() ? have[i] : "(nothing)", b = i < want.size() ? want[i] : "(nothing)";
    AUTOST_CHECK(a == b, config_path(), ": the recipe differs from the run's at line ", i + 1, " (run: '", a,
                 "', now: '", b, "'); resume with the same recipe (or just --out and --resume), or use another --out");
  }
}

bool RunFolder::has_checkpoint() const { return exists(last_path()); }

std::vector<Json> RunFolder::read_metrics() const {
  std::vector<Json> out;
  if (!exists(metrics_path())) return out;
  const std::vector<std::string> lines = lines_of(read_file(metrics_path()));
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    Json j = Json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    AUTOST_CHECK(j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer(), metrics_path(), ": line ",
                 i + 1, " is not a metrics record");
    out.push_back(std::move(j));
  }
  return out;
}

void RunFolder::write_metrics(const std::vector<Json>& lines) const {
  std::string text;
  for (const Json& j : lines) text += j.dump() + "\n";
  write_file_atomic(metrics_path(), text);
}

}  // namespace autost::apps::train
