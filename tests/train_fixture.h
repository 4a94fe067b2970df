#pragma once
// The tiny training setup shared by tests/test_train.cpp and tests/mpi/test_ddp_ranks.cpp: a
// synthetic Fashion-MNIST written as IDX files (the installed set is not needed), a tiny
// architecture and a recipe, plus helpers to compare runs.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/train/recipe.h"
#include "apps/train/run_folder.h"
#include "apps/train/trainer.h"
#include "nn/safetensors.h"
#include "tests/data_harness.h"  // error_of
#include "tests/harness.h"
#include "tests/temp_dir.h"

namespace autost::test {

using apps::train::Json;
using apps::train::Recipe;
using apps::train::TrainOptions;

constexpr int kTrain = 48, kTest = 20, kSide = 28;

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// Raw (not gzipped) IDX files: class k is a bright horizontal band at rows 2k..2k+4 over a
// pseudo-random background, so there is something to learn.
inline void write_split(const std::string& root, const std::string& prefix, int n, uint32_t seed) {
  std::string images = std::string("\0\0\x08\x03", 4) + be32(n) + be32(kSide) + be32(kSide);
  std::string labels = std::string("\0\0\x08\x01", 4) + be32(n);
  uint32_t state = seed;
  for (int i = 0; i < n; ++i) {
    const int label = (i * 7 + static_cast<int>(seed)) % 10;
    labels += static_cast<char>(label);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>(state >> 26);  // 0..63
        const bool band = y >= 2 * label && y < 2 * label + 5;
        images += static_cast<char>(band ? 180 + noise : noise);
      }
  }
  write_file(root + "/" + prefix + "-images-idx3-ubyte", images);
  write_file(root + "/" + prefix + "-labels-idx1-ubyte", labels);
}

// Mixup, RandAugment, flips and erasing on: every random stream is exercised by resuming.
inline std::string tiny_recipe_text() {
  return "arch: tiny.yaml\ndataset: fashion-mnist\nroot: fmnist\nepochs: 2\nwarmup_epochs: 1\nwarmup_lr: 1e-4\n"
         "lr: 5e-3\nmin_lr: 1e-4\nweight_decay: 0.01\nbatch_size: 16\nval_batch_size: 8\nT: 2\nseed: 7\n"
         "workers: 1\nsmoothing: 0.1\nmixup: 0.5\nmixup_prob: 1.0\naa: rand-m9-n1-mstd0.4-inc1\n"
         "reprob: 0.25\nhflip: true\nthreads: 1\n";
}

// The synthetic data folder `fmnist`, a tiny architecture (AutoST D 16, depth 1, 2 heads) in
// tiny.yaml and recipe.yaml using them, written into `dir`; returns the recipe's path.
inline std::string write_train_files(const std::string& dir) {
  const std::string data = dir + "/fmnist";
  std::filesystem::create_directories(data);
  write_split(data, "train", kTrain, 3);
  write_split(data, "t10k", kTest, 4);
  write_file(dir + "/tiny.yaml", "RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 16\n  MLP_RATIO: [4]\n  NUM_HEADS: [2]\n");
  write_file(dir + "/recipe.yaml", tiny_recipe_text());
  return dir + "/recipe.yaml";
}

// The files above in a fresh temporary directory.
struct Fixture {
  TempDir dir{"autost_train"};
  std::string recipe_path = write_train_files(dir.path.string());
  std::string data = dir / "fmnist";
  Recipe recipe() const { return apps::train::load_recipe(recipe_path); }
  std::string out(const std::string& name) const { return dir / name; }
};

inline TrainOptions quiet(const std::string& out, bool resume = false) {
  TrainOptions o;
  o.out_dir = out;
  o.resume = resume;
  o.progress = false;
  o.print_epochs = false;
  return o;
}

// The fields of a metrics line that a seeded CPU run determines (not timings or memory).
inline std::vector<std::string> deterministic(const std::vector<Json>& lines) {
  std::vector<std::string> v;
  for (Json l : lines) {
    l.erase("images_per_s");
    l.erase("seconds");
    l.erase("peak_memory_bytes");
    v.push_back(l.dump());
  }
  return v;
}

inline void check_same_tensors(const std::string& a, const std::string& b) {
  const auto ta = nn::load_safetensors(a).tensors, tb = nn::load_safetensors(b).tensors;
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    INFO(ta[i].first);
    CHECK(ta[i].first == tb[i].first);
    CHECK(ta[i].second.to_vector<double>() == tb[i].second.to_vector<double>());  // exact
  }
}

}  // namespace autost::test
