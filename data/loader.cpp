#include "data/loader.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "tensor/error.h"

namespace autost::data {

namespace {

void check_options(const LoaderOptions& o) {
  AUTOST_CHECK(o.batch_size > 0, "loader: batch_size ", o.batch_size, " must be positive");
  AUTOST_CHECK(o.num_workers >= 0, "loader: num_workers ", o.num_workers, " must be >= 0");
  AUTOST_CHECK(o.prefetch_batches > 0, "loader: prefetch_batches ", o.prefetch_batches, " must be positive");
  AUTOST_CHECK(o.world_size >= 1 && o.rank >= 0 && o.rank < o.world_size, "loader: rank ", o.rank,
               " outside world of size ", o.world_size);
}

int64_t shard_size(int64_t n, int world_size) { return (n + world_size - 1) / world_size; }

}  // namespace

std::vector<int64_t> epoch_order(int64_t n, const LoaderOptions& o, int64_t epoch) {
  check_options(o);
  std::vector<int64_t> perm(n);
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  if (o.shuffle && n > 1) {
    Rng rng(o.seed, RngPurpose::Shuffle, static_cast<uint64_t>(epoch), 0);
    for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[rng.randint(0, i)]);
  }
  if (o.world_size == 1 || n == 0) return perm;
  const int64_t total = shard_size(n, o.world_size) * o.world_size;
  for (int64_t i = n; i < total; ++i) perm.push_back(perm[(i - n) % n]);
  std::vector<int64_t> mine;
  for (int64_t i = o.rank; i < total; i += o.world_size) mine.push_back(perm[i]);
  return mine;
}

int64_t batches_per_epoch(int64_t n, const LoaderOptions& o) {
  check_options(o);
  int64_t mine = o.world_size == 1 ? n : shard_size(n, o.world_size);
  return o.drop_last ? mine / o.batch_size : (mine + o.batch_size - 1) / o.batch_size;
}

Batch build_batch(const SampleSource& source, const Pipeline& pipeline, const std::vector<int64_t>& samples,
                  int64_t epoch, int64_t batch_index, const LoaderOptions& o) {
  AUTOST_CHECK(!samples.empty(), "loader: empty batch");
  const int64_t B = static_cast<int64_t>(samples.size());
  std::vector<Image> images;
  std::vector<int64_t> labels;
  images.reserve(B);
  for (int64_t s : samples) {
    Image img = source.read(s);
    Rng rng(o.seed, RngPurpose::Sample, static_cast<uint64_t>(epoch), static_cast<uint64_t>(s));
    for (const SampleTransform& t : pipeline.sample) t(img, rng);
    images.push_back(std::move(img));
    int64_t label = source.label(s);
    AUTOST_CHECK(label >= 0 && (source.num_classes() <= 0 || label < source.num_classes()), "loader: sample ", s,
                 " has label ", label, " outside [0, ", source.num_classes(), ")");
    labels.push_back(label);
  }
  for (int64_t i = 1; i < B; ++i)
    AUTOST_CHECK(images[i].C == images[0].C && images[i].H == images[0].H && images[i].W == images[0].W &&
                     images[i].frames == images[0].frames,
                 "loader: sample ", samples[i], " is ", images[i].C, "x", images[i].H, "x", images[i].W,
                 " after the transforms but sample ", samples[0], " is ", images[0].C, "x", images[0].H, "x",
                 images[0].W, " (add a crop or resize to the pipeline)");
  Batch batch;
  batch.epoch = epoch;
  batch.index = batch_index;
  batch.samples = samples;
  if (pipeline.batch) {
    std::vector<float> targets;
    Rng rng(o.seed, RngPurpose::Batch, static_cast<uint64_t>(epoch),
            static_cast<uint64_t>(batch_index) * o.world_size + o.rank);
    pipeline.batch->apply(images, labels, targets, epoch, rng);
    const int64_t K = pipeline.batch->num_classes();
    AUTOST_CHECK(static_cast<int64_t>(targets.size()) == B * K, "loader: batch transform wrote ", targets.size(),
                 " targets for ", B, " samples of ", K, " classes");
    batch.targets = empty({B, K}, TensorOptions(kFloat32));
    std::memcpy(batch.targets.data<float>(), targets.data(), targets.size() * sizeof(float));
  }
  for (int64_t i = 0; i < B; ++i) {
    Rng rng(o.seed, RngPurpose::PostBatch, static_cast<uint64_t>(epoch), static_cast<uint64_t>(samples[i]));
    for (const SampleTransform& t : pipeline.post) t(images[i], rng);
  }
  const Image& first = images[0];
  Shape shape = first.frames > 0 ? Shape{B, first.frames, first.C / first.frames, first.H, first.W}
                                 : Shape{B, first.C, first.H, first.W};
  batch.images = empty(shape, TensorOptions(kFloat32));
  float* dst = batch.images.data<float>();
  for (const Image& img : images) dst = std::copy(img.px.begin(), img.px.end(), dst);
  batch.labels = empty({B}, TensorOptions(kInt64));
  std::copy(labels.begin(), labels.end(), batch.labels.data<int64_t>());
  return batch;
}

Loader::Loader(std::shared_ptr<const SampleSource> source, Pipeline pipeline, LoaderOptions opts)
    : source_(std::move(source)), pipeline_(std::move(pipeline)), opts_(opts) {
  AUTOST_CHECK(source_ != nullptr, "loader: no sample source");
  check_options(opts_);
  num_batches_ = batches_per_epoch(source_->size(), opts_);
}

Loader::~Loader() { stop_workers(); }

void Loader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

Batch Loader::build(int64_t b) const {
  const int64_t begin = b * opts_.batch_size;
  const int64_t end = std::min<int64_t>(begin + opts_.batch_size, static_cast<int64_t>(order_.size()));
  std::vector<int64_t> samples(order_.begin() + begin, order_.begin() + end);
  return build_batch(*source_, pipeline_, samples, epoch_, b, opts_);
}

void Loader::start_epoch(int64_t epoch, int64_t first_batch) {
  AUTOST_CHECK(first_batch >= 0 && first_batch <= num_batches_, "loader: first batch ", first_batch,
               " outside the epoch's ", num_batches_, " batches");
  stop_workers();
  epoch_ = epoch;
  order_ = epoch_order(source_->size(), opts_, epoch);
  ready_.clear();
  next_claim_ = next_consume_ = first_batch;
  stop_ = false;
  for (int w = 0; w < opts_.num_workers; ++w) workers_.emplace_back([this] { worker_loop(); });
}

void Loader::worker_loop() {
  for (;;) {
    int64_t b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] {
        return stop_ || next_claim_ >= num_batches_ || next_claim_ - next_consume_ < opts_.prefetch_batches;
      });
      if (stop_ || next_claim_ >= num_batches_) return;
      b = next_claim_++;
    }
    Result r;
    try {
      r.batch = build(b);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_[b] = std::move(r);
    }
    ready_cv_.notify_all();
  }
}

std::optional<Batch> Loader::next() {
  AUTOST_CHECK(epoch_ >= 0, "loader: call start_epoch before next");
  if (next_consume_ >= num_batches_) return std::nullopt;
  Result r;
  if (opts_.num_workers == 0) {
    int64_t b = next_consume_++;
    return build(b);
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    ready_cv_.wait(lock, [&] { return ready_.count(next_consume_) > 0; });
    auto it = ready_.find(next_consume_);
    r = std::move(it->second);
    ready_.erase(it);
    ++next_consume_;
  }
  work_cv_.notify_all();
  if (!r.batch) throw Error(r.error);
  return std::move(r.batch);
}

}  // namespace autost::data
