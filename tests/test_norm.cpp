// Batch and layer normalisation: values against naive loops, torch's running-stat update, golden
// PyTorch fixtures, gradients by finite differences in training and eval mode, and errors.
#include <cmath>
#include <string>

#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::rand64;
using autost::test::leaf64;
using autost::test::t64;

namespace {

struct NaiveBN {
  Tensor out, mean, var_biased, var_unbiased;
};

// x [N, C, *] in float64 loops; w/b undefined mean 1/0; stats given (eval) or computed (training).
NaiveBN naive_batch_norm(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& stat_mean,
                         const Tensor& stat_var, double eps) {
  const int64_t n = x.size(0), c = x.size(1), s = x.numel() / std::max<int64_t>(n * c, 1);
  std::vector<double> xv = x.to_vector<double>(), out(xv.size());
  std::vector<double> mean(c), vb(c), vu(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < s; ++j) sum += xv[(i * c + ch) * s + j];
    mean[ch] = sum / double(n * s);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < s; ++j) sq += std::pow(xv[(i * c + ch) * s + j] - mean[ch], 2);
    vb[ch] = sq / double(n * s);
    vu[ch] = sq / double(n * s - 1);
  }
  std::vector<double> um = stat_mean.defined() ? stat_mean.to_vector<double>() : mean;
  std::vector<double> uv = stat_var.defined() ? stat_var.to_vector<double>() : vb;
  std::vector<double> wv = w.defined() ? w.to_vector<double>() : std::vector<double>(c, 1.0);
  std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(c, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t j = 0; j < s; ++j) {
        int64_t e = (i * c + ch) * s + j;
        out[e] = (xv[e] - um[ch]) / std::sqrt(uv[ch] + eps) * wv[ch] + bv[ch];
      }
  return {t64(out, x.shape()), t64(mean, {c}), t64(vb, {c}), t64(vu, {c})};
}

// Normalises over the trailing `k` dims.
Tensor naive_layer_norm(const Tensor& x, int64_t k, const Tensor& w, const Tensor& b, double eps) {
  int64_t d = 1;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) d *= x.size(i);
  std::vector<double> xv = x.to_vector<double>(), out(xv.size());
  std::vector<double> wv = w.defined() ? w.to_vector<double>() : std::vector<double>(d, 1.0);
  std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(d, 0.0);
  for (size_t r = 0; r < xv.size() / d; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < d; ++i) mean += xv[r * d + i] / double(d);
    for (int64_t i = 0; i < d; ++i) var += std::pow(xv[r * d + i] - mean, 2) / double(d);
    for (int64_t i = 0; i < d; ++i) out[r * d + i] = (xv[r * d + i] - mean) / std::sqrt(var + eps) * wv[i] + bv[i];
  }
  return t64(out, x.shape());
}

Tensor fixture(const std::string& name) {
  return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/batch_norm/" + name + ".npy");
}

}  // namespace

TEST_CASE("batch_norm training: batch statistics and torch's running-stat update") {
  for (Shape shape : {Shape{7, 3}, Shape{4, 3, 5}, Shape{2, 3, 4, 5}}) {
    INFO("shape ", shape);
    Tensor x = rand64(shape, 1, -2, 3);
    Tensor w = rand64({3}, 2, 0.5, 1.5), b = rand64({3}, 3);
    Tensor rm = rand64({3}, 4), rv = rand64({3}, 5, 0.5, 2);
    NaiveBN ref = naive_batch_norm(x, w, b, Tensor(), Tensor(), 1e-5);
    Tensor rm_expect = add(mul(rm, 0.9), mul(ref.mean, 0.1));
    Tensor rv_expect = add(mul(rv, 0.9), mul(ref.var_unbiased, 0.1));
    Tensor rm32 = rm.to(kFloat32), rv32 = rv.to(kFloat32);

    Tensor y = batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
    CHECK_CLOSE(y, ref.out, 1e-12, 1e-10);
    CHECK_CLOSE(rm, rm_expect, 1e-14, 1e-12);
    CHECK_CLOSE(rv, rv_expect, 1e-14, 1e-12);

    Tensor y32 = batch_norm(x.to(kFloat32), w.to(kFloat32), b.to(kFloat32), rm32, rv32, true, 0.1, 1e-5);
    CHECK(y32.dtype() == kFloat32);
    CHECK_CLOSE(y32, ref.out, 1e-5, 1e-5);
    CHECK_CLOSE(rm32, rm_expect, 1e-6, 1e-5);
    CHECK_CLOSE(rv32, rv_expect, 1e-6, 1e-5);
  }
}

TEST_CASE("batch_norm kernel returns the statistics it used") {
  Tensor x = rand64({5, 4, 3}, 6);
  NaiveBN ref = naive_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), 1e-3);
  kernels::BatchNormResult r = kernels::batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-3);
  CHECK_CLOSE(r.save_mean, ref.mean, 1e-14, 1e-12);
  CHECK_CLOSE(r.save_invstd, rsqrt(add(ref.var_biased, 1e-3)), 1e-12, 1e-12);
  Tensor rm = rand64({4}, 7), rv = rand64({4}, 8, 0.5, 2);
  kernels::BatchNormResult e = kernels::batch_norm(x, Tensor(), Tensor(), rm, rv, false, 0.1, 1e-3);
  CHECK_CLOSE(e.save_mean, rm, 0, 0);
  CHECK_CLOSE(e.save_invstd, rsqrt(add(rv, 1e-3)), 1e-12, 1e-12);
}

TEST_CASE("batch_norm_apply recomputes the training output bit for bit") {
  // Token layout [rows, C] (its own code path) and [N, C, S]; with and without affine; both dtypes.
  for (DType dt : {kFloat32, kFloat64}) {
    for (const Shape& shape : {Shape{37, 5}, Shape{4, 3, 7}}) {
      for (bool affine : {true, false}) {
        CAPTURE(dtype_name(dt));
        CAPTURE(shape.size());
        CAPTURE(affine);
        Tensor x = rand64(shape, 11, -3, 5).to(dt);
        Tensor w = affine ? rand64({shape[1]}, 12, 0.5, 2).to(dt) : Tensor();
        Tensor b = affine ? rand64({shape[1]}, 13).to(dt) : Tensor();
        kernels::BatchNormResult r = kernels::batch_norm(x, w, b, Tensor(), Tensor(), true, 0.1, 1e-5);
        CHECK_CLOSE(kernels::batch_norm_apply(x, w, b, r.save_mean, r.save_invstd), r.out, 0, 0);
      }
    }
  }
  CHECK_THROWS_WITH_AS(kernels::batch_norm_apply(rand64({4, 3}, 1), Tensor(), Tensor(), Tensor(), Tensor()),
                       "batch_norm_apply: save_mean and save_invstd are required", Error);
}

TEST_CASE("batch_norm eval uses the running statistics and leaves them unchanged") {
  for (Shape shape : {Shape{7, 3}, Shape{4, 3, 5}, Shape{2, 3, 4, 5}}) {
    INFO("shape ", shape);
    Tensor x = rand64(shape, 11, -2, 3);
    Tensor w = rand64({3}, 12), b = rand64({3}, 13);
    Tensor rm = rand64({3}, 14), rv = rand64({3}, 15, 0.5, 2);
    std::vector<double> rm0 = rm.to_vector<double>(), rv0 = rv.to_vector<double>();
    Tensor y = batch_norm(x, w, b, rm, rv, false, 0.1, 1e-5);
    CHECK_CLOSE(y, naive_batch_norm(x, w, b, rm, rv, 1e-5).out, 1e-12, 1e-10);
    CHECK(rm.to_vector<double>() == rm0);
    CHECK(rv.to_vector<double>() == rv0);
  }
}

TEST_CASE("batch_norm without affine parameters or running statistics") {
  Tensor x = rand64({6, 2, 7}, 21);
  Tensor y = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  CHECK_CLOSE(y, naive_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), 1e-5).out, 1e-12, 1e-10);
  // Weight only, bias only.
  Tensor w = rand64({2}, 22), b = rand64({2}, 23);
  CHECK_CLOSE(batch_norm(x, w, Tensor(), Tensor(), Tensor(), true),
              naive_batch_norm(x, w, Tensor(), Tensor(), Tensor(), 1e-5).out, 1e-12, 1e-10);
  CHECK_CLOSE(batch_norm(x, Tensor(), b, Tensor(), Tensor(), true),
              naive_batch_norm(x, Tensor(), b, Tensor(), Tensor(), 1e-5).out, 1e-12, 1e-10);
}

TEST_CASE("batch_norm float32 statistics stay accurate for a large mean") {
  // A one-pass E[x^2] - E[x]^2 in float32 loses every digit of this variance (ulp(1e4) ~ 1e-3 >>
  // var ~ 3e-5). What remains is rounding the mean to float32: ~4e-6 * invstd ~ 7e-4.
  Tensor noise = rand64({64, 2, 33}, 31, -0.01, 0.01);
  Tensor x = add(noise, 100.0);
  Tensor y32 = batch_norm(x.to(kFloat32), Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-8);
  NaiveBN ref = naive_batch_norm(x.to(kFloat32).to(kFloat64), Tensor(), Tensor(), Tensor(), Tensor(), 1e-8);
  CHECK_CLOSE(y32, ref.out, 2e-3, 1e-3);
}

TEST_CASE("batch_norm strided input and strided running stats") {
  Tensor base = rand64({3, 5, 4}, 41);
  Tensor x = base.permute({1, 0, 2});  // [5, 3, 4], not contiguous
  Tensor stats = rand64({3, 2}, 42, 0.5, 1.5);
  Tensor rm = stats.select(1, 0), rv = stats.select(1, 1);  // stride 2
  REQUIRE(!rm.is_contiguous());
  Tensor rm_c = rm.contiguous(), rv_c = rv.contiguous();
  Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.25, 1e-5);
  Tensor y_ref = batch_norm(x.contiguous(), Tensor(), Tensor(), rm_c, rv_c, true, 0.25, 1e-5);
  CHECK_CLOSE(y, y_ref, 0, 0);
  CHECK_CLOSE(rm, rm_c, 0, 0);
  CHECK_CLOSE(rv, rv_c, 0, 0);
}

TEST_CASE("batch_norm gradients (gradcheck) in training and eval") {
  for (Shape shape : {Shape{5, 3}, Shape{3, 3, 4}, Shape{2, 3, 3, 2}}) {
    INFO("shape ", shape);
    Tensor x = leaf64(shape, 51, -2, 2), w = leaf64({3}, 52, 0.5, 1.5), b = leaf64({3}, 53);
    Tensor rm = rand64({3}, 54), rv = rand64({3}, 55, 0.5, 2);
    for (bool training : {true, false}) {
      INFO("training ", training);
      CHECK_GRADCHECK(
          [&](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], rm, rv, training, 0.1, 1e-5); },
          (std::vector<Tensor>{x, w, b}));
      CHECK_GRADCHECK(  // affine=False
          [&](const std::vector<Tensor>& in) {
            return batch_norm(in[0], Tensor(), Tensor(), rm, rv, training, 0.1, 1e-5);
          },
          std::vector<Tensor>{x});
    }
    CHECK_GRADCHECK(  // training without running statistics
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], in[1], Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
        },
        (std::vector<Tensor>{x, w}));
  }
}

TEST_CASE("batch_norm backward returns no gradient for running statistics") {
  Tensor x = leaf64({4, 2}, 61);
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  sum(batch_norm(x, Tensor(), Tensor(), rm, rv, true)).backward();
  CHECK(x.grad().defined());
  CHECK(!rm.grad().defined());
  // The sum of a normalised channel is constant, so its gradient is ~0.
  CHECK_CLOSE(x.grad(), zeros({4, 2}, kFloat64), 1e-9, 0);
}

TEST_CASE("batch_norm matches PyTorch (BatchNorm2d, two training steps, eval, gradients)") {
  Tensor w = fixture("weight"), b = fixture("bias");
  Tensor rm = fixture("running_mean0").clone(), rv = fixture("running_var0").clone();
  for (int step = 1; step <= 2; ++step) {
    INFO("step ", step);
    std::string k = std::to_string(step);
    Tensor y = batch_norm(fixture("x" + k), w, b, rm, rv, true, 0.1, 1e-5);
    CHECK_CLOSE(y, fixture("out" + k), 1e-10, 1e-9);
    CHECK_CLOSE(rm, fixture("running_mean" + k), 1e-12, 1e-10);
    CHECK_CLOSE(rv, fixture("running_var" + k), 1e-12, 1e-10);
  }
  CHECK_CLOSE(batch_norm(fixture("x_eval"), w, b, rm, rv, false, 0.1, 1e-5), fixture("out_eval"), 1e-10, 1e-9);

  Tensor x = fixture("x1").clone().set_requires_grad(true);
  Tensor wl = w.clone().set_requires_grad(true), bl = b.clone().set_requires_grad(true);
  Tensor rm2 = fixture("running_mean0").clone(), rv2 = fixture("running_var0").clone();
  Tensor y = batch_norm(x, wl, bl, rm2, rv2, true, 0.1, 1e-5);
  sum(mul(y, fixture("grad_out"))).backward();
  CHECK_CLOSE(x.grad(), fixture("grad_x"), 1e-10, 1e-8);
  CHECK_CLOSE(wl.grad(), fixture("grad_weight"), 1e-10, 1e-9);
  CHECK_CLOSE(bl.grad(), fixture("grad_bias"), 1e-10, 1e-9);
}

TEST_CASE("batch_norm errors name the op and the shapes") {
  Tensor x = rand64({4, 3, 2}, 71);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                       doctest::Contains("batch_norm: eval mode needs running statistics"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, rand64({4}, 1), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("batch_norm: weight has shape [4], expected [3]"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(rand64({1, 3}, 1), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("more than 1 value per channel"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(rand64({5}, 1), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("batch_norm: expected input [N, C, *]"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}, kFloat64), Tensor(), true),
                       doctest::Contains("batch_norm: running_mean and running_var"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}, kFloat32), ones({3}, kFloat32), true),
                       doctest::Contains("batch_norm: running_mean dtype float32"), Error);
}

TEST_CASE("layer_norm matches a naive reference") {
  Tensor x = rand64({3, 4, 5}, 81, -2, 3);
  Tensor w1 = rand64({5}, 82), b1 = rand64({5}, 83);
  CHECK_CLOSE(layer_norm(x, {5}, w1, b1), naive_layer_norm(x, 1, w1, b1, 1e-5), 1e-12, 1e-10);
  CHECK_CLOSE(layer_norm(x, {5}), naive_layer_norm(x, 1, Tensor(), Tensor(), 1e-5), 1e-12, 1e-10);
  Tensor w2 = rand64({4, 5}, 84), b2 = rand64({4, 5}, 85);
  CHECK_CLOSE(layer_norm(x, {4, 5}, w2, b2, 1e-3), naive_layer_norm(x, 2, w2, b2, 1e-3), 1e-12, 1e-10);
  CHECK_CLOSE(layer_norm(x, {3, 4, 5}, Tensor(), Tensor()), naive_layer_norm(x, 3, Tensor(), Tensor(), 1e-5), 1e-12,
              1e-10);
  CHECK_CLOSE(layer_norm(x.to(kFloat32), {5}, w1.to(kFloat32), b1.to(kFloat32)), naive_layer_norm(x, 1, w1, b1, 1e-5),
              1e-5, 1e-5);
  // Strided input.
  Tensor xt = x.transpose(0, 2);  // [5, 4, 3]
  Tensor w3 = rand64({3}, 86);
  CHECK_CLOSE(layer_norm(xt, {3}, w3), naive_layer_norm(xt.contiguous(), 1, w3, Tensor(), 1e-5), 1e-12, 1e-10);
  // A wide row (more than one column chunk in the weight-gradient pass).
  Tensor wide = rand64({3, 700}, 87);
  CHECK_CLOSE(layer_norm(wide, {700}), naive_layer_norm(wide, 1, Tensor(), Tensor(), 1e-5), 1e-12, 1e-10);
}

TEST_CASE("layer_norm kernel returns per-row mean and rstd") {
  Tensor x = rand64({2, 3, 4}, 91);
  kernels::LayerNormResult r = kernels::layer_norm(x, 1, Tensor(), Tensor(), 1e-5);
  CHECK(r.mean.shape() == Shape{2, 3, 1});
  std::vector<double> xv = x.to_vector<double>(), mu(6), rs(6);
  for (int r6 = 0; r6 < 6; ++r6) {
    double m = 0, v = 0;
    for (int i = 0; i < 4; ++i) m += xv[r6 * 4 + i] / 4;
    for (int i = 0; i < 4; ++i) v += std::pow(xv[r6 * 4 + i] - m, 2) / 4;
    mu[r6] = m;
    rs[r6] = 1 / std::sqrt(v + 1e-5);
  }
  CHECK_CLOSE(r.mean, t64(mu, {2, 3, 1}), 1e-14, 1e-12);
  CHECK_CLOSE(r.rstd, t64(rs, {2, 3, 1}), 1e-12, 1e-12);
}

TEST_CASE("layer_norm gradients (gradcheck)") {
  Tensor x = leaf64({3, 2, 5}, 101, -2, 2);
  Tensor w1 = leaf64({5}, 102, 0.5, 1.5), b1 = leaf64({5}, 103);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return layer_norm(in[0], {5}, in[1], in[2]); },
                  (std::vector<Tensor>{x, w1, b1}));
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return layer_norm(in[0], {5}); }, std::vector<Tensor>{x});
  Tensor w2 = leaf64({2, 5}, 104, 0.5, 1.5), b2 = leaf64({2, 5}, 105);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return layer_norm(in[0], {2, 5}, in[1], in[2], 1e-3); },
                  (std::vector<Tensor>{x, w2, b2}));
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return layer_norm(in[0], {5}, Tensor(), in[1]); },
                  (std::vector<Tensor>{x, b1}));
}

TEST_CASE("layer_norm errors name the op and the shapes") {
  Tensor x = rand64({3, 4}, 111);
  CHECK_THROWS_WITH_AS(layer_norm(x, {5}), doctest::Contains("layer_norm: normalized_shape [5] does not match"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {2, 3, 4}), doctest::Contains("trailing dims of input [3, 4]"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {}), doctest::Contains("layer_norm"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}, rand64({3}, 1)), doctest::Contains("layer_norm: weight has shape [3]"), Error);
}
