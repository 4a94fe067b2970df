// CUDA against CPU for batch_norm (training and eval, running-stat updates), layer_norm, dropout
// masks, cat, index_select and gather, on awkward sizes (odd, not multiples of 256, channels with
// more elements than a block has threads).
#include "tests/harness.h"

using namespace autost;
using autost::test::check_cuda_matches_cpu;

namespace {

Tensor leaf(const Shape& s, uint64_t seed, DType dt = kFloat64, double lo = -1, double hi = 1) {
  return test::random_leaf(s, seed, dt, lo, hi);
}

Tensor constant(const Shape& s, uint64_t seed, DType dt = kFloat64, double lo = -1, double hi = 1) {
  Generator g(seed);
  return uniform(s, lo, hi, dt, &g);
}

Tensor idx(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, kInt64); }

Tensor random_index(const Shape& shape, int64_t bound, uint64_t seed) {
  Generator g(seed);
  std::vector<double> v = uniform(shape, 0, double(bound), kFloat64, &g).to_vector<double>();
  for (double& e : v) e = std::floor(e);
  return idx(v, shape);
}

}  // namespace

TEST_CASE("batch_norm_apply CUDA recomputes the CUDA training output bit for bit, and matches CPU") {
  for (DType dt : {kFloat64, kFloat32}) {
    for (Shape shape : {Shape{300, 3}, Shape{3, 5, 17, 19}}) {
      INFO("shape ", shape, " dtype ", dtype_name(dt));
      const int64_t c = shape[1];
      Tensor x = constant(shape, 1, dt, -2, 3), w = constant({c}, 2, dt, 0.5, 1.5), b = constant({c}, 3, dt);
      Tensor xg = x.to(Device::cuda()), wg = w.to(Device::cuda()), bg = b.to(Device::cuda());
      kernels::BatchNormResult r = kernels::batch_norm(xg, wg, bg, Tensor(), Tensor(), true, 0.1, 1e-5);
      Tensor y = kernels::batch_norm_apply(xg, wg, bg, r.save_mean, r.save_invstd);
      CHECK_CLOSE(y.cpu(), r.out.cpu(), 0, 0);
      CHECK_CLOSE(y.cpu(), kernels::batch_norm_apply(x, w, b, r.save_mean.cpu(), r.save_invstd.cpu()),
                  dt == kFloat64 ? 1e-12 : 1e-5, dt == kFloat64 ? 1e-12 : 1e-5);
    }
  }
}

TEST_CASE("batch_norm CUDA matches CPU: outputs and gradients, training and eval") {
  for (DType dt : {kFloat64, kFloat32}) {
    const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
    for (Shape shape : {Shape{300, 3}, Shape{5, 7, 37}, Shape{3, 5, 17, 19}}) {
      INFO("shape ", shape, " dtype ", dtype_name(dt));
      const int64_t c = shape[1];
      Tensor x = leaf(shape, 1, dt, -2, 3), w = leaf({c}, 2, dt, 0.5, 1.5), b = leaf({c}, 3, dt);
      Tensor rm = constant({c}, 4, dt), rv = constant({c}, 5, dt, 0.5, 2);
      for (bool training : {true, false}) {
        INFO("training ", training);
        check_cuda_matches_cpu(
            [training](const std::vector<Tensor>& in) {
              return batch_norm(in[0], in[1], in[2], in[3], in[4], training, 0.1, 1e-5);
            },
            {x, w, b, rm, rv}, tol, tol);
        check_cuda_matches_cpu(
            [training](const std::vector<Tensor>& in) {
              return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], training, 0.1, 1e-5);
            },
            {x, rm, rv}, tol, tol);
      }
    }
  }
}

TEST_CASE("batch_norm CUDA updates running statistics like CPU") {
  for (DType dt : {kFloat64, kFloat32}) {
    const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    Tensor x1 = constant({6, 4, 7, 9}, 11, dt, -1, 4), x2 = constant({6, 4, 7, 9}, 12, dt, -3, 1);
    Tensor rm_cpu = constant({4}, 13, dt), rv_cpu = constant({4}, 14, dt, 0.5, 2);
    Tensor rm_gpu = rm_cpu.to(Device::cuda()), rv_gpu = rv_cpu.to(Device::cuda());
    for (const Tensor& x : {x1, x2}) {
      Tensor y_cpu = batch_norm(x, Tensor(), Tensor(), rm_cpu, rv_cpu, true, 0.1, 1e-5);
      Tensor y_gpu = batch_norm(x.to(Device::cuda()), Tensor(), Tensor(), rm_gpu, rv_gpu, true, 0.1, 1e-5);
      CHECK_CLOSE(y_gpu.cpu(), y_cpu, tol * 10, tol * 10);
      CHECK_CLOSE(rm_gpu.cpu(), rm_cpu, tol, tol);
      CHECK_CLOSE(rv_gpu.cpu(), rv_cpu, tol, tol);
    }
    // Eval with the updated statistics.
    Tensor xe = constant({5, 4, 3}, 15, dt);
    CHECK_CLOSE(batch_norm(xe.to(Device::cuda()), Tensor(), Tensor(), rm_gpu, rv_gpu, false).cpu(),
                batch_norm(xe, Tensor(), Tensor(), rm_cpu, rv_cpu, false), tol * 10, tol * 10);
  }
}

TEST_CASE("layer_norm CUDA matches CPU") {
  for (DType dt : {kFloat64, kFloat32}) {
    const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
    INFO("dtype ", dtype_name(dt));
    Tensor x = leaf({3, 5, 333}, 21, dt, -2, 2);
    Tensor w = leaf({333}, 22, dt, 0.5, 1.5), b = leaf({333}, 23, dt);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return layer_norm(in[0], {333}, in[1], in[2]); },
                           {x, w, b}, tol, tol);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return layer_norm(in[0], {333}); }, {x}, tol, tol);
    // Many rows (more than one chunk of the weight-gradient reduction), 2 normalised dims.
    Tensor x2 = leaf({131, 3, 7}, 24, dt), w2 = leaf({3, 7}, 25, dt), b2 = leaf({3, 7}, 26, dt);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return layer_norm(in[0], {3, 7}, in[1], in[2]); },
                           {x2, w2, b2}, tol, tol);
    Tensor x3 = leaf({4, 1000}, 27, dt);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return layer_norm(in[0], {1000}, Tensor(), in[1]); },
                           {x3, leaf({1000}, 28, dt)}, tol, tol);
  }
}

TEST_CASE("dropout drops the same elements on CPU and CUDA for a seed") {
  for (DType dt : {kFloat64, kFloat32}) {
    INFO("dtype ", dtype_name(dt));
    Tensor x = constant({37, 1029}, 31, dt);
    for (double p : {0.0, 0.2, 0.5, 1.0}) {
      INFO("p = ", p);
      Generator gc(77), gg(77);
      gc.set_state(77, 12345);
      gg.set_state(77, 12345);
      auto [y_cpu, m_cpu] = kernels::dropout(x, p, &gc);
      auto [y_gpu, m_gpu] = kernels::dropout(x.to(Device::cuda()), p, &gg);
      CHECK(m_gpu.is_cuda());
      CHECK(m_gpu.cpu().to_vector<uint8_t>() == m_cpu.to_vector<uint8_t>());
      CHECK_CLOSE(y_gpu.cpu(), y_cpu, 0, 1e-6);
      CHECK(gc.offset() == gg.offset());
    }
  }
  Tensor x = leaf({13, 301}, 32);
  Generator g(5);
  check_cuda_matches_cpu(
      [&g](const std::vector<Tensor>& in) {
        g.set_state(5, 0);
        return dropout(in[0], 0.3, true, &g);
      },
      {x}, 1e-12, 1e-12);
}

TEST_CASE("cat and stack CUDA match CPU") {
  Tensor a = leaf({3, 5, 17}, 41), b = leaf({3, 1, 17}, 42), c = leaf({3, 259, 17}, 43);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return cat(in, 1); }, {a, b, c}, 0, 0);
  Tensor d = leaf({3, 5, 17}, 44);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return cat({in[0], in[1].transpose(0, 2)}, -1); },
                         {a, leaf({17, 5, 3}, 45)}, 0, 0);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return stack(in, 2); }, {a, d}, 0, 0);
}

TEST_CASE("index_select and gather CUDA match CPU, with repeated indices") {
  for (DType dt : {kFloat64, kFloat32}) {
    INFO("dtype ", dtype_name(dt));
    const double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    Tensor x = leaf({7, 33, 257}, 51, dt);
    for (int64_t dim = 0; dim < 3; ++dim) {
      INFO("dim ", dim);
      Tensor index = random_index({301}, x.size(dim), 52 + dim);  // many repeats
      check_cuda_matches_cpu(
          [&index, dim](const std::vector<Tensor>& in) { return index_select(in[0], dim, index.to(in[0].device())); },
          {x}, tol, tol);
      Shape is{5, 31, 200};
      is[dim] = 45;
      Tensor gi = random_index(is, x.size(dim), 60 + dim);
      check_cuda_matches_cpu(
          [&gi, dim](const std::vector<Tensor>& in) { return gather(in[0], dim, gi.to(in[0].device())); }, {x}, tol,
          tol);
    }
  }
  // Selection moves bytes: integer tensors work too.
  Tensor ints = idx({5, 6, 7, 8}, {2, 2});
  Tensor sel = index_select(ints.to(Device::cuda()), 1, idx({1, 1, 0}, {3}).to(Device::cuda()));
  CHECK(sel.cpu().to_vector<int64_t>() == std::vector<int64_t>{6, 6, 5, 8, 8, 7});
  // Out-of-range indices are caught on the device too.
  Tensor xg = constant({4, 5}, 70).to(Device::cuda());
  CHECK_THROWS_WITH_AS(index_select(xg, 1, idx({0, 5}, {2}).to(Device::cuda())),
                       doctest::Contains("index_select: index out of range"), Error);
  CHECK_THROWS_WITH_AS(gather(xg, 0, idx({-1}, {1, 1}).to(Device::cuda())),
                       doctest::Contains("gather: index out of range"), Error);
}
