// `autost train` and `autost eval` as library calls on a tiny synthetic Fashion-MNIST
// (tests/train_fixture.h; the installed set is not needed): recipe parsing and every error, --set overrides,
// a run writing every file, refusals (overwrite, resume without a run, a changed recipe), resuming
// bit for bit (mid-epoch, in a new process; and at an epoch end after a kill between the metrics
// line and the checkpoint), eval's logits dump, and the plot and progress helpers.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/eval.h"
#include "apps/train/evaluate.h"
#include "apps/train/plot.h"
#include "apps/train/progress.h"
#include "apps/train/recipe.h"
#include "apps/train/run_folder.h"
#include "apps/train/trainer.h"
#include "data/mnist.h"
#include "nn/safetensors.h"
#include "spiking/model.h"
#include "tensor/atomic_file.h"
#include "tensor/npy.h"
#include "tests/train_fixture.h"

using namespace autost;
using namespace autost::apps::train;
using namespace autost::test;
namespace fs = std::filesystem;

namespace {

// The resumed half of the cross-process test runs in a child process: this program re-executes
// itself with AUTOST_TRAIN_RESUME_DIR set, and this hook runs the resume and exits.
const int child_hook = [] {
  if (const char* dir = std::getenv("AUTOST_TRAIN_RESUME_DIR")) {
    try {
      TrainResult r = train(load_run_recipe(dir), quiet(dir, true));
      std::exit(r.finished ? 0 : 3);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "resume child: %s\n", e.what());
      std::exit(1);
    }
  }
  return 0;
}();

}  // namespace

TEST_CASE("recipe: values are read, defaults filled, and the resolved YAML reads back to itself") {
  Fixture f;
  Recipe r = f.recipe();
  CHECK(r.epochs == 2);
  CHECK(r.lr == 5e-3);
  CHECK(r.hflip);
  CHECK(r.aa == "rand-m9-n1-mstd0.4-inc1");
  CHECK(r.cooldown_epochs == 0);  // a default
  Recipe resolved = resolve_recipe(r);
  CHECK(resolved.arch == fs::canonical(f.dir / "tiny.yaml").string());  // relative to the recipe's folder
  CHECK(resolved.root == f.data);                       // relative to the recipe's folder too
  CHECK(resolved.mean == std::vector<double>{0.2860});  // the dataset's
  REQUIRE(resolved.architecture.has_value());
  CHECK(resolved.architecture->embed_dim == 16);
  const spiking::ArchConfig a = recipe_arch(resolved);
  CHECK(a.img_size == 28);
  CHECK(a.in_channels == 1);
  CHECK(a.num_classes == 10);
  CHECK(a.T == 2);

  const std::string yaml = recipe_to_yaml(resolved);
  for (const std::string& key : recipe_keys())
    CHECK_MESSAGE(("\n" + yaml).find("\n" + key + ": ") != std::string::npos, key);
  Recipe again = resolve_recipe(parse_recipe(yaml, "config.yaml", ""));
  CHECK(recipe_to_yaml(again) == yaml);
  // The embedded architecture wins over a file that has since gone.
  fs::remove(f.dir / "tiny.yaml");
  CHECK(recipe_to_yaml(resolve_recipe(parse_recipe(yaml, "config.yaml", ""))) == yaml);

  Recipe preset = f.recipe();
  preset.arch = "spikformer-4-256";
  CHECK(resolve_recipe(preset).architecture->embed_dim == 256);
}

TEST_CASE("recipe: every bad input is one error naming the file and the key") {
  Fixture f;
  struct Case {
    std::string text, phrase;
  };
  const std::string base = tiny_recipe_text();
  const std::vector<Case> parse_cases = {
      {base + "learning_rate: 1\n", "recipe.yaml: unknown key 'learning_rate'"},
      {base + "cooldown_epochs: many\n", "recipe.yaml: cooldown_epochs wants an integer, got 'many'"},
      {base + "cooldown_epochs: 1.5\n", "recipe.yaml: cooldown_epochs wants an integer, got '1.5'"},
      {base + "clip_grad: [1, 2]\n", "recipe.yaml: clip_grad wants a number, got a list"},
      {base + "crop_padding: {a: 1}\n", "recipe.yaml: crop_padding wants an integer, got a mapping"},
      {"arch: tiny.yaml\nhflip: maybe\n", "recipe.yaml: hflip wants true or false, got 'maybe'"},
      {"mean: [0.5, x]\n", "recipe.yaml: mean[1] wants a number, got 'x'"},
      {"- a\n- b\n", "recipe.yaml: a recipe is a mapping"},
      {"arch: [\n", "recipe.yaml: not valid YAML"},
      {"architecture: 5\n", "recipe.yaml: architecture must be a RETRAIN mapping"},
  };
  for (const Case& c : parse_cases) {
    CAPTURE(c.text);
    write_file(f.recipe_path, c.text);
    CHECK(error_of([&] { f.recipe(); }).find(c.phrase) != std::string::npos);
  }
  const std::vector<Case> resolve_cases = {
      {"arch: missing.yaml\n", "recipe.yaml: arch: no file '"},
      {"dataset: svhn\n", "recipe.yaml: dataset: unknown dataset 'svhn'"},
      {"opt: adam\n", "recipe.yaml: opt must be adamw or sgd, got 'adam'"},
      {"epochs: 0\n", "recipe.yaml: epochs must be positive"},
      {"smoothing: 1\n", "recipe.yaml: smoothing must be in [0, 1)"},
      {"aa: rand-q9\n", "recipe.yaml: aa: "},
      {"aa: snn-augment-wide\n", "recipe.yaml: aa snn-augment-wide is for event clips"},
      {"mean: [0.1, 0.2]\n", "recipe.yaml: mean needs 1 or 1 values for fashion-mnist"},
      {"std: [0]\n", "recipe.yaml: std values must be positive"},
      {"eval_every: 0\n", "recipe.yaml: eval_every must be >= 1"},
      {"arch: spikformer-dvs-2-256\n", "recipe.yaml: arch: the dvs variant takes event clips"},
      {"dataset: cifar10\nroot: \"\"\n", "recipe.yaml: root is required for cifar10"},
      {"img_size: 32\n", "recipe.yaml: img_size must be 28 for fashion-mnist (only imagenet's pipeline resizes)"},
      {"img_size: -1\n", "recipe.yaml: img_size must be >= 0"},
      {"cache_dir: frames\n", "recipe.yaml: cache_dir is the frame cache folder of event clips"},
  };
  for (const Case& c : resolve_cases) {
    CAPTURE(c.text);
    write_file(f.recipe_path, base + c.text);  // a repeated key: the later one counts
    CHECK(error_of([&] { resolve_recipe(f.recipe()); }).find(c.phrase) != std::string::npos);
  }
  CHECK(error_of([&] { load_recipe(f.dir / "nope.yaml"); }).find("nope.yaml: recipe file not found") !=
        std::string::npos);
  // A missing dataset is refused when the run opens it, before the run folder exists.
  write_file(f.recipe_path, "arch: spikformer-8-512\ndataset: imagenet\nroot: /nowhere\n");
  CHECK(error_of([&] { train(f.recipe(), quiet(f.out("imagenet"))); }).find("/nowhere/train: missing folder") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(f.out("imagenet")));
}

TEST_CASE("recipe: --set overrides with type checks") {
  Fixture f;
  Recipe r = f.recipe();
  apply_override(r, "lr=0.25");
  apply_override(r, "hflip=false");
  apply_override(r, "mean=[0.5]");
  apply_override(r, "aa=none");
  apply_override(r, "epochs=5");
  CHECK(r.lr == 0.25);
  CHECK_FALSE(r.hflip);
  CHECK(r.mean == std::vector<double>{0.5});
  CHECK(r.aa == "none");
  CHECK(r.epochs == 5);
  CHECK(error_of([&] { apply_override(r, "epochs=2.5"); }) == "--set epochs wants an integer, got '2.5'");
  CHECK(error_of([&] { apply_override(r, "lr=fast"); }) == "--set lr wants a number, got 'fast'");
  CHECK(error_of([&] { apply_override(r, "lrr=1"); }).find("--set: unknown key 'lrr'") == 0);
  CHECK(error_of([&] { apply_override(r, "lr"); }) == "--set wants key=value, got 'lr'");
  // A new arch replaces the embedded one of a resolved recipe.
  Recipe resolved = resolve_recipe(f.recipe());
  apply_override(resolved, "arch=spikformer-2-384");
  CHECK(resolve_recipe(resolved).architecture->embed_dim == 384);
}

TEST_CASE("train: a tiny run writes every run file, refuses to overwrite it, and eval reads its models") {
  Fixture f;
  const std::string out = f.out("run");
  TrainResult res = train(f.recipe(), quiet(out));
  CHECK(res.finished);
  CHECK(res.epochs_done == 2);
  CHECK(res.steps == 2 * (kTrain / 16));
  RunFolder run(out);
  const std::vector<Json> lines = run.read_metrics();
  REQUIRE(lines.size() == 2);
  for (size_t e = 0; e < lines.size(); ++e) {
    const Json& l = lines[e];
    CHECK(l["epoch"].get<int64_t>() == static_cast<int64_t>(e));
    for (const char* key : {"train_loss", "test_top1", "test_top5", "test_loss", "lr", "images_per_s", "seconds",
                            "peak_memory_bytes"})
      CHECK_MESSAGE(l[key].is_number(), key);
    CHECK(l["test_top1"].get<double>() <= l["test_top5"].get<double>());
    CHECK(l["firing_rates"].contains("patch_embed.proj_lif"));
    CHECK(l["firing_rates"].contains("block.0.mlp.fc2_lif"));
  }
  CHECK(lines[0]["lr"].get<double>() == 1e-4);  // warmup_lr at epoch 0
  CHECK(lines[1]["lr"].get<double>() == doctest::Approx(1e-4 + 0.5 * (5e-3 - 1e-4) * (1 + std::cos(M_PI / 2))));
  CHECK(res.best_top1 == std::max(lines[0]["test_top1"].get<double>(), lines[1]["test_top1"].get<double>()));

  // config.yaml is the resolved recipe; best.safetensors loads into the model.
  CHECK(read_file(run.config_path()) == recipe_to_yaml(resolve_recipe(f.recipe())));
  auto model = spiking::build_model(recipe_arch(resolve_recipe(f.recipe())));
  model->load_state_dict(nn::load_safetensors(run.best_path()).tensors);
  for (const std::string& png : {run.loss_plot_path(), run.accuracy_plot_path()})
    CHECK(read_file(png).substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));

  CHECK(error_of([&] { train(f.recipe(), quiet(out)); }).find("already holds a run") != std::string::npos);
  CHECK(error_of([&] { train(f.recipe(), quiet(f.out("never"), true)); }).find("nothing to resume") !=
        std::string::npos);
  // A changed recipe is refused, naming the line; resuming a finished run changes nothing.
  Recipe changed = f.recipe();
  apply_override(changed, "lr=0.001");
  CHECK(error_of([&] { train(changed, quiet(out, true)); }).find("the recipe differs from the run's at line 8") !=
        std::string::npos);
  const std::string before = read_file(run.metrics_path());
  CHECK(train(f.recipe(), quiet(out, true)).finished);
  CHECK(read_file(run.metrics_path()) == before);

  // eval: the best model's logits in dataset order give the best test top-1 again.
  const std::string npy = f.dir / "logits.npy";
  std::vector<std::string> argv_s = {"eval", "--arch", f.dir / "tiny.yaml", "--checkpoint", run.best_path(),
                                     "--dataset", "fashion-mnist", "--root", f.data, "--T", "2", "--batch", "7",
                                     "--dump-logits", npy};
  std::vector<char*> argv;
  for (std::string& s : argv_s) argv.push_back(s.data());
  REQUIRE(apps::eval_main(static_cast<int>(argv.size()), argv.data()) == 0);
  Tensor logits = read_npy(npy);
  CHECK(logits.dtype() == kFloat32);
  CHECK(logits.shape() == Shape{kTest, 10});
  const data::Dataset test_set = data::load_fashion_mnist(data::Split::Test, f.data);
  const std::vector<float> v = logits.to_vector<float>();
  const std::vector<int64_t> y = test_set.labels.to_vector<int64_t>();
  int correct = 0;
  for (int i = 0; i < kTest; ++i) {
    int best = 0;
    for (int c = 1; c < 10; ++c) best = v[i * 10 + c] > v[i * 10 + best] ? c : best;
    correct += best == y[i];
  }
  CHECK(100.0 * correct / kTest == doctest::Approx(res.best_top1));
  // A training checkpoint is accepted too.
  argv_s[4] = run.last_path();
  argv.clear();
  for (std::string& s : argv_s) argv.push_back(s.data());
  CHECK(apps::eval_main(static_cast<int>(argv.size()), argv.data()) == 0);
}

TEST_CASE("train: killed mid-epoch and resumed in a new process == an uninterrupted run, bit for bit") {
  Fixture f;
  Recipe r = f.recipe();
  apply_override(r, "checkpoint_every=2");  // 3 steps per epoch: checkpoints after steps 2, 3 (epoch end), 4
  const std::string straight = f.out("straight"), resumed = f.out("resumed");
  REQUIRE(train(r, quiet(straight)).finished);

  TrainOptions cut = quiet(resumed);
  cut.stop_after_steps = 5;  // "killed" after step 5: step 5's work is lost, the run resumes at step 4
  TrainResult part = train(r, cut);
  CHECK_FALSE(part.finished);
  RunFolder run(resumed);
  CHECK(run.read_metrics().size() == 1);

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string cmd =
      "AUTOST_TRAIN_RESUME_DIR='" + resumed + "' '" + self + "' > '" + (f.dir / "child.log") + "' 2>&1";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, read_file(f.dir / "child.log"));

  CHECK(deterministic(run.read_metrics()) == deterministic(RunFolder(straight).read_metrics()));
  check_same_tensors(run.last_path(), RunFolder(straight).last_path());
  check_same_tensors(run.best_path(), RunFolder(straight).best_path());
}

TEST_CASE("train: resumed at an epoch end after a kill between the metrics line and the checkpoint") {
  Fixture f;
  const std::string straight = f.out("straight"), resumed = f.out("resumed");
  REQUIRE(train(f.recipe(), quiet(straight)).finished);
  TrainOptions cut = quiet(resumed);
  cut.stop_after_steps = 4;  // epoch 0 (3 steps) and its checkpoint done, epoch 1's first step lost
  CHECK_FALSE(train(f.recipe(), cut).finished);
  // As if epoch 1's metrics line had been written before the kill: it must be redone, not kept.
  RunFolder run(resumed);
  std::vector<Json> lines = run.read_metrics();
  REQUIRE(lines.size() == 1);
  Json stale = lines[0];
  stale["epoch"] = 1;
  stale["train_loss"] = 99.0;
  lines.push_back(stale);
  run.write_metrics(lines);

  // The resume really continues from the checkpoint (step 3), not from scratch.
  TrainOptions one = quiet(resumed, true);
  one.stop_after_steps = 1;
  CHECK(train(load_run_recipe(resumed), one).steps == 4);

  CHECK(train(load_run_recipe(resumed), quiet(resumed, true)).finished);
  CHECK(deterministic(run.read_metrics()) == deterministic(RunFolder(straight).read_metrics()));
  check_same_tensors(run.last_path(), RunFolder(straight).last_path());
}

TEST_CASE("run folder: a damaged metrics line is an error naming the file and line") {
  TempDir d("autost_runfolder");
  RunFolder run(d.path.string());
  CHECK(run.read_metrics().empty());
  write_file(run.metrics_path(), "{\"epoch\": 0}\n{\"epoch\": 1, \"train_l");
  const std::string e = error_of([&] { run.read_metrics(); });
  CHECK(e == run.metrics_path() + ": line 2 is not a metrics record");
}

TEST_CASE("plot: nice ticks, and a rendered plot shows each series' colour") {
  const std::vector<double> unit = nice_ticks(0, 1);
  REQUIRE(unit.size() == 6);
  for (size_t i = 0; i < unit.size(); ++i) CHECK(unit[i] == doctest::Approx(0.2 * static_cast<double>(i)));
  const std::vector<double> t = nice_ticks(0.13, 9.7);
  CHECK(t.front() == 2);
  CHECK(t.back() == 8);
  CHECK(t.size() == 4);
  CHECK_THROWS_AS(nice_ticks(1, 1), Error);

  const int w = 320, h = 200;
  std::vector<unsigned char> img =
      render_line_plot("t", "epoch", {{"a", {0, 1, 2}, {1, 2, 3}}, {"b", {0, 1, 2}, {3, NAN, 1}}}, w, h);
  REQUIRE(img.size() == static_cast<size_t>(w * h * 3));
  auto count = [&](int r, int g, int b) {
    int n = 0;
    for (size_t i = 0; i < img.size(); i += 3) n += img[i] == r && img[i + 1] == g && img[i + 2] == b;
    return n;
  };
  CHECK(count(31, 119, 180) > 100);  // series a's line, markers and legend swatch
  CHECK(count(255, 127, 14) > 20);   // series b: two points and the swatch (the NaN leaves a gap)
  CHECK(count(0, 0, 0) > 100);       // axes and text
  TempDir d("autost_plot");
  write_line_plot(d / "p.png", "t", "epoch", {{"a", {0}, {1}}});
  CHECK(read_file(d / "p.png").substr(1, 3) == "PNG");
}

TEST_CASE("progress: durations read as m:ss or h:mm:ss") {
  CHECK(format_duration(0) == "0:00");
  CHECK(format_duration(59.6) == "1:00");
  CHECK(format_duration(83) == "1:23");
  CHECK(format_duration(3723) == "1:02:03");
  CHECK(format_duration(-5) == "0:00");
}

TEST_CASE("evaluate: in one process the rank sums and the combined result are the rank's own") {
  nn::ProcessGroup pg;
  CHECK(sum_over_ranks({1.5, 2.0, 0.0}, pg) == std::vector<double>{1.5, 2.0, 0.0});
  EvalResult mine;
  mine.samples = 4;
  mine.correct1 = 3;
  mine.top1 = 75;
  mine.firing_rates = {{"lif1", 0.25}};
  const EvalResult all = combine_over_ranks(mine, {"lif1"}, pg);
  CHECK(all.samples == 4);
  CHECK(all.correct1 == 3);
  CHECK(all.top1 == 75);
  CHECK(all.firing_rates == mine.firing_rates);
}
