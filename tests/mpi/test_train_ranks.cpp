// `autost train` on several ranks (apps/train/trainer.h), run by CTest as
// `mpirun -np 2 test_train_ranks` (tests/mpi/mpi_main.cpp): with --sync-bn it follows one process
// on the global batch; rank 0 alone writes the run; the split evaluation reports the whole test
// set's accuracy; a run cut short and resumed on the same ranks equals an uninterrupted one; and a
// resume with another rank count or BatchNorm mode is refused.
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "apps/eval.h"
#include "data/mnist.h"
#include "nn/distributed.h"
#include "tensor/npy.h"
#include "tests/train_fixture.h"

using namespace autost;
using namespace autost::apps::train;
using namespace autost::nn;
using namespace autost::test;
namespace fs = std::filesystem;

namespace {

// Rank 0's fresh temporary directory, known to every rank (one machine, one filesystem). Its end
// waits for every rank before rank 0 removes it.
class SharedDir {
 public:
  explicit SharedDir(ProcessGroup& pg) : pg_(pg) {
    constexpr int64_t kMax = 1024;
    std::vector<double> bytes(kMax, 0.0);
    if (pg.rank() == 0) {
      owner_ = std::make_unique<TempDir>("autost_train_ranks");
      const std::string p = owner_->path.string();
      for (size_t i = 0; i < p.size() && i + 1 < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(p[i]);
    }
    Tensor t = from_vector(bytes, {kMax}, kUInt8);
    pg.broadcast(t, 0);
    for (int64_t c : t.to_vector<int64_t>()) {
      if (c == 0) break;
      path_ += static_cast<char>(c);
    }
  }
  ~SharedDir() { pg_.barrier(); }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  ProcessGroup& pg_;
  std::unique_ptr<TempDir> owner_;
  std::string path_;
};

// The fixture's files, written by rank 0 into a directory every rank sees.
std::string shared_recipe(ProcessGroup& pg, const SharedDir& dir) {
  if (pg.rank() == 0) write_train_files(dir.path());
  pg.barrier();
  return dir / "recipe.yaml";
}

// The fixture's recipe with batch `batch`, without mixup (it pairs samples within a batch, so one
// batch of 16 and two of 8 mix differently) and with SGD: the biases of the Linear layers before
// BatchNorms have a gradient that is zero but for float32 rounding noise, which AdamW's
// g / (sqrt(v) + eps) would turn into steps of up to lr that differ between any two runs.
Recipe recipe_with_batch(const std::string& path, int64_t batch) {
  Recipe r = load_recipe(path);
  apply_override(r, "batch_size=" + std::to_string(batch));
  apply_override(r, "mixup=0");
  apply_override(r, "opt=sgd");
  apply_override(r, "lr=0.05");
  return r;
}

constexpr int64_t kPerRank = 8;

}  // namespace

TEST_CASE("autost train --sync-bn on N ranks follows one process on the global batch") {
  ProcessGroup& pg = ProcessGroup::world();
  const int w = pg.world_size();
  SharedDir dir(pg);
  const std::string recipe = shared_recipe(pg, dir);
  TrainOptions ddp = quiet(dir / "ddp");
  ddp.sync_bn = true;
  TrainResult res = train(recipe_with_batch(recipe, kPerRank), ddp);
  CHECK(res.finished);
  CHECK(res.steps == 2 * (kTrain / (kPerRank * w)));
  if (pg.rank() != 0) return;

  ProcessGroup alone;
  TrainOptions one = quiet(dir / "one");
  one.group = &alone;
  TrainResult ref = train(recipe_with_batch(recipe, kPerRank * w), one);
  CHECK(ref.steps == res.steps);
  const std::vector<Json> a = RunFolder(dir / "ddp").read_metrics(), b = RunFolder(dir / "one").read_metrics();
  REQUIRE(a.size() == b.size());
  for (size_t e = 0; e < a.size(); ++e) {
    INFO("epoch ", e);
    for (const char* key : {"train_loss", "test_loss", "test_top1", "test_top5", "lr"}) {
      INFO(std::string(key));
      CHECK(a[e][key].get<double>() == doctest::Approx(b[e][key].get<double>()).epsilon(1e-4));
    }
  }
  const auto ta = nn::load_safetensors(RunFolder(dir / "ddp").last_path()).tensors;
  const auto tb = nn::load_safetensors(RunFolder(dir / "one").last_path()).tensors;
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    INFO(ta[i].first);
    CHECK_CLOSE(ta[i].second, tb[i].second, 1e-4, 1e-4);  // float32 sums in other orders: ~1e-6 apart
  }
}

TEST_CASE("autost train on N ranks: rank 0 alone writes the run, and the accuracy is the whole test set's") {
  ProcessGroup& pg = ProcessGroup::world();
  SharedDir dir(pg);
  const std::string recipe = shared_recipe(pg, dir);
  const std::string out = dir / (pg.rank() == 0 ? std::string("run") : "run_of_rank_" + std::to_string(pg.rank()));
  TrainResult res = train(load_recipe(recipe), quiet(out));
  CHECK(res.finished);
  const std::vector<double> best = pg.allgather({res.best_top1, static_cast<double>(res.best_epoch)});
  for (int q = 0; q < pg.world_size(); ++q) CHECK(best[2 * static_cast<size_t>(q)] == res.best_top1);
  if (pg.rank() != 0) {
    CHECK_FALSE(fs::exists(out));
    return;
  }
  RunFolder run(out);
  const std::vector<Json> lines = run.read_metrics();
  REQUIRE(lines.size() == 2);
  // One process evaluating the best model on the whole test set agrees with the ranks' shares.
  const std::string npy = dir / "logits.npy";
  std::vector<std::string> argv_s = {"eval", "--arch", dir / "tiny.yaml", "--checkpoint", run.best_path(),
                                     "--dataset", "fashion-mnist", "--root", dir / "fmnist", "--T", "2",
                                     "--dump-logits", npy};
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  REQUIRE(apps::eval_main(static_cast<int>(argv.size()), argv.data()) == 0);
  const std::vector<float> logits = read_npy(npy).to_vector<float>();
  const std::vector<int64_t> labels =
      data::load_fashion_mnist(data::Split::Test, dir / "fmnist").labels.to_vector<int64_t>();
  int correct = 0;
  double loss = 0;
  for (size_t i = 0; i < static_cast<size_t>(kTest); ++i) {
    const float* row = logits.data() + i * 10;
    size_t top = 0;
    double z = 0;
    for (size_t c = 0; c < 10; ++c) {
      top = row[c] > row[top] ? c : top;
      z += std::exp(static_cast<double>(row[c]));
    }
    correct += static_cast<int64_t>(top) == labels[i];
    loss += (std::log(z) - row[labels[i]]) / kTest;
  }
  CHECK(100.0 * correct / kTest == res.best_top1);
  // float32 logits from other batch sizes: ~4e-8 apart; ranks with their own BatchNorm statistics
  // would be ~3e-6 apart even on this barely trained model.
  CHECK(loss == doctest::Approx(lines[static_cast<size_t>(res.best_epoch)]["test_loss"].get<double>()).epsilon(1e-6));
}

TEST_CASE("autost train on N ranks resumes bit for bit, and refuses another rank count or BatchNorm mode") {
  ProcessGroup& pg = ProcessGroup::world();
  SharedDir dir(pg);
  Recipe r = load_recipe(shared_recipe(pg, dir));
  apply_override(r, "batch_size=" + std::to_string(kPerRank));
  apply_override(r, "checkpoint_every=2");
  const std::string straight = dir / "straight", resumed = dir / "resumed";
  CHECK(train(r, quiet(straight)).finished);
  TrainOptions cut = quiet(resumed);
  cut.stop_after_steps = 3;  // killed after step 3: the mid-epoch checkpoint of step 2 is the last
  CHECK_FALSE(train(r, cut).finished);
  CHECK(train(load_run_recipe(resumed), quiet(resumed, true)).finished);
  if (pg.rank() == 0) {
    CHECK(deterministic(RunFolder(resumed).read_metrics()) == deterministic(RunFolder(straight).read_metrics()));
    check_same_tensors(RunFolder(resumed).last_path(), RunFolder(straight).last_path());
    check_same_tensors(RunFolder(resumed).best_path(), RunFolder(straight).best_path());
  }

  TrainOptions sync = quiet(resumed, true);
  sync.sync_bn = true;
  CHECK(error_of([&] { train(load_run_recipe(resumed), sync); })
            .find("the run was trained without --sync-bn; resume it the same way") != std::string::npos);
  pg.barrier();
  if (pg.rank() == 0) {
    ProcessGroup alone;
    TrainOptions one = quiet(resumed, true);
    one.group = &alone;
    const std::string expected =
        "the run was trained on " + std::to_string(pg.world_size()) + " ranks; resume it on as many (1 now)";
    CHECK(error_of([&] { train(load_run_recipe(resumed), one); }).find(expected) != std::string::npos);
  }
}
