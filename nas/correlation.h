#pragma once
// Rank correlations between a proxy's scores and trained accuracies (SPEC.md §3.6; evolution.py
// imports scipy's kendalltau and spearmanr). Both handle ties as scipy does: Kendall's tau-b
// divides by the pairs untied in x and in y, Spearman's rho is Pearson's r of average ranks.
// Pairs with a non-finite value are left out. A result is NaN when fewer than two pairs remain or
// either side is constant (no ordering to compare), as scipy returns nan.
#include <cstdint>
#include <vector>

namespace autost::nas {

// Ranks from 1; tied values share the average of the ranks they span ({10, 20, 20, 5} -> {2, 3.5, 3.5, 1}).
std::vector<double> average_ranks(const std::vector<double>& v);

struct Correlation {
  double kendall_tau = 0;
  double spearman_rho = 0;
  int64_t n = 0;  // the pairs used (both values finite)
};

// x and y must have the same length (an autost::Error otherwise).
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);
Correlation correlate(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace autost::nas
