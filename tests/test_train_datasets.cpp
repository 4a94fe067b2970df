// `autost train` and `autost eval` on the lazily read datasets, with tiny copies in the real formats
// written here: CIFAR10-DVS (AEDAT recordings in class folders; Spikformer's per-class split, clips
// [B, T, 2, 128, 128] from the frame cache, no normalisation) and ImageNet folders (the JPEG fixtures;
// the SPEC §4.4 pipelines at a small img_size). The shipped recipes run with only the root and
// test-sized overrides; eval dumps logits of the test split's shape.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/eval.h"
#include "apps/train/datasets.h"
#include "apps/train/recipe.h"
#include "apps/train/run_folder.h"
#include "apps/train/trainer.h"
#include "data/aedat.h"
#include "data/cifar10dvs.h"
#include "data/image_folder.h"
#include "data/transforms/crop.h"
#include "data/transforms/normalize.h"
#include "data/transforms/resize.h"
#include "tensor/npy.h"
#include "tests/data_harness.h"

using namespace autost;
using namespace autost::apps::train;
using namespace autost::test;
namespace fs = std::filesystem;

namespace {

constexpr int kRecordingsPerClass = 10;  // Spikformer's split: 9 train, 1 test per class

std::string config(const std::string& name) {
  return (fs::path(AUTOST_FIXTURES_DIR).parent_path().parent_path() / "apps/configs" / name).string();
}

// A recording of class c: events on column 20 + 40c, so the classes differ where a model looks.
std::string recording(int c, int k) {
  data::EventStream ev;
  for (int i = 0; i < 30 + k; ++i)
    ev.push_raw(uint32_t(100 * i), uint8_t(20 + 40 * c), uint8_t((7 * i + k) % 128), uint8_t(i % 2));
  return data::encode_aedat(ev);
}

void write_dvs(const std::string& root, const std::vector<std::string>& classes) {
  for (size_t c = 0; c < classes.size(); ++c)
    for (int k = 0; k < kRecordingsPerClass; ++k)
      write_string(root + "/" + classes[c] + "/cifar10_" + classes[c] + "_" + std::to_string(k) + ".aedat",
                   recording(int(c), k));
}

// Two classes of 8 x 16 JPEG/PNG fixtures: 4 train images and 1 val image each.
void write_imagenet(const std::string& root) {
  const std::vector<std::string> images = {"img_rgb.JPEG", "img_gray.JPEG", "img_cmyk.JPEG", "img_png.JPEG"};
  for (const std::string wnid : {"n01440764", "n01443537"}) {
    for (size_t i = 0; i < images.size(); ++i)
      copy_fixture(images[i], root + "/train/" + wnid + "/" + wnid + "_" + std::to_string(i) + ".JPEG");
    copy_fixture("img_rgb.JPEG", root + "/val/" + wnid + "/ILSVRC2012_val_" + wnid + ".JPEG");
  }
}

Recipe shipped_recipe(const std::string& name, const std::vector<std::string>& overrides) {
  Recipe r = load_recipe(config(name));
  for (const std::string& o : overrides) apply_override(r, o);
  return r;
}

TrainOptions quiet(const std::string& out) {
  TrainOptions o;
  o.out_dir = out;
  o.progress = false;
  o.print_epochs = false;
  return o;
}

int run_eval(std::vector<std::string> args) {
  args.insert(args.begin(), "eval");
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  return apps::eval_main(static_cast<int>(argv.size()), argv.data());
}

data::Batch first_batch(const Recipe& r, data::Split split) {
  data::LoaderOptions lo;
  lo.batch_size = split == data::Split::Train ? r.batch_size : r.val_batch_size;
  lo.shuffle = split == data::Split::Train;
  lo.num_workers = 0;
  data::Loader loader(open_split(r, split), split == data::Split::Train ? train_pipeline(r) : eval_pipeline(r), lo);
  loader.start_epoch(0);
  std::optional<data::Batch> b = loader.next();
  REQUIRE(b.has_value());
  return std::move(*b);
}

void check_soft_targets(const data::Batch& b, int64_t classes) {
  REQUIRE(b.targets.shape() == Shape{b.labels.numel(), classes});
  const std::vector<float> t = b.targets.to_vector<float>();
  for (int64_t i = 0; i < b.labels.numel(); ++i) {
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k) sum += t[size_t(i * classes + k)];
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
  }
}

}  // namespace

TEST_CASE("cifar10-dvs: Spikformer's split read lazily from the frame cache; the shipped recipe trains and evals") {
  TempDir d("autost_train_dvs");
  const std::string root = d / "CIFAR10DVS", cache = d / "frames";
  write_dvs(root, {"airplane", "cat"});
  write_string(d / "tiny_dvs.yaml",
               "RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 16\n  MLP_RATIO: [4]\n  NUM_HEADS: [2]\nMODEL: spikformer\n"
               "VARIANT: dvs\n");
  const Recipe r = resolve_recipe(shipped_recipe(
      "cifar10dvs.yaml", {"root=" + root, "strict_data=false", "cache_dir=" + cache, "arch=" + (d / "tiny_dvs.yaml"),
                          "T=2", "epochs=1", "warmup_epochs=0", "cooldown_epochs=0", "batch_size=6",
                          "val_batch_size=2", "workers=1"}));
  CHECK(recipe_arch(r).img_size == 128);

  // The split: per class the first 9 recordings train, the 10th tests; samples are the reader's clips.
  data::Cifar10DvsOptions o;
  o.frames = 2;
  o.strict_counts = false;
  o.use_cache = false;
  const data::Cifar10Dvs reader(root, o);
  const auto train_set = open_split(r, data::Split::Train), test_set = open_split(r, data::Split::Test);
  CHECK(train_set->size() == 18);
  REQUIRE(test_set->size() == 2);
  for (int64_t i = 0; i < 2; ++i) {
    CHECK(test_set->label(i) == i);
    const data::Image clip = test_set->read(i);
    CHECK((clip.frames == 2 && clip.C == 4 && clip.H == 128 && clip.W == 128));
    CHECK(clip.px == reader.frames(10 * i + 9).to_vector<float>());
  }
  CHECK(fs::exists(cache + "/frames_number_2_split_by_number/cat/cifar10_cat_9.frames"));
  CHECK_FALSE(fs::exists(root + "/frames_number_2_split_by_number"));

  // Training batches: [B, T, 2, 128, 128] counts (never normalised, so never negative), soft targets.
  const data::Batch b = first_batch(r, data::Split::Train);
  CHECK(b.images.shape() == Shape{6, 2, 2, 128, 128});
  const std::vector<float> px = b.images.to_vector<float>();
  CHECK(*std::min_element(px.begin(), px.end()) >= 0.f);
  CHECK(*std::max_element(px.begin(), px.end()) > 0.f);
  check_soft_targets(b, 10);
  CHECK(first_batch(r, data::Split::Test).images.to_vector<float>() ==
        [&] {
          std::vector<float> both = reader.frames(9).to_vector<float>(), cat = reader.frames(19).to_vector<float>();
          both.insert(both.end(), cat.begin(), cat.end());
          return both;
        }());

  const std::string out = d / "run";
  const TrainResult res = train(r, quiet(out));
  CHECK(res.finished);
  CHECK(res.steps == 3);
  REQUIRE(RunFolder(out).read_metrics().size() == 1);

  const std::string npy = d / "logits.npy";
  REQUIRE(run_eval({"--arch", d / "tiny_dvs.yaml", "--checkpoint", RunFolder(out).best_path(), "--dataset",
                    "cifar10-dvs", "--root", root, "--T", "2", "--cache-dir", cache, "--loose", "--dump-logits",
                    npy}) == 0);
  const Tensor logits = read_npy(npy);
  CHECK(logits.dtype() == kFloat32);
  CHECK(logits.shape() == Shape{2, 10});

  // The full dataset is demanded unless strict_data is off.
  Recipe strict = r;
  strict.strict_data = true;
  CHECK_REJECTS([&] { open_split(strict, data::Split::Train); }, root, "expected 10");
}

TEST_CASE("imagenet: RandomResizedCrop, RandAugment, mixup/cutmix, normalised; eval resizes and centre-crops") {
  TempDir d("autost_train_imagenet");
  const std::string root = d / "imagenet";
  write_imagenet(root);
  write_string(d / "tiny_in.yaml",
               "RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 16\n  MLP_RATIO: [4]\n  NUM_HEADS: [2]\nMODEL: spikformer\n"
               "VARIANT: imagenet\n");
  const Recipe r = resolve_recipe(shipped_recipe(
      "imagenet.yaml", {"root=" + root, "strict_data=false", "arch=" + (d / "tiny_in.yaml"), "img_size=32", "T=1",
                        "epochs=1", "warmup_epochs=0", "cooldown_epochs=0", "batch_size=4", "val_batch_size=2",
                        "workers=1"}));
  CHECK(recipe_arch(r).img_size == 32);
  CHECK(recipe_arch(r).num_classes == 1000);

  const data::Batch b = first_batch(r, data::Split::Train);
  CHECK(b.images.shape() == Shape{4, 3, 32, 32});
  const std::vector<float> px = b.images.to_vector<float>();
  CHECK(*std::min_element(px.begin(), px.end()) < 0.f);  // normalised
  check_soft_targets(b, 1000);

  // Eval: the 8 x 16 image's shorter side to 32 (bicubic, PIL's), the centre 32 x 32, normalised.
  const data::ImageFolder val(root, data::Split::Test);
  const Tensor raw = val.decode(1);
  data::Image expect = data::image_from_uint8(raw.data<uint8_t>(), 3, 8, 16);
  expect = data::crop(data::resize_pil(expect, 32, 64, data::Interp::Bicubic), {0, 16, 32, 32});
  data::normalize(expect, {{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}});
  const data::Batch e = first_batch(r, data::Split::Test);
  REQUIRE(e.images.shape() == Shape{2, 3, 32, 32});
  const std::vector<float> got = e.images.to_vector<float>();
  CHECK(std::vector<float>(got.begin() + 3 * 32 * 32, got.end()) == expect.px);
  CHECK(e.labels.to_vector<int64_t>() == std::vector<int64_t>{0, 1});

  const std::string out = d / "run";
  const TrainResult res = train(r, quiet(out));
  CHECK(res.finished);
  CHECK(res.steps == 2);

  const std::string npy = d / "logits.npy";
  REQUIRE(run_eval({"--arch", d / "tiny_in.yaml", "--checkpoint", RunFolder(out).best_path(), "--dataset", "imagenet",
                    "--root", root, "--T", "1", "--img-size", "32", "--loose", "--dump-logits", npy}) == 0);
  const Tensor logits = read_npy(npy);
  CHECK(logits.dtype() == kFloat32);
  CHECK(logits.shape() == Shape{2, 1000});

  Recipe strict = r;
  strict.strict_data = true;
  CHECK_REJECTS([&] { open_split(strict, data::Split::Train); }, "train", "expected 1000");
  Recipe missing = r;
  missing.root = d / "nowhere";
  CHECK_REJECTS([&] { open_split(missing, data::Split::Train); }, d / "nowhere", "missing folder");
}

TEST_CASE("load_in_memory: the in-memory datasets by name; strict asks for CIFAR's official counts") {
  CHECK(loads_in_memory("fashion-mnist"));
  CHECK(loads_in_memory("mnist"));
  CHECK(loads_in_memory("cifar10"));
  CHECK(loads_in_memory("cifar100"));
  CHECK_FALSE(loads_in_memory("cifar10-dvs"));
  CHECK_FALSE(loads_in_memory("imagenet"));
  TempDir d("autost_load_in_memory");
  std::string records;
  for (uint8_t label : {3, 7}) records += std::string(1, char(label)) + std::string(3 * 32 * 32, char(label * 10));
  write_string(d / "test_batch.bin", records);
  const data::Dataset ds = load_in_memory("cifar10", d.path.string(), data::Split::Test, false);
  CHECK(ds.size() == 2);
  CHECK(ds.labels.to_vector<int64_t>() == std::vector<int64_t>{3, 7});
  CHECK_REJECTS([&] { load_in_memory("cifar10", d.path.string(), data::Split::Test, true); }, "test_batch.bin",
                "expected 10000");
  CHECK(error_of([&] { load_in_memory("imagenet", d.path.string(), data::Split::Test, false); })
            .find("not loaded into memory") != std::string::npos);
}

TEST_CASE("known_dataset: dataset_info with the asker's name before an unknown-name error") {
  CHECK(known_dataset("data check", "imagenet").num_classes == 1000);
  CHECK(known_dataset("data check", "fashion-mnist").default_root == dataset_info("fashion-mnist").default_root);
  CHECK(error_of([] { known_dataset("data check", "svhn"); }) ==
        "data check: unknown dataset 'svhn' (known: fashion-mnist, mnist, cifar10, cifar100, cifar10-dvs, imagenet)");
}
