// Top-k accuracy on hand examples (ties by lower index, k capped at C) and the loss wrappers.
#include "nn/metrics.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;
using autost::test::t64;

TEST_CASE("topk_accuracy counts a row when the target is among the k largest logits") {
  // 4 rows, 6 classes.
  Tensor logits = t64({0.1, 0.9, 0.3, 0.2, 0.0, -1.0,   // argmax 1
                       5.0, 4.0, 3.0, 2.0, 1.0, 0.0,    // descending
                       0.0, 0.0, 0.0, 0.0, 0.0, 0.0,    // all tied
                       1.0, 2.0, 3.0, 4.0, 5.0, 6.0},   // ascending
                      {4, 6});
  Tensor target = from_vector({1, 5, 4, 0}, {4}, kInt64);
  // Row 0: target 1 is top-1. Row 1: target 5 is rank 6. Row 2: ties rank by index, so class 4 is
  // rank 5 (top-5 only). Row 3: target 0 has the smallest logit, rank 6.
  CHECK(topk_accuracy(logits, target, 1) == doctest::Approx(0.25));
  CHECK(topk_accuracy(logits, target, 5) == doctest::Approx(0.5));
  CHECK(topk_correct(logits, target, 5) == 2);
  CHECK(topk_accuracy(logits, target, 6) == doctest::Approx(1.0));
  CHECK(topk_accuracy(logits, target, 100) == doctest::Approx(1.0));  // k capped at C, as timm does

  // A tie with a lower-index class pushes the target down; with a higher-index one it does not.
  Tensor tie = t64({2.0, 2.0, 1.0}, {1, 3});
  CHECK(topk_accuracy(tie, from_vector({1}, {1}, kInt64), 1) == 0.0);
  CHECK(topk_accuracy(tie, from_vector({0}, {1}, kInt64), 1) == 1.0);
  CHECK(topk_accuracy(tie, from_vector({1}, {1}, kInt64), 2) == 1.0);

  // float32 logits and int32 targets are accepted.
  CHECK(topk_accuracy(logits.to(kFloat32), target.to(kInt32), 1) == doctest::Approx(0.25));
}

TEST_CASE("topk_accuracy errors name the problem") {
  Tensor logits = zeros({2, 3});
  CHECK_THROWS_WITH_AS(topk_accuracy(logits, from_vector({0, 3}, {2}, kInt64), 1),
                       doctest::Contains("topk_accuracy: target 3 in row 1 outside [0, 3)"), Error);
  CHECK_THROWS_WITH_AS(topk_accuracy(logits, from_vector({0}, {1}, kInt64), 1),
                       doctest::Contains("topk_accuracy: target must be integer [2]"), Error);
  CHECK_THROWS_WITH_AS(topk_accuracy(zeros({6}), from_vector({0}, {1}, kInt64), 1),
                       doctest::Contains("topk_accuracy: logits must be floating [N, C]"), Error);
  CHECK_THROWS_WITH_AS(topk_accuracy(logits, from_vector({0, 1}, {2}, kInt64), 0), doctest::Contains("k must be"),
                       Error);
}

TEST_CASE("loss wrappers equal the functional losses") {
  Tensor logits = test::rand64({5, 4}, 1, -2.0, 2.0);
  Tensor target = from_vector({0, 3, 1, 1, 2}, {5}, kInt64);
  CHECK_CLOSE(CrossEntropyLoss()(logits, target), cross_entropy(logits, target), 0.0, 0.0);
  CHECK_CLOSE(CrossEntropyLoss(0.1)(logits, target), cross_entropy(logits, target, 0.1), 0.0, 0.0);
  // With label smoothing eps the loss is (1 - eps) NLL + eps * mean over classes of -log p.
  Tensor lp = log_softmax(logits, 1);
  std::vector<double> l = lp.to_vector<double>();
  std::vector<int64_t> t = target.to_vector<int64_t>();
  double nll = 0, uniform = 0;
  for (int i = 0; i < 5; ++i) {
    nll -= l[i * 4 + t[i]];
    for (int c = 0; c < 4; ++c) uniform -= l[i * 4 + c] / 4.0;
  }
  CHECK(CrossEntropyLoss(0.1)(logits, target).item() == doctest::Approx((0.9 * nll + 0.1 * uniform) / 5.0));

  Tensor probs = softmax(test::rand64({5, 4}, 2), 1);
  CHECK_CLOSE(SoftTargetCrossEntropy()(logits, probs), soft_cross_entropy(logits, probs), 0.0, 0.0);
  CHECK_CLOSE(SoftTargetCrossEntropy()(logits, probs), mean(sum(mul(neg(lp), probs), {1})), 1e-12, 1e-12);
  CHECK_THROWS_WITH_AS(CrossEntropyLoss(1.5), doctest::Contains("label_smoothing"), Error);
}
