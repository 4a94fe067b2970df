// The threaded loader: determinism across worker counts and runs, epoch orders, drop_last,
// sharding, batch tensors (images, clips, soft targets) and error propagation.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "data/loader.h"
#include "data/loader_throughput.h"
#include "data/transforms/crop.h"
#include "data/transforms/erasing.h"
#include "data/transforms/flip.h"
#include "data/transforms/mixup.h"
#include "data/transforms/normalize.h"

using namespace autost;
using namespace autost::data;

namespace {

// N uint8 images 1x3x3 whose pixels all equal the sample index (mod 256), labels i % 5.
std::shared_ptr<const SampleSource> indexed_source(int64_t n) {
  Dataset d;
  d.name = "indexed";
  d.images = empty({n, 1, 3, 3}, TensorOptions(kUInt8));
  d.labels = empty({n}, TensorOptions(kInt64));
  for (int64_t i = 0; i < n; ++i) {
    std::fill(d.images.data<uint8_t>() + i * 9, d.images.data<uint8_t>() + (i + 1) * 9, static_cast<uint8_t>(i % 256));
    d.labels.data<int64_t>()[i] = i % 5;
  }
  d.class_names = {"a", "b", "c", "d", "e"};
  return std::make_shared<DatasetSource>(std::move(d));
}

// A pipeline with randomness at every stage: flip and padded crop per sample, mixup per batch,
// normalisation and erasing after it.
Pipeline random_pipeline() {
  Pipeline p;
  p.sample = {random_hflip(0.5), random_crop(3, 3, 1, 0.f)};
  MixupOptions m;
  m.mixup_alpha = 0.5;
  m.num_classes = 5;
  p.batch = std::make_shared<Mixup>(m);
  RandomErasingOptions e;
  e.probability = 0.5;
  p.post = {normalize_transform({{0.5f}, {0.25f}}), random_erasing(e)};
  return p;
}

std::vector<Batch> run_epoch(Loader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> out;
  while (std::optional<Batch> b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void check_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].index == static_cast<int64_t>(i));
    CHECK(a[i].samples == b[i].samples);
    CHECK(a[i].images.shape() == b[i].images.shape());
    CHECK(a[i].images.to_vector<float>() == b[i].images.to_vector<float>());
    CHECK(a[i].labels.to_vector<int64_t>() == b[i].labels.to_vector<int64_t>());
    CHECK(a[i].targets.to_vector<float>() == b[i].targets.to_vector<float>());
  }
}

std::vector<int64_t> all_samples(const std::vector<Batch>& batches) {
  std::vector<int64_t> s;
  for (const Batch& b : batches) s.insert(s.end(), b.samples.begin(), b.samples.end());
  return s;
}

class FailingSource : public SampleSource {
 public:
  int64_t size() const override { return 10; }
  int64_t label(int64_t) const override { return 0; }
  int64_t num_classes() const override { return 1; }
  Image read(int64_t i) const override {
    AUTOST_CHECK(i != 7, "sample 7 of 'broken': truncated record");
    return Image(1, 2, 2, static_cast<float>(i));
  }
};

}  // namespace

TEST_CASE("loader: the same batches for 0, 1, 2 and 4 workers and for a second run with the same seed") {
  auto source = indexed_source(23);
  LoaderOptions o;
  o.batch_size = 4;
  o.seed = 42;
  o.prefetch_batches = 2;
  o.num_workers = 0;
  Loader reference(source, random_pipeline(), o);
  std::vector<Batch> expected = run_epoch(reference, 3);
  REQUIRE(expected.size() == 6);
  for (int workers : {1, 2, 4}) {
    CAPTURE(workers);
    o.num_workers = workers;
    Loader loader(source, random_pipeline(), o);
    check_same_batches(run_epoch(loader, 3), expected);
    check_same_batches(run_epoch(loader, 3), expected);  // a second run of the same epoch
  }
  // The batches really are random: another seed changes them.
  o.seed = 43;
  Loader other(source, random_pipeline(), o);
  std::vector<Batch> different = run_epoch(other, 3);
  CHECK(different[0].images.to_vector<float>() != expected[0].images.to_vector<float>());
}

TEST_CASE("loader: every sample once per epoch, another order next epoch, drop_last, no shuffle") {
  auto source = indexed_source(23);
  LoaderOptions o;
  o.batch_size = 5;
  o.num_workers = 2;
  o.seed = 7;
  Loader loader(source, Pipeline{}, o);
  CHECK(loader.num_batches() == 5);
  std::vector<Batch> e0 = run_epoch(loader, 0), e1 = run_epoch(loader, 1);
  std::vector<int64_t> s0 = all_samples(e0), s1 = all_samples(e1);
  CHECK(e0.back().samples.size() == 3);
  CHECK(s0 != s1);
  std::sort(s0.begin(), s0.end());
  std::sort(s1.begin(), s1.end());
  for (int64_t i = 0; i < 23; ++i) {
    CHECK(s0[i] == i);
    CHECK(s1[i] == i);
  }
  // Images and labels follow the samples (identity pipeline: float pixel = index).
  const Batch& b = e0[1];
  CHECK(b.images.shape() == Shape{5, 1, 3, 3});
  CHECK(b.images.dtype() == kFloat32);
  CHECK_FALSE(b.targets.defined());
  for (int64_t k = 0; k < 5; ++k) {
    CHECK(b.images.to_vector<float>()[k * 9 + 4] == static_cast<float>(b.samples[k]));
    CHECK(b.labels.to_vector<int64_t>()[k] == b.samples[k] % 5);
  }
  o.drop_last = true;
  Loader dropping(source, Pipeline{}, o);
  CHECK(dropping.num_batches() == 4);
  std::vector<int64_t> kept = all_samples(run_epoch(dropping, 0));
  CHECK(kept.size() == 20);
  CHECK(std::set<int64_t>(kept.begin(), kept.end()).size() == 20);
  o.shuffle = false;
  o.drop_last = false;
  Loader ordered(source, Pipeline{}, o);
  std::vector<int64_t> in_order = all_samples(run_epoch(ordered, 5));
  for (int64_t i = 0; i < 23; ++i) CHECK(in_order[i] == i);
}

TEST_CASE("loader: ranks see disjoint shards of each epoch's permutation (DistributedSampler)") {
  for (int64_t n : {24, 23}) {
    CAPTURE(n);
    auto source = indexed_source(n);
    std::vector<int64_t> seen;
    std::vector<int64_t> batch_counts;
    for (int rank = 0; rank < 3; ++rank) {
      LoaderOptions o;
      o.batch_size = 3;
      o.world_size = 3;
      o.rank = rank;
      o.seed = 1;
      o.num_workers = 1;
      Loader loader(source, Pipeline{}, o);
      std::vector<int64_t> mine = all_samples(run_epoch(loader, 2));
      CHECK(mine.size() == 8);  // ceil(n / 3)
      CHECK(mine == epoch_order(n, o, 2));
      batch_counts.push_back(loader.num_batches());
      seen.insert(seen.end(), mine.begin(), mine.end());
    }
    CHECK(batch_counts == std::vector<int64_t>{3, 3, 3});
    std::set<int64_t> distinct(seen.begin(), seen.end());
    CHECK(distinct.size() == static_cast<size_t>(n));  // together they cover the epoch
    CHECK(seen.size() - distinct.size() == static_cast<size_t>(24 - n));  // only the padding repeats
  }
  LoaderOptions bad;
  bad.world_size = 2;
  bad.rank = 2;
  CHECK_THROWS_WITH_AS(Loader(indexed_source(4), Pipeline{}, bad), doctest::Contains("rank 2 outside world of size 2"),
                       Error);
}

TEST_CASE("loader: soft targets from the batch transform, clips as [B, T, c, H, W]") {
  auto source = indexed_source(8);
  LoaderOptions o;
  o.batch_size = 4;
  o.num_workers = 2;
  Loader loader(source, random_pipeline(), o);
  std::vector<Batch> batches = run_epoch(loader, 0);
  for (const Batch& b : batches) {
    REQUIRE(b.targets.shape() == Shape{4, 5});
    std::vector<float> t = b.targets.to_vector<float>();
    for (int i = 0; i < 4; ++i) CHECK(t[i * 5] + t[i * 5 + 1] + t[i * 5 + 2] + t[i * 5 + 3] + t[i * 5 + 4] == doctest::Approx(1.0));
  }
  Dataset clips;
  clips.name = "clips";
  clips.images = zeros({6, 4, 2, 5, 5}, TensorOptions(kFloat32));
  clips.labels = zeros({6}, TensorOptions(kInt64));
  clips.class_names = {"x"};
  Loader clip_loader(std::make_shared<DatasetSource>(clips), Pipeline{{random_hflip(0.5)}, nullptr, {}}, o);
  std::vector<Batch> cb = run_epoch(clip_loader, 0);
  REQUIRE(cb.size() == 2);
  CHECK(cb[0].images.shape() == Shape{4, 4, 2, 5, 5});
  CHECK(cb[1].images.shape() == Shape{2, 4, 2, 5, 5});
}

TEST_CASE("loader: an error in a worker reaches the consumer with the same message") {
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    LoaderOptions o;
    o.batch_size = 3;
    o.shuffle = false;
    o.num_workers = workers;
    Loader loader(std::make_shared<FailingSource>(), Pipeline{}, o);
    loader.start_epoch(0);
    CHECK(loader.next()->samples == std::vector<int64_t>{0, 1, 2});
    CHECK(loader.next()->samples == std::vector<int64_t>{3, 4, 5});
    CHECK_THROWS_WITH_AS(loader.next(), "sample 7 of 'broken': truncated record", Error);
    CHECK(loader.next()->samples == std::vector<int64_t>{9});  // the epoch goes on after the bad batch
    CHECK_FALSE(loader.next().has_value());
  }
  // Samples of different sizes in one batch, and next() before start_epoch.
  class Ragged : public FailingSource {
    Image read(int64_t i) const override { return Image(1, 2 + static_cast<int>(i), 2); }
  };
  LoaderOptions o;
  o.batch_size = 2;
  o.num_workers = 1;
  Loader ragged(std::make_shared<Ragged>(), Pipeline{}, o);
  CHECK_THROWS_WITH_AS(ragged.next(), doctest::Contains("call start_epoch before next"), Error);
  ragged.start_epoch(0);
  CHECK_THROWS_WITH_AS(ragged.next(), doctest::Contains("add a crop or resize"), Error);
}

TEST_CASE("loader: restarting an epoch midway gives its batches again from the first") {
  auto source = indexed_source(40);
  LoaderOptions o;
  o.batch_size = 4;
  o.num_workers = 3;
  o.prefetch_batches = 3;
  Loader loader(source, random_pipeline(), o);
  loader.start_epoch(4);
  Batch first = *loader.next();
  loader.next();
  loader.start_epoch(4);  // abandons the batches in flight
  Batch again = *loader.next();
  CHECK(again.samples == first.samples);
  CHECK(again.images.to_vector<float>() == first.images.to_vector<float>());
}

TEST_CASE("measure_loader_throughput counts the batches and samples it drained") {
  LoaderOptions o;
  o.batch_size = 4;
  o.num_workers = 2;
  Loader loader(indexed_source(10), Pipeline{}, o);
  LoaderThroughput all = measure_loader_throughput(loader, 0);
  CHECK(all.batches == 3);
  CHECK(all.samples == 10);
  CHECK(all.seconds >= 0);
  LoaderThroughput two = measure_loader_throughput(loader, 1, 2);
  CHECK(two.batches == 2);
  CHECK(two.samples == 8);
}

TEST_CASE("loader: start_epoch(epoch, first_batch) continues with the batches a full epoch has there") {
  auto source = indexed_source(23);
  LoaderOptions o;
  o.batch_size = 4;
  o.seed = 11;
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    o.num_workers = workers;
    Loader loader(source, random_pipeline(), o);
    std::vector<Batch> full = run_epoch(loader, 2);
    loader.start_epoch(2, 4);
    std::vector<Batch> rest;
    while (auto b = loader.next()) rest.push_back(std::move(*b));
    REQUIRE(rest.size() == full.size() - 4);
    for (size_t i = 0; i < rest.size(); ++i) {
      CHECK(rest[i].index == full[i + 4].index);
      CHECK(rest[i].samples == full[i + 4].samples);
      CHECK(rest[i].images.to_vector<float>() == full[i + 4].images.to_vector<float>());
    }
    loader.start_epoch(2, loader.num_batches());  // a checkpoint at the epoch's very end
    CHECK_FALSE(loader.next().has_value());
    CHECK_THROWS_WITH_AS(loader.start_epoch(2, loader.num_batches() + 1), doctest::Contains("outside the epoch"),
                         autost::Error);
  }
}

TEST_CASE("RangeSource: samples begin .. begin + n - 1 of a source, renumbered, nothing outside them") {
  auto source = indexed_source(10);
  for (int64_t begin : {0, 3}) {
    RangeSource part(source, begin, 4);
    CHECK(part.size() == 4);
    CHECK(part.num_classes() == source->num_classes());
    for (int64_t i = 0; i < 4; ++i) {
      CHECK(part.label(i) == source->label(begin + i));
      CHECK(part.read(i).px == source->read(begin + i).px);
    }
    CHECK_THROWS_WITH_AS(part.read(4), doctest::Contains("sample 4 outside [0, 4)"), Error);
    CHECK_THROWS_WITH_AS(part.label(-1), doctest::Contains("sample -1 outside [0, 4)"), Error);
  }
  CHECK(RangeSource(source, 10, 0).size() == 0);
  CHECK_THROWS_WITH_AS(RangeSource(source, 0, 11), "range source: samples [0, 11) asked of a source of 10", Error);
  CHECK_THROWS_WITH_AS(RangeSource(source, 7, 4), "range source: samples [7, 11) asked of a source of 10", Error);
}
