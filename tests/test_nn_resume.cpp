// Bit-exact resume on the CPU: "train N steps" and "train k steps, save a training checkpoint, load
// it in a new process, train N - k" give identical weights, buffers and optimizer state. The second
// half really runs in another process: this program re-executes itself (/proc/self/exe) with
// AUTOST_RESUME_CHECKPOINT set, and the static hook below then runs only that half and exits.
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <string>

#include "nn/checkpoint.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/optim/adamw.h"
#include "nn/optim/param_groups.h"
#include "nn/optim/schedule.h"
#include "nn/safetensors.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

namespace {

constexpr int kTotalSteps = 12;
constexpr int kSplitStep = 5;
constexpr int kStepsPerEpoch = 2;

// Linear-BN-ReLU-Dropout-Linear: parameters, buffers (running stats, num_batches_tracked), AdamW
// state, a cosine schedule and dropout's use of the default generator all have to resume.
struct Trainer {
  Sequential model;
  AdamW optimizer;
  CosineLR schedule;

  explicit Trainer(uint64_t init_seed)
      : model(make_model(init_seed)),
        optimizer(timm_param_groups(model.named_parameters(), 0.06, 5e-3), AdamWOptions{}),
        schedule(optimizer, CosineOptions{6, 1e-4, 2, 1e-4}) {}

  static Sequential make_model(uint64_t seed) {
    Generator g(seed);
    return Sequential({std::make_shared<Linear>(8, 32, true, &g), std::make_shared<BatchNorm1d>(32),
                       std::make_shared<ReLU>(), std::make_shared<Dropout>(0.25),
                       std::make_shared<Linear>(32, 4, true, &g)});
  }

  void train(int from, int to) {
    Generator data(5);
    Tensor x = randn({16, 8}, kFloat32, &data);
    Tensor y = arange(16).to(kFloat64).view({16});
    y = sub(y, mul(div(y, 4.0).to(kInt64).to(kFloat64), 4.0)).to(kInt64);  // classes 0..3
    CrossEntropyLoss criterion(0.1);
    model.train();
    for (int step = from; step < to; ++step) {
      schedule.step(step / kStepsPerEpoch);
      optimizer.zero_grad();
      criterion(model(x), y).backward();
      optimizer.step();
    }
  }
};

NamedTensors everything(Trainer& t) {
  NamedTensors all = t.model.state_dict();
  for (auto& [name, tensor] : t.optimizer.state_tensors()) all.emplace_back("optimizer." + name, tensor);
  return all;
}

// The second half, in the child process.
int resume_child(const std::string& checkpoint, const std::string& out) {
  try {
    manual_seed(987654);  // the checkpoint, not this, must decide the random stream
    Trainer t(/*init_seed=*/777);  // different weights: loading must replace them all
    TrainingCheckpoint ck = load_training_checkpoint(checkpoint);
    t.model.load_state_dict(ck.model);
    t.optimizer.load_state_tensors(ck.optimizer);
    t.schedule.load_state(ck.state.scheduler_epoch);
    restore_default_rng(ck.state);
    t.train(static_cast<int>(ck.state.step), kTotalSteps);
    save_safetensors(out, everything(t));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "resume child: %s\n", e.what());
    return 1;
  }
}

// Runs before doctest's main when this program was started as the child.
const int child_hook = [] {
  const char* ck = std::getenv("AUTOST_RESUME_CHECKPOINT");
  const char* out = std::getenv("AUTOST_RESUME_OUT");
  if (ck && out) std::exit(resume_child(ck, out));
  return 0;
}();

}  // namespace

TEST_CASE("train N steps == train k, save, resume in a new process, train N - k (bit for bit)") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("autost_resume_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string checkpoint = (dir / "ck.safetensors").string(), out = (dir / "out.safetensors").string();

  manual_seed(42);
  Trainer straight(1);
  straight.train(0, kTotalSteps);
  NamedTensors expected = everything(straight);

  manual_seed(42);
  Trainer first(1);
  first.train(0, kSplitStep);
  TrainingState state;
  state.step = kSplitStep;
  state.epoch = kSplitStep / kStepsPerEpoch;
  state.scheduler_epoch = kSplitStep / kStepsPerEpoch;
  capture_default_rng(state);
  save_training_checkpoint(checkpoint, first.model.state_dict(), first.optimizer.state_tensors(), state);

  // Resolved here: inside std::system's shell, /proc/self/exe would be the shell.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string cmd = "AUTOST_RESUME_CHECKPOINT='" + checkpoint + "' AUTOST_RESUME_OUT='" + out + "' '" + self +
                          "' > '" + (dir / "child.log").string() + "' 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  NamedTensors resumed = load_safetensors(out).tensors;

  REQUIRE(resumed.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO(expected[i].first);
    CHECK(resumed[i].first == expected[i].first);
    CHECK(resumed[i].second.shape() == expected[i].second.shape());
    CHECK(resumed[i].second.to_vector<double>() == expected[i].second.to_vector<double>());  // exact
  }
  // The run did move the weights (a resume of a frozen model would prove nothing).
  Trainer untouched(1);
  CHECK(untouched.model.state_dict()[0].second.to_vector<double>() != expected[0].second.to_vector<double>());
  fs::remove_all(dir);
}
