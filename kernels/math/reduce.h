#pragma once
// Scalar pieces of the reductions and row-wise softmax shared by the CPU loops and CUDA kernels.
#include <cmath>

#include "tensor/hd.h"

namespace autost::math {

// Whether v replaces the running maximum `best`. NaN beats every number (torch.max propagates
// NaN), and a tie never replaces, so the first maximal index wins.
template <class T>
AUTOST_HD bool max_replaces(T v, T best) {
  return v > best || (v != v && best == best);
}

// Which of two (value, index) candidates wins a maximum, for tree reductions where the halves
// arrive in any order: the larger value, then the smaller index.
template <class T>
AUTOST_HD bool max_pair_wins(T v, long long i, T best, long long bi) {
  if (max_replaces(v, best)) return true;
  if (max_replaces(best, v)) return false;
  return i < bi;  // equal (or both NaN)
}

// One row's label-smoothed negative log-likelihood,
//   (1 - eps) (lse - x[t]) + eps / C * sum_c (lse - x[c]),   lse = m + log_s,
// written with the max-shifted logits (x - m), which are exact near the maximum, so large logits
// keep their precision in float32: log_s + (1 - eps) (m - x[t]) - eps / C * sum_c (x[c] - m).
template <class T>
AUTOST_HD T smoothed_nll(T log_s, T m_minus_target, T shifted_sum, T eps, T classes) {
  return log_s + (T(1) - eps) * m_minus_target - eps / classes * shifted_sum;
}

// d loss / d x[c] for one row (before the 1/N of the mean): softmax minus the smoothed one-hot.
template <class T>
AUTOST_HD T smoothed_nll_grad(T softmax_c, bool is_target, T eps, T classes) {
  return softmax_c - (is_target ? T(1) - eps : T(0)) - eps / classes;
}

}  // namespace autost::math
