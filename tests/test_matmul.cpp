// matmul: against a naive triple loop (all transpose combinations, batched broadcasting, strided
// views), torch.matmul's 1-D rules, shape errors, and gradients by finite differences.
#include "tensor/view.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::rand64;
using autost::test::leaf64;

namespace {

// Naive batched product of float64 operands (>= 2-D, no transposes), broadcasting the batch dims.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2), "test");
  Shape sa = batch, sb = batch, sc = batch;
  sa.insert(sa.end(), {M, K});
  sb.insert(sb.end(), {K, N});
  sc.insert(sc.end(), {M, N});
  std::vector<double> av = a.to(kFloat64).expand(sa).contiguous().to_vector<double>();
  std::vector<double> bv = b.to(kFloat64).expand(sb).contiguous().to_vector<double>();
  std::vector<double> cv(static_cast<size_t>(shape_numel(sc)), 0.0);
  const int64_t nb = shape_numel(batch);
  for (int64_t t = 0; t < nb; ++t)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += av[(t * M + i) * K + k] * bv[(t * K + k) * N + j];
        cv[(t * M + i) * N + j] = acc;
      }
  return from_vector(cv, sc, kFloat64);
}

std::vector<Tensor> inputs(Tensor a) { return {a}; }
std::vector<Tensor> inputs(Tensor a, Tensor b) { return {a, b}; }

Tensor t_last(const Tensor& t) { return t.transpose(-1, -2).contiguous(); }

}  // namespace

TEST_CASE("matmul 2-D matches a naive loop for every transpose combination") {
  const int64_t M = 37, K = 19, N = 29;
  Tensor a = rand64({M, K}, 1), b = rand64({K, N}, 2);
  Tensor expected = naive_matmul(a, b);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      INFO("trans_a=", ta, " trans_b=", tb);
      Tensor sa = ta ? t_last(a) : a, sb = tb ? t_last(b) : b;
      CHECK_CLOSE(kernels::matmul(sa, sb, ta, tb), expected, 1e-12, 1e-12);
      CHECK_CLOSE(kernels::matmul(sa.to(kFloat32), sb.to(kFloat32), ta, tb), expected, 1e-5, 1e-4);
    }
}

TEST_CASE("matmul uses transposed and sliced views in place and copies other strides") {
  Tensor a = rand64({13, 21}, 3), b = rand64({13, 8}, 4);
  // a^T b through a transposed view, and through the trans flag.
  Tensor expected = naive_matmul(t_last(a), b);
  for (DType dt : {kFloat64, kFloat32}) {
    double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    Tensor a1 = a.to(dt), b1 = b.to(dt);
    CHECK_CLOSE(matmul(a1.transpose(0, 1), b1), expected, tol, tol);
    CHECK_CLOSE(kernels::matmul(a1, b1, true, false), expected, tol, tol);
    // A trans flag on a transposed view cancels out.
    CHECK_CLOSE(kernels::matmul(t_last(a1).transpose(0, 1), b1, true, false), expected, tol, tol);
    // A column slice keeps unit stride with a larger leading dimension; a step-2 slice does not.
    Tensor s = a1.slice(1, 3, 16);
    CHECK_CLOSE(matmul(s, b1.slice(0, 0, 13)), naive_matmul(a.slice(1, 3, 16), b), tol, tol);
    Tensor stepped = a1.slice(1, 0, 21, 2);  // [13, 11]
    Tensor w = rand64({11, 5}, 5);
    CHECK_CLOSE(matmul(stepped, w.to(dt)), naive_matmul(a.slice(1, 0, 21, 2), w), tol, tol);
  }
}

TEST_CASE("batched matmul broadcasts the leading dims like torch.matmul") {
  struct Case {
    Shape a, b, out;
  } cases[] = {
      {{2, 1, 3, 4}, {5, 4, 6}, {2, 5, 3, 6}},
      {{4, 3, 5}, {5, 7}, {4, 3, 7}},  // shared weight: one tall GEMM
      {{3, 5}, {4, 5, 2}, {4, 3, 2}},
      {{2, 3, 4, 5}, {2, 3, 5, 6}, {2, 3, 4, 6}},
      {{1, 3, 4}, {6, 1, 4, 2}, {6, 1, 3, 2}},
      {{40, 4, 6}, {40, 6, 5}, {40, 4, 5}},  // many small matrices: parallel over the batch
  };
  uint64_t seed = 10;
  for (const auto& c : cases) {
    INFO("a ", c.a, " b ", c.b);
    Tensor a = rand64(c.a, seed++), b = rand64(c.b, seed++);
    Tensor expected = naive_matmul(a, b);
    REQUIRE(expected.shape() == c.out);
    CHECK_CLOSE(matmul(a, b), expected, 1e-12, 1e-12);
    CHECK_CLOSE(matmul(a.to(kFloat32), b.to(kFloat32)), expected, 1e-5, 1e-4);
    // The same product with both operands stored transposed.
    CHECK_CLOSE(kernels::matmul(t_last(a), t_last(b), true, true), expected, 1e-12, 1e-12);
    CHECK_CLOSE(kernels::matmul(t_last(a).to(kFloat32), t_last(b).to(kFloat32), true, true), expected, 1e-5, 1e-4);
  }
  // A batch of transposed views (attention's q k^T).
  Tensor q = rand64({3, 2, 7, 4}, 50), k = rand64({3, 2, 9, 4}, 51);
  CHECK_CLOSE(matmul(q, k.transpose(-1, -2)), naive_matmul(q, t_last(k)), 1e-12, 1e-12);
}

TEST_CASE("matmul follows torch's 1-D rules") {
  Tensor v = rand64({4}, 60), m = rand64({4, 3}, 61), bm = rand64({2, 3, 4}, 62);
  Tensor vm = matmul(v, m);
  CHECK(vm.shape() == Shape{3});
  CHECK_CLOSE(vm, naive_matmul(v.unsqueeze(0), m).squeeze(0), 1e-12, 1e-12);
  Tensor mv = matmul(bm, v);
  CHECK(mv.shape() == Shape{2, 3});
  CHECK_CLOSE(mv, naive_matmul(bm, v.unsqueeze(1)).squeeze(-1), 1e-12, 1e-12);
  Tensor dot = matmul(v, v);
  CHECK(dot.dim() == 0);
  double expected = 0;
  for (double e : v.to_vector<double>()) expected += e * e;
  CHECK(dot.item() == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("matmul edge sizes: K = 0 gives zeros, empty outputs are fine") {
  CHECK_CLOSE(matmul(zeros({3, 0}, kFloat32), zeros({0, 4}, kFloat32)), zeros({3, 4}, kFloat64), 0, 0);
  CHECK(matmul(zeros({0, 5}, kFloat64), zeros({5, 4}, kFloat64)).shape() == Shape{0, 4});
  CHECK_CLOSE(matmul(ones({1, 1}, kFloat32), full({1, 1}, 3.0, kFloat32)), full({1, 1}, 3.0, kFloat64), 0, 0);
}

TEST_CASE("matmul shape and dtype errors name the op and both shapes") {
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({4, 5})), doctest::Contains("matmul"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({4, 5})), doctest::Contains("[2, 3] and [4, 5]"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})), doctest::Contains("[2, 2, 3] and [3, 3, 4]"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::matmul(zeros({3}), zeros({3, 4})), doctest::Contains("matmul"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({3, 4}, kFloat64)), doctest::Contains("matmul"), Error);
  CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}, kInt64), zeros({3, 4}, kInt64)), doctest::Contains("matmul"), Error);
}

TEST_CASE("matmul gradients (gradcheck)") {
  auto f = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  CHECK_GRADCHECK(f, inputs(leaf64({3, 4}, 1), leaf64({4, 5}, 2)));
  CHECK_GRADCHECK(f, inputs(leaf64({2, 1, 3, 4}, 3), leaf64({5, 4, 2}, 4)));
  CHECK_GRADCHECK(f, inputs(leaf64({2, 3, 4}, 5), leaf64({4, 2}, 6)));  // folded weight gradient
  CHECK_GRADCHECK(f, inputs(leaf64({3, 4}, 7), leaf64({2, 4, 3}, 8)));
  CHECK_GRADCHECK(f, inputs(leaf64({4}, 9), leaf64({2, 4, 3}, 10)));
  CHECK_GRADCHECK(f, inputs(leaf64({2, 3, 4}, 11), leaf64({4}, 12)));
  CHECK_GRADCHECK(f, inputs(leaf64({4}, 13), leaf64({4}, 14)));
  // Through transposed views (x w^T, as a linear layer computes).
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return matmul(in[0], in[1].transpose(0, 1)); },
                  inputs(leaf64({2, 3, 4}, 15), leaf64({5, 4}, 16)));
  // Only one operand requiring grad.
  Tensor c = leaf64({4, 2}, 17).detach();
  CHECK_GRADCHECK([c](const std::vector<Tensor>& in) { return matmul(in[0], c); },
                  inputs(leaf64({3, 4}, 18)));
  Tensor x = leaf64({2, 3, 4}, 19).detach();
  CHECK_GRADCHECK([x](const std::vector<Tensor>& in) { return matmul(x, in[0]); }, inputs(leaf64({4, 2}, 20)));
}
