#include "nn/metrics.h"

#include <algorithm>

namespace autost::nn {

int64_t topk_correct(const Tensor& logits, const Tensor& target, int64_t k) {
  AUTOST_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), "topk_accuracy: logits must be floating [N, C], got ",
               logits.shape());
  AUTOST_CHECK(target.dim() == 1 && target.size(0) == logits.size(0) && !is_floating(target.dtype()),
               "topk_accuracy: target must be integer [", logits.size(0), "], got ", target.shape());
  AUTOST_CHECK(k >= 1, "topk_accuracy: k must be at least 1, got ", k);
  const int64_t n = logits.size(0), c = logits.size(1);
  // Metrics run once per batch on [N, C]; a host copy keeps this simple and exact.
  const std::vector<double> v = logits.to_vector<double>();
  const std::vector<int64_t> t = target.to_vector<int64_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    AUTOST_CHECK(t[i] >= 0 && t[i] < c, "topk_accuracy: target ", t[i], " in row ", i, " outside [0, ", c, ")");
    const double* row = v.data() + i * c;
    const double y = row[t[i]];
    int64_t rank = 0;  // entries ranked above the target
    for (int64_t j = 0; j < c; ++j) rank += (row[j] > y) || (row[j] == y && j < t[i]);
    correct += rank < std::min(k, c);
  }
  return correct;
}

double topk_accuracy(const Tensor& logits, const Tensor& target, int64_t k) {
  const int64_t correct = topk_correct(logits, target, k);
  return logits.size(0) == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(logits.size(0));
}

}  // namespace autost::nn
