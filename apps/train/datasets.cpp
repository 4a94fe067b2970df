#include "apps/train/datasets.h"

#include "data/cifar.h"
#include "data/lazy_sources.h"
#include "data/mnist.h"
#include "data/transforms/crop.h"
#include "data/transforms/dvs_augment.h"
#include "data/transforms/erasing.h"
#include "data/transforms/flip.h"
#include "data/transforms/mixup.h"
#include "data/transforms/normalize.h"
#include "data/transforms/rand_augment.h"
#include "data/transforms/resize.h"
#include "tensor/error.h"

namespace autost::apps::train {
namespace {

// Normalisation constants: DATA_FORMATS.md §1.5, §4.3 and timm's ImageNet defaults.
const std::vector<DatasetInfo>& catalog() {
  static const std::vector<DatasetInfo> c = {
      {"fashion-mnist", 1, 28, 10, false, {0.2860}, {0.3530}, data::kFashionMnistRoot},
      {"mnist", 1, 28, 10, false, {0.1307}, {0.3081}, ""},
      {"cifar10", 3, 32, 10, false, {0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}, ""},
      {"cifar100", 3, 32, 100, false, {0.5071, 0.4865, 0.4409}, {0.2673, 0.2564, 0.2762}, ""},
      {"cifar10-dvs", 2, 128, 10, true, {}, {}, ""},
      {"imagenet", 3, 224, 1000, false, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}, "", true},
  };
  return c;
}

std::shared_ptr<const data::SampleSource> open_source(const Recipe& r, data::Split split) {
  const std::string& n = r.dataset;
  if (loads_in_memory(n)) return std::make_shared<data::DatasetSource>(load_in_memory(n, r.root, split, r.strict_data));
  if (n == "cifar10-dvs") {
    data::Cifar10DvsOptions o;
    o.frames = r.T;
    o.split_by = data::FrameSplit::Number;
    o.cache_dir = r.cache_dir;
    o.strict_counts = r.strict_data;
    auto dvs = std::make_shared<const data::Cifar10Dvs>(r.root, o);
    data::TrainTestIndices s = dvs->spikformer_split();
    return std::make_shared<data::Cifar10DvsSource>(dvs, split == data::Split::Train ? s.train : s.test);
  }
  if (n == "imagenet") {
    data::ImageFolderOptions o;
    o.expected_classes = r.strict_data ? dataset_info(n).num_classes : 0;
    return std::make_shared<data::ImageFolderSource>(std::make_shared<const data::ImageFolder>(r.root, split, o));
  }
  AUTOST_FAIL("dataset ", n, " has no reader");
}

std::vector<float> floats(const std::vector<double>& v, size_t n) {
  std::vector<float> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<float>(v.size() == 1 ? v[0] : v[i]));
  return out;
}

void add_normalisation(const Recipe& r, const DatasetInfo& info, data::Pipeline& p) {
  if (info.clips) return;
  const size_t C = std::max(r.mean.size(), r.std.size());
  p.post.push_back(data::normalize_transform({floats(r.mean, C), floats(r.std, C)}));
}

}  // namespace

std::vector<std::string> dataset_names() {
  std::vector<std::string> v;
  for (const DatasetInfo& d : catalog()) v.push_back(d.name);
  return v;
}

const DatasetInfo& dataset_info(const std::string& name) {
  std::string known;
  for (const DatasetInfo& d : catalog()) {
    if (d.name == name) return d;
    known += (known.empty() ? "" : ", ") + d.name;
  }
  AUTOST_FAIL("unknown dataset '", name, "' (known: ", known, ")");
}

bool loads_in_memory(const std::string& name) {
  return name == "fashion-mnist" || name == "mnist" || name == "cifar10" || name == "cifar100";
}

data::Dataset load_in_memory(const std::string& name, const std::string& root, data::Split split, bool strict) {
  if (name == "fashion-mnist") return data::load_fashion_mnist(split, root);
  if (name == "mnist") return data::load_mnist(root, split);
  if (name == "cifar10") return data::load_cifar10(root, split, data::CifarOptions{strict});
  if (name == "cifar100") return data::load_cifar100(root, split, data::CifarOptions{strict});
  AUTOST_FAIL("dataset ", name, " is not loaded into memory");
}

const DatasetInfo& known_dataset(const std::string& what, const std::string& name) {
  try {
    return dataset_info(name);
  } catch (const Error& e) {
    AUTOST_FAIL(what, ": ", e.what());
  }
}

int64_t input_size(const Recipe& r) { return r.img_size > 0 ? r.img_size : dataset_info(r.dataset).img_size; }

std::shared_ptr<const data::SampleSource> open_split(const Recipe& r, data::Split split) {
  std::shared_ptr<const data::SampleSource> src = open_source(r, split);
  const int64_t classes = dataset_info(r.dataset).num_classes;
  AUTOST_CHECK(src->num_classes() <= classes, r.root, ": ", src->num_classes(), " classes, more than the ", classes,
               " of ", r.dataset);
  const int64_t subset = split == data::Split::Train ? r.train_subset : r.test_subset;
  if (subset > 0 && subset < src->size()) src = std::make_shared<data::RangeSource>(src, 0, subset);
  return src;
}

bool uses_mixing(const Recipe& r) { return r.mixup > 0 || r.cutmix > 0; }

data::Pipeline train_pipeline(const Recipe& r) {
  const DatasetInfo& info = dataset_info(r.dataset);
  data::Pipeline p;
  const int side = static_cast<int>(input_size(r));
  if (info.resized)  // Spikformer's imagenet.yml: scale (1, 1) with timm's ratio, bicubic (SPEC.md §4.4)
    p.sample.push_back(
        data::random_resized_crop(side, side, {1.0, 1.0}, {3.0 / 4.0, 4.0 / 3.0}, data::Interp::Bicubic));
  if (r.crop_padding > 0) p.sample.push_back(data::random_crop(side, side, static_cast<int>(r.crop_padding)));
  if (r.hflip) p.sample.push_back(data::random_hflip(0.5));
  if (r.aa == "snn-augment-wide") {
    p.sample.push_back(data::snn_augment_wide_transform());
  } else if (r.aa != "none") {
    data::RandAugmentParams params;
    params.fill = data::rand_augment_fill(floats(r.mean, r.mean.size()));
    p.sample.push_back(data::rand_augment_transform(
        r.aa, r.aa_ops == "timm" ? data::OpSet::Timm : data::OpSet::SpikformerCifar, params));
  }
  if (uses_mixing(r)) {
    data::MixupOptions m;
    m.mixup_alpha = r.mixup;
    m.cutmix_alpha = r.cutmix;
    m.prob = r.mixup_prob;
    m.switch_prob = r.mixup_switch_prob;
    m.label_smoothing = r.smoothing;
    m.num_classes = info.num_classes;
    if (r.mixup_off_epoch > 0) m.off_epoch = r.mixup_off_epoch;
    m.round_to_uint8 = !info.clips;  // timm's FastCollateMixup mixes the uint8 images
    p.batch = std::make_shared<data::Mixup>(m);
  }
  add_normalisation(r, info, p);
  if (r.reprob > 0) {
    data::RandomErasingOptions e;
    e.probability = r.reprob;
    p.post.push_back(data::random_erasing(e));
  }
  return p;
}

data::Pipeline eval_pipeline(const Recipe& r) {
  const DatasetInfo& info = dataset_info(r.dataset);
  data::Pipeline p;
  if (info.resized) {
    const int side = static_cast<int>(input_size(r));
    p.sample.push_back(data::resize_shorter_transform(side, data::Interp::Bicubic));
    p.sample.push_back(data::center_crop_transform(side, side));
  }
  add_normalisation(r, info, p);
  return p;
}

}  // namespace autost::apps::train
