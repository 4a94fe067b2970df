// The engine, the graph nodes and the autograd accessors: multiple roots, repeated inputs, explicit
// gradients of another dtype or layout, and misuse that must be a clean error.
#include "autograd/ops.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::leaf64;
using autost::test::t64;

TEST_CASE("a tensor used twice in one op gets both contributions") {
  Tensor x = leaf64({4}, 1);
  sum(mul(x, x)).backward();
  CHECK_CLOSE(x.grad(), mul(x.detach(), 2.0), 1e-12, 0);
  Tensor y = leaf64({2, 3}, 2);
  sum(cat({y, y}, 0)).backward();
  CHECK_CLOSE(y.grad(), full({2, 3}, 2.0, kFloat64), 0, 0);
}

TEST_CASE("backward with an explicit non-contiguous gradient") {
  Tensor x = leaf64({2, 3}, 3);
  Tensor g = t64({1, 2, 3, 4, 5, 6}, {3, 2}).transpose(0, 1);  // [[1, 3, 5], [2, 4, 6]]
  mul(x, 2.0).backward(g);
  CHECK_CLOSE(x.grad(), mul(g.contiguous(), 2.0), 0, 0);
}

TEST_CASE("an explicit gradient of another dtype leaves .grad in the leaf's dtype") {
  Tensor x = ones({3}, kFloat32);
  x.set_requires_grad(true);
  Tensor y = mul(x, 3.0);
  y.backward(t64({1, 2, 3}, {3}));
  REQUIRE(x.grad().defined());
  CHECK(x.grad().dtype() == kFloat32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{3, 6, 9});
  // A float64 gradient straight into a float32 leaf.
  Tensor z = ones({2}, kFloat32);
  z.set_requires_grad(true);
  z.backward(t64({5, 6}, {2}));
  CHECK(z.grad().dtype() == kFloat32);
  CHECK(z.grad().to_vector<float>() == std::vector<float>{5, 6});
}

TEST_CASE("engine with several roots sharing a subgraph") {
  Tensor x = leaf64({3}, 4);
  Tensor h = exp(x);
  Tensor a = sum(h), b = sum(mul(h, 2.0));
  run_backward({a, b}, {scalar_tensor(1.0, kFloat64), scalar_tensor(1.0, kFloat64)});
  CHECK_CLOSE(x.grad(), mul(exp(x.detach()), 3.0), 1e-12, 1e-12);
  // One root reachable from the other.
  Tensor u = leaf64({2}, 5);
  Tensor v = mul(u, 2.0);
  Tensor w = sum(v);
  run_backward({w, v}, {scalar_tensor(1.0, kFloat64), ones({2}, kFloat64)});
  CHECK_CLOSE(u.grad(), full({2}, 4.0, kFloat64), 0, 0);
}

TEST_CASE("run_backward needs one gradient per root") {
  Tensor x = leaf64({2}, 6);
  Tensor y = sum(x);
  CHECK_THROWS_WITH_AS(run_backward({y, y}, {scalar_tensor(1.0, kFloat64)}), doctest::Contains("backward"), Error);
}

TEST_CASE("set_requires_grad on a non-leaf and on integers is an error") {
  Tensor x = leaf64({2}, 7);
  Tensor y = mul(x, 2.0);
  CHECK_THROWS_WITH_AS(y.set_requires_grad(false), doctest::Contains("leaf"), Error);
  Tensor i = arange(3);
  CHECK_THROWS_WITH_AS(i.set_requires_grad(true), doctest::Contains("floating"), Error);
  CHECK_THROWS_WITH_AS(exp(i), doctest::Contains("exp"), Error);
  CHECK_THROWS_WITH_AS(sum(i), doctest::Contains("sum"), Error);
  CHECK_THROWS_WITH_AS(softmax(i, 0), doctest::Contains("softmax"), Error);
}

TEST_CASE("a second backward through a freed graph is an error") {
  Tensor x = leaf64({2}, 8);
  Tensor y = sum(mul(x, x));
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("second time"), Error);
}
