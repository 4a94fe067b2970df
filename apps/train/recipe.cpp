#include "apps/train/recipe.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <variant>

#include "apps/args.h"
#include "apps/train/datasets.h"
#include "data/transforms/rand_augment.h"
#include "tensor/atomic_file.h"
#include "spiking/yaml_fields.h"
#include "tensor/error.h"

namespace autost::apps::train {
namespace {

namespace fs = std::filesystem;

using Field = std::variant<int64_t Recipe::*, double Recipe::*, bool Recipe::*, std::string Recipe::*,
                           std::vector<double> Recipe::*>;
struct Key {
  const char* name;
  Field field;
};

// File order of config.yaml.
const std::vector<Key>& keys() {
  static const std::vector<Key> k = {
      {"arch", &Recipe::arch},
      {"dataset", &Recipe::dataset},
      {"root", &Recipe::root},
      {"epochs", &Recipe::epochs},
      {"cooldown_epochs", &Recipe::cooldown_epochs},
      {"warmup_epochs", &Recipe::warmup_epochs},
      {"warmup_lr", &Recipe::warmup_lr},
      {"lr", &Recipe::lr},
      {"min_lr", &Recipe::min_lr},
      {"weight_decay", &Recipe::weight_decay},
      {"opt", &Recipe::opt},
      {"momentum", &Recipe::momentum},
      {"batch_size", &Recipe::batch_size},
      {"val_batch_size", &Recipe::val_batch_size},
      {"T", &Recipe::T},
      {"img_size", &Recipe::img_size},
      {"seed", &Recipe::seed},
      {"workers", &Recipe::workers},
      {"clip_grad", &Recipe::clip_grad},
      {"smoothing", &Recipe::smoothing},
      {"mixup", &Recipe::mixup},
      {"cutmix", &Recipe::cutmix},
      {"mixup_prob", &Recipe::mixup_prob},
      {"mixup_switch_prob", &Recipe::mixup_switch_prob},
      {"mixup_off_epoch", &Recipe::mixup_off_epoch},
      {"aa", &Recipe::aa},
      {"aa_ops", &Recipe::aa_ops},
      {"reprob", &Recipe::reprob},
      {"hflip", &Recipe::hflip},
      {"crop_padding", &Recipe::crop_padding},
      {"mean", &Recipe::mean},
      {"std", &Recipe::std},
      {"train_subset", &Recipe::train_subset},
      {"test_subset", &Recipe::test_subset},
      {"strict_data", &Recipe::strict_data},
      {"cache_dir", &Recipe::cache_dir},
      {"eval_every", &Recipe::eval_every},
      {"checkpoint_every", &Recipe::checkpoint_every},
      {"threads", &Recipe::threads},
  };
  return k;
}

constexpr const char* kArchitectureKey = "architecture";

const Key* find_key(const std::string& name) {
  for (const Key& k : keys())
    if (name == k.name) return &k;
  return nullptr;
}

std::string known_keys() {
  std::string s;
  for (const Key& k : keys()) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

std::string scalar(const YAML::Node& n, const std::string& what, const char* kind) {
  AUTOST_CHECK(n.IsScalar(), what, " wants ", kind, ", got a ",
               n.IsSequence() ? "list" : n.IsMap() ? "mapping" : "null");
  return n.Scalar();
}

bool parse_bool(const std::string& s, const std::string& what) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0") return false;
  AUTOST_FAIL(what, " wants true or false, got '", s, "'");
}

// `what` is "<file>: <key>" so every message names both.
void set_field(Recipe& r, const Key& k, const YAML::Node& n, const std::string& what) {
  std::visit(
      [&](auto member) {
        using T = std::remove_cvref_t<decltype(r.*member)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          r.*member = parse_int(scalar(n, what, "an integer"), what);
        } else if constexpr (std::is_same_v<T, double>) {
          r.*member = parse_double(scalar(n, what, "a number"), what);
        } else if constexpr (std::is_same_v<T, bool>) {
          r.*member = parse_bool(scalar(n, what, "true or false"), what);
        } else if constexpr (std::is_same_v<T, std::string>) {
          r.*member = n.IsNull() ? std::string() : scalar(n, what, "a string");
        } else {
          AUTOST_CHECK(n.IsSequence() || n.IsScalar(), what, " wants a list of numbers");
          std::vector<double> v;
          if (n.IsScalar()) {
            v.push_back(parse_double(n.Scalar(), what));
          } else {
            for (size_t i = 0; i < n.size(); ++i)
              v.push_back(parse_double(scalar(n[i], what + "[" + std::to_string(i) + "]", "a number"),
                                       what + "[" + std::to_string(i) + "]"));
          }
          r.*member = std::move(v);
        }
      },
      k.field);
}

std::string format_double(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back exactly
  return std::string(buf, res.ptr);
}

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string field_text(const Recipe& r, const Key& k) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(r.*member)>;
        const T& v = r.*member;
        if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) return format_double(v);
        else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>) return quote(v);
        else {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + format_double(v[i]);
          return s + "]";
        }
      },
      k.field);
}

bool is_preset(const std::string& name) {
  const std::vector<std::string> presets = spiking::arch_preset_names();
  return std::find(presets.begin(), presets.end(), name) != presets.end();
}

// A relative arch path resolves against the recipe's folder (--set already tried the working
// directory, see apply_override).
std::string find_arch_file(const Recipe& r, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) p = (r.folder.empty() ? fs::current_path() : fs::path(r.folder)) / p;
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return fs::absolute(p).lexically_normal().string();
  std::string presets;
  for (const auto& n : spiking::arch_preset_names()) presets += (presets.empty() ? "" : ", ") + n;
  AUTOST_FAIL(r.source, ": arch: no file '", p.lexically_normal().string(), "' and no preset of that name (presets: ",
              presets, ")");
}

// A data path of the recipe: relative ones are from its folder (for --set: from here, see
// apply_override); "" stays "".
std::string from_recipe_folder(const Recipe& r, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return ((r.folder.empty() ? fs::current_path() : fs::path(r.folder)) / path).lexically_normal().string();
}

void check(bool ok, const Recipe& r, const char* key, const std::string& rule) {
  AUTOST_CHECK(ok, r.source, ": ", key, " ", rule);
}

}  // namespace

std::vector<std::string> recipe_keys() {
  std::vector<std::string> v;
  for (const Key& k : keys()) v.emplace_back(k.name);
  return v;
}

Recipe parse_recipe(const std::string& text, const std::string& where, const std::string& folder) {
  YAML::Node root = load_yaml(text, where);
  AUTOST_CHECK(root.IsMap(), where, ": a recipe is a mapping of keys (", known_keys(), ")");
  Recipe r;
  r.source = where;
  r.folder = folder;
  for (const auto& item : root) {
    const std::string name = item.first.as<std::string>();
    if (name == kArchitectureKey) {
      AUTOST_CHECK(item.second.IsMap(), where, ": architecture must be a RETRAIN mapping");
      YAML::Emitter out;
      out << item.second;
      r.architecture = spiking::parse_arch_yaml(out.c_str(), where + ": architecture");
      continue;
    }
    const Key* k = find_key(name);
    AUTOST_CHECK(k, where, ": unknown key '", name, "' (known: ", known_keys(), ")");
    set_field(r, *k, item.second, where + ": " + name);
  }
  return r;
}

Recipe load_recipe(const std::string& path) {
  std::error_code ec;
  AUTOST_CHECK(fs::is_regular_file(path, ec), path, ": recipe file not found");
  fs::path folder = fs::absolute(path).parent_path();
  return parse_recipe(read_file(path), path, folder.string());
}

void apply_override(Recipe& r, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  AUTOST_CHECK(eq != std::string::npos && eq > 0, "--set wants key=value, got '", assignment, "'");
  const std::string name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  const Key* k = find_key(name);
  AUTOST_CHECK(k, "--set: unknown key '", name, "' (known: ", known_keys(), ")");
  YAML::Node n = load_yaml(value, "--set " + name);
  if (n.IsNull() && !value.empty()) n = YAML::Node(value);  // "~" and "null" stay text
  set_field(r, *k, n, "--set " + name);
  if (name == "root" || name == "cache_dir") {
    std::string& path = name == "root" ? r.root : r.cache_dir;
    if (!path.empty() && fs::path(path).is_relative())
      path = fs::absolute(path).lexically_normal().string();  // --set paths are from here
  }
  if (name == "arch") {
    // A new arch replaces an embedded one, and a relative path is looked up from here first.
    r.architecture.reset();
    std::error_code ec;
    if (!is_preset(r.arch) && fs::path(r.arch).is_relative() && fs::is_regular_file(r.arch, ec))
      r.arch = fs::absolute(r.arch).lexically_normal().string();
  }
}

Recipe resolve_recipe(Recipe r) {
  std::string names;
  for (const std::string& n : dataset_names()) names += (names.empty() ? "" : ", ") + n;
  check(!r.dataset.empty(), r, "dataset", "is required (one of " + names + ")");
  const DatasetInfo* info = &known_dataset(r.source + ": dataset", r.dataset);
  r.root = r.root.empty() ? info->default_root : from_recipe_folder(r, r.root);
  check(!r.root.empty(), r, "root", "is required for " + r.dataset + " (the folder holding its files)");
  r.cache_dir = from_recipe_folder(r, r.cache_dir);
  check(r.cache_dir.empty() || info->clips, r, "cache_dir", "is the frame cache folder of event clips (cifar10-dvs)");
  check(r.epochs > 0, r, "epochs", "must be positive");
  check(r.cooldown_epochs >= 0, r, "cooldown_epochs", "must be >= 0");
  check(r.warmup_epochs >= 0, r, "warmup_epochs", "must be >= 0");
  check(r.warmup_lr >= 0, r, "warmup_lr", "must be >= 0");
  check(r.lr > 0, r, "lr", "must be positive");
  check(r.min_lr >= 0, r, "min_lr", "must be >= 0");
  check(r.weight_decay >= 0, r, "weight_decay", "must be >= 0");
  check(r.opt == "adamw" || r.opt == "sgd", r, "opt", "must be adamw or sgd, got '" + r.opt + "'");
  check(r.momentum >= 0 && r.momentum < 1, r, "momentum", "must be in [0, 1)");
  check(r.batch_size > 0, r, "batch_size", "must be positive");
  check(r.val_batch_size > 0, r, "val_batch_size", "must be positive");
  check(r.T > 0, r, "T", "must be positive");
  check(r.img_size >= 0, r, "img_size", "must be >= 0 (0 = the dataset's)");
  if (r.img_size == 0) r.img_size = info->img_size;
  check(info->resized || r.img_size == info->img_size, r, "img_size",
        "must be " + std::to_string(info->img_size) + " for " + r.dataset + " (only imagenet's pipeline resizes)");
  check(r.seed >= 0, r, "seed", "must be >= 0");
  check(r.workers >= 0, r, "workers", "must be >= 0");
  check(r.clip_grad >= 0, r, "clip_grad", "must be >= 0 (0 = no clipping)");
  check(r.smoothing >= 0 && r.smoothing < 1, r, "smoothing", "must be in [0, 1)");
  check(r.mixup >= 0, r, "mixup", "must be >= 0");
  check(r.cutmix >= 0, r, "cutmix", "must be >= 0");
  check(r.mixup_prob >= 0 && r.mixup_prob <= 1, r, "mixup_prob", "must be in [0, 1]");
  check(r.mixup_switch_prob >= 0 && r.mixup_switch_prob <= 1, r, "mixup_switch_prob", "must be in [0, 1]");
  check(r.mixup_off_epoch >= 0, r, "mixup_off_epoch", "must be >= 0 (0 = never)");
  check(r.aa_ops == "spikformer" || r.aa_ops == "timm", r, "aa_ops",
        "must be spikformer or timm, got '" + r.aa_ops + "'");
  if (r.aa == "snn-augment-wide") {
    check(info->clips, r, "aa", "snn-augment-wide is for event clips (cifar10-dvs), not " + r.dataset);
  } else if (r.aa != "none") {
    check(!info->clips, r, "aa",
          "a RandAugment string is for still images; cifar10-dvs takes snn-augment-wide or none");
    try {
      data::parse_rand_augment(r.aa);
    } catch (const Error& e) {
      AUTOST_FAIL(r.source, ": aa: ", e.what());
    }
  }
  check(r.reprob >= 0 && r.reprob <= 1, r, "reprob", "must be in [0, 1]");
  check(r.crop_padding >= 0, r, "crop_padding", "must be >= 0");
  if (r.mean.empty()) r.mean = info->mean;
  if (r.std.empty()) r.std = info->std;
  check(!info->clips || (r.mean.empty() && r.std.empty()), r, "mean", "and std do not apply to event clips");
  const size_t C = static_cast<size_t>(info->channels);
  check(info->clips || r.mean.size() == 1 || r.mean.size() == C, r, "mean",
        "needs 1 or " + std::to_string(C) + " values for " + r.dataset);
  check(info->clips || r.std.size() == 1 || r.std.size() == C, r, "std",
        "needs 1 or " + std::to_string(C) + " values for " + r.dataset);
  for (double s : r.std) check(s > 0, r, "std", "values must be positive");
  check(r.train_subset >= 0, r, "train_subset", "must be >= 0 (0 = all)");
  check(r.test_subset >= 0, r, "test_subset", "must be >= 0 (0 = all)");
  check(r.eval_every >= 1, r, "eval_every", "must be >= 1");
  check(r.checkpoint_every >= 0, r, "checkpoint_every", "must be >= 0 (0 = at epoch ends)");
  check(r.threads >= 0, r, "threads", "must be >= 0 (0 = all cores)");

  if (!r.architecture) {
    check(!r.arch.empty(), r, "arch", "is required (a RETRAIN YAML file or a preset)");
    if (is_preset(r.arch)) {
      r.architecture = spiking::arch_preset(r.arch);
    } else {
      r.arch = find_arch_file(r, r.arch);
      r.architecture = spiking::load_arch_yaml(r.arch);
    }
  }
  recipe_arch(r);  // the architecture must accept the dataset's input
  return r;
}

spiking::ArchConfig recipe_arch(const Recipe& r) {
  AUTOST_CHECK(r.architecture.has_value(), r.source, ": recipe not resolved (no architecture)");
  const DatasetInfo& info = dataset_info(r.dataset);
  spiking::ArchConfig a = *r.architecture;
  const bool dvs = a.variant == spiking::Variant::Dvs;
  AUTOST_CHECK(dvs == info.clips, r.source, ": arch: the ", spiking::variant_name(a.variant), " variant ",
               dvs ? "takes event clips, but " : "takes still images, but ", r.dataset, " holds ",
               info.clips ? "event clips" : "still images");
  a.img_size = input_size(r);
  a.in_channels = info.channels;
  a.num_classes = info.num_classes;
  a.T = r.T;
  a.validate(r.source + ": arch");
  return a;
}

std::string recipe_to_yaml(const Recipe& r) {
  std::ostringstream os;
  for (const Key& k : keys()) os << k.name << ": " << field_text(r, k) << "\n";
  if (r.architecture) {
    os << kArchitectureKey << ":\n";
    std::istringstream arch(spiking::arch_to_yaml(*r.architecture));
    for (std::string line; std::getline(arch, line);) os << "  " << line << "\n";
  }
  return os.str();
}

}  // namespace autost::apps::train
