// End-to-end sanity: a Linear-ReLU-Linear MLP learns XOR by plain gradient descent.
#include "nn/layers.h"
#include "nn/metrics.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

TEST_CASE("a 2-layer MLP learns XOR with plain gradient descent to loss < 0.05") {
  Generator g(0);
  Sequential mlp({std::make_shared<Linear>(2, 16, true, &g), std::make_shared<ReLU>(),
                  std::make_shared<Linear>(16, 2, true, &g)});
  Tensor x = from_vector({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = from_vector({0, 1, 1, 0}, {4}, kInt64);
  CrossEntropyLoss criterion;
  const double lr = 0.5;
  double first = 0, last = 0;
  for (int step = 0; step < 500; ++step) {
    mlp.zero_grad();
    Tensor loss = criterion(mlp.forward(x), y);
    loss.backward();
    if (step == 0) first = loss.item();
    last = loss.item();
    NoGradGuard no_grad;
    for (Tensor& p : mlp.parameters()) p.copy_(sub(p, mul(p.grad(), lr)));
  }
  INFO("loss ", first, " -> ", last);
  CHECK(first > 0.5);
  CHECK(last < 0.05);
  mlp.eval();
  CHECK(topk_accuracy(mlp.forward(x), y, 1) == 1.0);
}
