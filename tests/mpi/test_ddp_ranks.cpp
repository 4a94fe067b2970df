// Data-parallel training across processes (nn/distributed.h), run by CTest as
// `mpirun -np 2 test_ddp_ranks` (any number of ranks >= 2 works; tests/mpi/mpi_main.cpp).
#include <memory>
#include <string>

#include "nn/distributed.h"
#include "nn/loss.h"
#include "nn/optim/adamw.h"
#include "nn/optim/sgd.h"
#include "tests/ddp_harness.h"

using namespace autost;
using namespace autost::nn;
using namespace autost::test;

namespace {

ProcessGroup& world() { return ProcessGroup::world(); }

std::string allreduce_of(int64_t n) { return "allreduce_sum(float64 [" + std::to_string(n) + "] on cpu)"; }

// ---- the training runs: float64 data, per-rank batch kPerRank, global batch kPerRank * ranks ----
constexpr int64_t kPerRank = 4, kSteps = 3;

struct Data {
  Tensor x, y;  // every step's global batch, one after another
};

Data make_data(int ranks) {
  const int64_t rows = kSteps * ranks * kPerRank;
  Generator g(77);
  std::vector<double> labels;
  for (int64_t i = 0; i < rows; ++i) labels.push_back(static_cast<double>((i * 7) % 3));
  return {uniform({rows, 5}, -1.0, 3.0, kFloat64, &g), from_vector(labels, {rows}, kInt64)};
}

Tensor global_batch(const Tensor& t, int64_t step, int ranks) {
  const int64_t g = kPerRank * ranks;
  return t.slice(0, step * g, (step + 1) * g);
}

// Rank r's share of a global batch: rows r, r + ranks, ... (a DistributedSampler-style stride).
Tensor shard(const Tensor& batch, int rank, int ranks) {
  return batch.slice(0, rank, batch.size(0), ranks).contiguous();
}

enum class Opt { SGD, AdamW };

std::unique_ptr<Optimizer> make_optimizer(Module& m, Opt which) {
  if (which == Opt::SGD) {
    SGDOptions o;
    o.lr = 0.1;
    o.momentum = 0.9;
    o.weight_decay = 1e-4;
    return std::make_unique<SGD>(m.parameters(), o);
  }
  AdamWOptions o;
  o.lr = 1e-2;
  o.weight_decay = 0.05;
  return std::make_unique<AdamW>(m.parameters(), o);
}

// Forward, cross-entropy (mean over the batch), backward; no optimizer step.
void backward_on(Module& m, const Tensor& x, const Tensor& y) {
  m.zero_grad();
  CrossEntropyLoss()(m.forward(x), y).backward();
}

void check_same_state(Module& actual, Module& expected, double tol) {
  NamedTensors a = actual.state_dict(), e = expected.state_dict();
  CHECK(a.size() == e.size());
  for (size_t i = 0; i < a.size() && i < e.size(); ++i) {
    INFO(a[i].first);
    CHECK(a[i].first == e[i].first);
    CHECK_CLOSE(a[i].second, e[i].second, tol, tol);
  }
}

std::vector<double> flat_parameters(Module& m) {
  std::vector<double> all;
  for (const Tensor& p : m.parameters()) {
    std::vector<double> v = p.to_vector<double>();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace

TEST_CASE("allreduce_sum and broadcast and allgather and barrier across ranks") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size();
  Tensor t = full({3}, r + 1.0, kFloat64);
  pg.allreduce_sum(t);
  CHECK_CLOSE(t, full({3}, w * (w + 1) / 2.0, kFloat64), 0, 0);
  Tensor counts = full({2}, r, kInt64);
  pg.allreduce_sum(counts);
  CHECK(counts.to_vector<int64_t>() == std::vector<int64_t>(2, w * (w - 1) / 2));
  // In place through a strided view: only the viewed column changes.
  Tensor base = zeros({2, 3}, kFloat64);
  Tensor column = base.select(1, 1);
  column.fill_(r + 1.0);
  pg.allreduce_sum(column);
  const double s = w * (w + 1) / 2.0;
  CHECK_CLOSE(base, t64({0, s, 0, 0, s, 0}, {2, 3}), 0, 0);

  Tensor b = full({2, 2}, r, kFloat32);
  pg.broadcast(b, w - 1);
  CHECK_CLOSE(b, full({2, 2}, w - 1.0, kFloat32), 0, 0);
  std::vector<double> expected;
  for (int q = 0; q < w; ++q) expected.insert(expected.end(), {1.0 * q, 10.0 * q});
  CHECK(pg.allgather({1.0 * r, 10.0 * r}) == expected);
  pg.barrier();
}

TEST_CASE("mismatched arguments across ranks are one error on every rank and the group stays usable") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size(), other = r == 0 ? 1 : 0;
  CHECK_THROWS_WITH_AS(pg.allreduce_sum(zeros({r + 1}, kFloat64)),
                       ("ProcessGroup::allreduce_sum: ranks disagree: rank " + std::to_string(r) + " called " +
                        allreduce_of(r + 1) + " but rank " + std::to_string(other) + " called " +
                        allreduce_of(other + 1))
                           .c_str(),
                       Error);
  CHECK_THROWS_WITH_AS(pg.broadcast(zeros({2}), r), doctest::Contains("ProcessGroup::broadcast: ranks disagree"),
                       Error);
  CHECK_THROWS_WITH_AS(pg.allgather(std::vector<double>(static_cast<size_t>(r) + 1, 0.0)),
                       doctest::Contains("ProcessGroup::allgather: ranks disagree"), Error);
  // Different collectives at the same point are caught too.
  auto different = [&] { r == 0 ? pg.barrier() : pg.allreduce_sum(ones({3}, kFloat64)); };
  const std::string expected =
      "but rank " + std::to_string(other) + " called " + (other == 0 ? "barrier()" : allreduce_of(3));
  CHECK_THROWS_WITH_AS(different(), doctest::Contains(expected.c_str()), Error);
  // Replicas of different models cannot be synchronised.
  auto model = make_bn_mlp(1);
  if (r == 0) model->push_back(std::make_shared<Linear>(3, 2, true, nullptr, kFloat64));
  CHECK_THROWS_WITH_AS(broadcast_module(*model, pg),
                       doctest::Contains(("'s module differs from rank " + std::to_string(r) + "'s (").c_str()), Error);

  Tensor t = ones({2}, kFloat64);
  pg.allreduce_sum(t);
  CHECK_CLOSE(t, full({2}, w, kFloat64), 0, 0);
}

TEST_CASE("allreduce_gradients averages over ranks with one collective per dtype and device") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size();
  auto leaf = [](const Shape& s, DType d) { return zeros(s, d).set_requires_grad(true); };
  Tensor a = leaf({3}, kFloat64), b = leaf({2, 2}, kFloat64), c = leaf({2}, kFloat32), none = leaf({1}, kFloat64);
  Tensor frozen = zeros({2}, kFloat64);
  a.set_grad(t64({1.0 * r, 2.0 * r, 1}, {3}));
  if (r == 1) b.set_grad(full({2, 2}, 4.0, kFloat64));  // the others count as zero
  c.set_grad(full({2}, r + 1.0, kFloat32));
  allreduce_gradients({a, b, c, none, frozen}, pg);
  CHECK_CLOSE(a.grad(), t64({(w - 1) / 2.0, w - 1.0, 1}, {3}), 1e-15, 0);
  CHECK_CLOSE(b.grad(), full({2, 2}, 4.0 / w, kFloat64), 1e-15, 0);
  CHECK_CLOSE(c.grad(), full({2}, (w + 1) / 2.0, kFloat32), 1e-6, 0);
  CHECK_FALSE(none.grad().defined());

  // One bucket per dtype and device, each one description exchange and one all-reduce.
  int64_t before = pg.collective_calls();
  allreduce_gradients({a, b, c, none, frozen}, pg);
  CHECK(pg.collective_calls() - before == 4);  // float64 and float32
  before = pg.collective_calls();
  allreduce_gradients({a, b}, pg);
  CHECK(pg.collective_calls() - before == 2);
}

TEST_CASE("broadcast_module gives every rank rank 0's parameters and buffers") {
  ProcessGroup& pg = world();
  const int r = pg.rank();
  auto model = make_bn_mlp(100 + static_cast<uint64_t>(r)), reference = make_bn_mlp(100);
  auto bn = model->at<BatchNorm1d>(1), ref_bn = reference->at<BatchNorm1d>(1);
  bn->running_mean.fill_(r);
  bn->num_batches_tracked.fill_(3 + r);
  ref_bn->num_batches_tracked.fill_(3);
  broadcast_module(*model, pg);
  check_same_state(*model, *reference, 0);
  model->forward(rand64({4, 5}, 1));  // counting continues from rank 0's count
  CHECK(bn->num_batches_tracked.item<int64_t>() == 4);
}

TEST_CASE("broadcast_buffers gives every rank rank 0's buffers and leaves the parameters alone") {
  ProcessGroup& pg = world();
  const int r = pg.rank();
  auto model = make_bn_mlp(200 + static_cast<uint64_t>(r)), own = make_bn_mlp(200 + static_cast<uint64_t>(r));
  auto bn = model->at<BatchNorm1d>(1);
  bn->running_var.fill_(1.0 + r);
  bn->num_batches_tracked.fill_(7 + r);
  broadcast_buffers(*model, pg);
  CHECK_CLOSE(bn->running_var, ones({6}, kFloat64), 0, 0);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 7);
  CHECK_CLOSE(model->at<Linear>(0)->weight, own->at<Linear>(0)->weight, 0, 0);
}

TEST_CASE("sync_batch_norm on uneven shards equals batch_norm on the whole batch") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size();
  const int64_t n = 8;
  Tensor x = rand64({n, 3, 4}, 40, -1.0, 5.0), weight = rand64({3}, 41, 0.5, 1.5), bias = rand64({3}, 42);
  Tensor out_weight = rand64({n, 3, 4}, 43);
  NormRun whole = run_norm(
      [](const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv) {
        return batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
      },
      x, weight, bias, out_weight);
  // Uneven shards (3 and 5 rows on 2 ranks), then one where rank 0 has no rows at all.
  auto uneven = [&](int q) -> int64_t { return q == 0 ? 0 : q == w ? n : n * q / w - 1; };
  auto empty_first = [&](int q) -> int64_t { return q <= 1 ? 0 : q == w ? n : n * (q - 1) / (w - 1); };
  for (auto bound : {std::function<int64_t(int)>(uneven), std::function<int64_t(int)>(empty_first)}) {
    const int64_t begin = bound(r), end = bound(r + 1);
    INFO("rows ", begin, " to ", end);
    NormRun mine = run_norm(
        [&](const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv) {
          return sync_batch_norm(x, w, b, rm, rv, 0.1, 1e-5, pg);
        },
        x.slice(0, begin, end).contiguous(), weight, bias, out_weight.slice(0, begin, end));
    CHECK_CLOSE(mine.out, whole.out.slice(0, begin, end), 1e-12, 1e-12);
    CHECK_CLOSE(mine.gx, whole.gx.slice(0, begin, end), 1e-12, 1e-12);
    CHECK_CLOSE(mine.running_mean, whole.running_mean, 1e-12, 1e-12);
    CHECK_CLOSE(mine.running_var, whole.running_var, 1e-12, 1e-12);
    // The affine gradients are each rank's own sums; their sum over ranks is the whole batch's.
    pg.allreduce_sum(mine.gw);
    pg.allreduce_sum(mine.gb);
    CHECK_CLOSE(mine.gw, whole.gw, 1e-12, 1e-12);
    CHECK_CLOSE(mine.gb, whole.gb, 1e-12, 1e-12);
  }
}

TEST_CASE("DDP with SyncBatchNorm trains like one process on the global batch (SGD and AdamW)") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size();
  const Data data = make_data(w);
  for (Opt which : {Opt::SGD, Opt::AdamW}) {
    INFO(std::string(which == Opt::SGD ? "SGD" : "AdamW"));
    auto reference = make_bn_mlp(1000);
    auto model = make_bn_mlp(1000 + static_cast<uint64_t>(r));  // replicas differ until the broadcast
    broadcast_module(*model, pg);
    CHECK(convert_sync_batchnorm(*model, pg) == 1);
    auto ref_opt = make_optimizer(*reference, which), opt = make_optimizer(*model, which);
    for (int64_t step = 0; step < kSteps; ++step) {
      Tensor x = global_batch(data.x, step, w), y = global_batch(data.y, step, w);
      backward_on(*reference, x, y);
      ref_opt->step();
      backward_on(*model, shard(x, r, w), shard(y, r, w));
      allreduce_gradients(model->parameters(), pg);
      opt->step();
    }
    check_same_state(*model, *reference, 1e-12);
    model->eval();
    reference->eval();
    CHECK_CLOSE(model->forward(data.x), reference->forward(data.x), 1e-12, 1e-12);
  }
}

TEST_CASE("DDP without SyncBatchNorm: rank r is replica r of averaged-gradient training with its own statistics") {
  ProcessGroup& pg = world();
  const int r = pg.rank(), w = pg.world_size();
  const Data data = make_data(w);
  // The one-process simulation: w replicas, each on its shard, stepping with the averaged gradient.
  std::vector<std::shared_ptr<Sequential>> replicas;
  std::vector<std::unique_ptr<Optimizer>> replica_opts;
  for (int q = 0; q < w; ++q) {
    replicas.push_back(make_bn_mlp(1000));
    replica_opts.push_back(make_optimizer(*replicas.back(), Opt::AdamW));
  }
  auto model = make_bn_mlp(1000 + static_cast<uint64_t>(r));
  broadcast_module(*model, pg);
  auto opt = make_optimizer(*model, Opt::AdamW);
  for (int64_t step = 0; step < kSteps; ++step) {
    Tensor x = global_batch(data.x, step, w), y = global_batch(data.y, step, w);
    for (int q = 0; q < w; ++q) backward_on(*replicas[static_cast<size_t>(q)], shard(x, q, w), shard(y, q, w));
    const size_t num_params = replicas[0]->parameters().size();
    for (size_t i = 0; i < num_params; ++i) {
      Tensor total = replicas[0]->parameters()[i].grad();
      for (int q = 1; q < w; ++q) total = add(total, replicas[static_cast<size_t>(q)]->parameters()[i].grad());
      for (auto& replica : replicas) replica->parameters()[i].set_grad(div(total, w));
    }
    for (auto& o : replica_opts) o->step();
    backward_on(*model, shard(x, r, w), shard(y, r, w));
    allreduce_gradients(model->parameters(), pg);
    opt->step();
  }
  check_same_state(*model, *replicas[static_cast<size_t>(r)], 1e-12);
  // Every rank holds the same parameters, bit for bit ...
  std::vector<double> params = flat_parameters(*model), all = pg.allgather(params);
  for (int q = 0; q < w; ++q)
    CHECK(std::equal(params.begin(), params.end(), all.begin() + static_cast<std::ptrdiff_t>(q * params.size())));
  // ... but each rank's BatchNorm statistics come from its own shard, so they differ across ranks.
  std::vector<double> mean = model->at<BatchNorm1d>(1)->running_mean.to_vector<double>();
  std::vector<double> means = pg.allgather(mean);
  double spread = 0;
  for (size_t c = 0; c < mean.size(); ++c) spread = std::max(spread, std::abs(means[c] - means[mean.size() + c]));
  CHECK(spread > 1e-3);
}
