#include "data/class_split.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "tensor/random.h"

namespace autost::data {
namespace {

std::vector<std::vector<int64_t>> indices_by_class(const std::vector<int64_t>& labels, int64_t num_classes,
                                                   double train_ratio) {
  AUTOST_CHECK(num_classes > 0, "split: num_classes ", num_classes, " must be positive");
  AUTOST_CHECK(train_ratio >= 0.0 && train_ratio <= 1.0, "split: train ratio ", train_ratio, " is not in [0, 1]");
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < labels.size(); ++i) {
    AUTOST_CHECK(labels[i] >= 0 && labels[i] < num_classes, "split: label ", labels[i], " at index ", i,
                 " is not in [0, ", num_classes, ")");
    by_class[static_cast<size_t>(labels[i])].push_back(static_cast<int64_t>(i));
  }
  return by_class;
}

TrainTestIndices cut(const std::vector<std::vector<int64_t>>& by_class, double train_ratio) {
  TrainTestIndices out;
  for (const std::vector<int64_t>& idx : by_class) {
    const auto pos = static_cast<size_t>(std::ceil(static_cast<double>(idx.size()) * train_ratio));
    out.train.insert(out.train.end(), idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(pos));
    out.test.insert(out.test.end(), idx.begin() + static_cast<std::ptrdiff_t>(pos), idx.end());
  }
  return out;
}

}  // namespace

TrainTestIndices split_per_class(const std::vector<int64_t>& labels, int64_t num_classes, double train_ratio) {
  return cut(indices_by_class(labels, num_classes, train_ratio), train_ratio);
}

TrainTestIndices split_per_class_random(const std::vector<int64_t>& labels, int64_t num_classes, double train_ratio,
                                        uint64_t seed) {
  std::vector<std::vector<int64_t>> by_class = indices_by_class(labels, num_classes, train_ratio);
  Generator gen(seed);
  for (std::vector<int64_t>& idx : by_class) {
    if (idx.size() < 2) continue;
    const std::vector<double> u = uniform({static_cast<int64_t>(idx.size())}, 0.0, 1.0, kFloat64, &gen).to_vector<double>();
    for (size_t i = idx.size() - 1; i > 0; --i) {
      const auto j = std::min(i, static_cast<size_t>(u[i] * static_cast<double>(i + 1)));
      std::swap(idx[i], idx[j]);
    }
  }
  return cut(by_class, train_ratio);
}

}  // namespace autost::data
