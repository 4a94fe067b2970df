// Data-parallel pieces in one process: the single-process group, sync_batch_norm against
// batch_norm, the rank-statistics combination, and the module helpers. The multi-rank behaviour is
// tested under mpirun by tests/mpi/test_ddp_ranks.cpp.
#include <cmath>

#include "nn/distributed.h"
#include "tests/ddp_harness.h"

using namespace autost;
using namespace autost::nn;
using namespace autost::test;

TEST_CASE("a single-process group is rank 0 of 1 and its collectives leave their arguments as they are") {
  ProcessGroup pg;
  CHECK(pg.rank() == 0);
  CHECK(pg.world_size() == 1);
  CHECK(pg.local_rank() == 0);
  CHECK_FALSE(pg.is_distributed());
  Tensor t = t64({1, 2, 3, 4, 5, 6}, {2, 3});
  pg.allreduce_sum(t);
  CHECK_CLOSE(t, t64({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 0);
  pg.broadcast(t, 0);
  CHECK_CLOSE(t, t64({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 0);
  CHECK(pg.allgather({1.5, -2.0}) == std::vector<double>{1.5, -2.0});
  pg.barrier();
  CHECK(pg.collective_calls() == 0);
  // Not started by mpirun, so the world is this process alone, and an error path carries on.
  CHECK(ProcessGroup::world().world_size() == 1);
  CHECK(ProcessGroup::world().rank() == 0);
  ProcessGroup::abort_job_if_distributed(3);
  CHECK(ProcessGroup::world().collective_calls() == 0);
}

TEST_CASE("ProcessGroup argument errors are one line, in one process too") {
  ProcessGroup pg;
  CHECK_THROWS_WITH_AS(pg.allreduce_sum(zeros({2}, kBool)),
                       "ProcessGroup::allreduce_sum: dtype bool cannot be summed across ranks (shape [2])", Error);
  CHECK_THROWS_WITH_AS(pg.allreduce_sum(zeros({3}, kBFloat16)), doctest::Contains("dtype bfloat16 cannot be summed"),
                       Error);
  CHECK_THROWS_WITH_AS(pg.allreduce_sum(Tensor()), "ProcessGroup::allreduce_sum: undefined tensor", Error);
  CHECK_THROWS_WITH_AS(pg.broadcast(zeros({2}), 1), "ProcessGroup::broadcast: root 1 is not a rank of this group of 1",
                       Error);
  CHECK_THROWS_WITH_AS(pg.broadcast(Tensor(), 0), "ProcessGroup::broadcast: undefined tensor", Error);
}

TEST_CASE("allreduce_gradients in one process leaves every gradient as it was") {
  ProcessGroup pg;
  Tensor a = leaf64({3}, 1), b = leaf64({2, 2}, 2), frozen = rand64({2}, 3);
  a.set_grad(t64({1, 2, 3}, {3}));
  allreduce_gradients({a, b, frozen}, pg);
  CHECK_CLOSE(a.grad(), t64({1, 2, 3}, {3}), 0, 0);
  CHECK_FALSE(b.grad().defined());
  CHECK(pg.collective_calls() == 0);
  CHECK_THROWS_WITH_AS(allreduce_gradients({a, Tensor()}, pg), "allreduce_gradients: undefined parameter", Error);
}

TEST_CASE("combine_channel_stats: uneven and empty ranks combine to the whole batch's mean and M2") {
  // Values far from zero with a small spread: a sum-of-squares formula would lose the variance.
  const std::vector<std::vector<double>> parts = {
      {1e8 + 0.25, 1e8 + 0.5, 1e8 + 0.125}, {}, {1e8 + 0.75}, {1e8 + 0.375, 1e8 + 0.0625}};
  std::vector<double> records, whole;
  for (const auto& part : parts) {
    double mean = 0, m2 = 0;
    for (double v : part) mean += v / static_cast<double>(part.size());
    for (double v : part) m2 += (v - mean) * (v - mean);
    records.insert(records.end(), {static_cast<double>(part.size()), mean, m2});
    whole.insert(whole.end(), part.begin(), part.end());
  }
  double mean = 0, m2 = 0;
  for (double v : whole) mean += (v - 1e8) / static_cast<double>(whole.size());
  for (double v : whole) m2 += (v - 1e8 - mean) * (v - 1e8 - mean);
  ChannelStats s = combine_channel_stats(records, 4, 1);
  CHECK(s.count == 6);
  CHECK(s.mean[0] - 1e8 == doctest::Approx(mean).epsilon(1e-7));
  CHECK(s.m2[0] == doctest::Approx(m2).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(combine_channel_stats(records, 3, 1), doctest::Contains("do not hold 3 records of 1 channels"),
                       Error);
}

TEST_CASE("sync_batch_norm over one rank matches batch_norm: output, running statistics, gradients") {
  ProcessGroup pg;
  for (Shape shape : {Shape{6, 3}, Shape{4, 3, 5}, Shape{2, 3, 2, 3}}) {
    INFO("shape ", shape);
    Tensor x = rand64(shape, 10, -1.0, 3.0), w = rand64({3}, 11, 0.5, 1.5), b = rand64({3}, 12);
    Tensor out_weight = rand64(shape, 13);
    NormRun plain = run_norm(
        [](const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv) {
          return batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
        },
        x, w, b, out_weight);
    NormRun sync = run_norm(
        [&](const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm, const Tensor& rv) {
          return sync_batch_norm(x, w, b, rm, rv, 0.1, 1e-5, pg);
        },
        x, w, b, out_weight);
    CHECK_CLOSE(sync.out, plain.out, 1e-12, 1e-12);
    CHECK_CLOSE(sync.running_mean, plain.running_mean, 1e-12, 1e-12);
    CHECK_CLOSE(sync.running_var, plain.running_var, 1e-12, 1e-12);
    CHECK_CLOSE(sync.gx, plain.gx, 1e-12, 1e-12);
    CHECK_CLOSE(sync.gw, plain.gw, 1e-12, 1e-12);
    CHECK_CLOSE(sync.gb, plain.gb, 1e-12, 1e-12);
  }
}

TEST_CASE("sync_batch_norm gradients pass gradcheck, with and without affine parameters") {
  ProcessGroup pg;
  Tensor x = leaf64({4, 2, 3}, 20, -1.0, 2.0), w = leaf64({2}, 21, 0.5, 1.5), b = leaf64({2}, 22);
  auto affine = [&](const std::vector<Tensor>& in) {
    return sync_batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), 0.1, 1e-5, pg);
  };
  auto plain = [&](const std::vector<Tensor>& in) {
    return sync_batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 1e-5, pg);
  };
  CHECK_GRADCHECK(affine, (std::vector<Tensor>{x, w, b}));
  CHECK_GRADCHECK(plain, std::vector<Tensor>{x});
}

TEST_CASE("sync_batch_norm errors are one line") {
  ProcessGroup pg;
  CHECK_THROWS_WITH_AS(sync_batch_norm(zeros({1, 3}, kFloat64), Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 1e-5, pg),
                       "sync_batch_norm: expected more than 1 value per channel over all ranks when training, got 1 "
                       "(this rank's input [1, 3])",
                       Error);
  CHECK_THROWS_WITH_AS(sync_batch_norm(zeros({4}, kFloat64), Tensor(), Tensor(), Tensor(), Tensor(), 0.1, 1e-5, pg),
                       "sync_batch_norm: expected input [N, C, *] with at least 2 dims, got shape [4]", Error);
  CHECK_THROWS_WITH_AS(
      sync_batch_norm(zeros({4, 3}, kFloat64), Tensor(), Tensor(), zeros({3}, kFloat64), Tensor(), 0.1, 1e-5, pg),
      "sync_batch_norm: running_mean and running_var must be given together", Error);
}

TEST_CASE("convert_sync_batchnorm marks every BatchNorm, and in one process training is unchanged") {
  ProcessGroup pg;
  auto model = make_bn_mlp(5), twin = make_bn_mlp(5);
  model->push_back(std::make_shared<BatchNorm1d>(3, 1e-5, 0.1, true, true, kFloat64));
  twin->push_back(std::make_shared<BatchNorm1d>(3, 1e-5, 0.1, true, true, kFloat64));
  CHECK(convert_sync_batchnorm(*model, pg) == 2);
  CHECK(model->at<BatchNorm1d>(1)->sync_group() == &pg);
  CHECK(model->at<BatchNorm1d>(4)->sync_group() == &pg);
  CHECK(twin->at<BatchNorm1d>(1)->sync_group() == nullptr);
  Tensor x = rand64({8, 5}, 30);
  CHECK_CLOSE(model->forward(x), twin->forward(x), 0, 0);
  CHECK_CLOSE(model->at<BatchNorm1d>(1)->running_var, twin->at<BatchNorm1d>(1)->running_var, 0, 0);
}

TEST_CASE("broadcast_module in one process keeps the module and refreshes host copies of buffers") {
  ProcessGroup pg;
  auto model = make_bn_mlp(6);
  auto bn = model->at<BatchNorm1d>(1);
  NamedTensors before;
  for (const auto& [name, t] : model->state_dict()) before.emplace_back(name, t.clone());
  bn->num_batches_tracked.fill_(5);  // as if rank 0 had sent a count of 5
  broadcast_module(*model, pg);
  CHECK_CLOSE(model->at<Linear>(0)->weight, before[0].second, 0, 0);
  model->forward(rand64({4, 5}, 31));
  CHECK(bn->num_batches_tracked.item<int64_t>() == 6);
}
