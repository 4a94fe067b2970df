#include "nas/correlation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tensor/error.h"

namespace autost::nas {
namespace {

// The pairs where both values are finite.
std::pair<std::vector<double>, std::vector<double>> finite_pairs(const std::vector<double>& x,
                                                                 const std::vector<double>& y) {
  AUTOST_CHECK(x.size() == y.size(), "correlation: ", x.size(), " x values but ", y.size(), " y values");
  std::pair<std::vector<double>, std::vector<double>> p;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) p.first.push_back(x[i]), p.second.push_back(y[i]);
  return p;
}

int sign(double d) { return (d > 0) - (d < 0); }

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;  // ranks i+1 .. j+1
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = mean_rank;
    i = j + 1;
  }
  return ranks;
}

// tau-b = (concordant - discordant) / sqrt(pairs untied in x * pairs untied in y); O(n^2), which is
// nothing next to training n networks.
double kendall_tau_b(const std::vector<double>& x_in, const std::vector<double>& y_in) {
  const auto [x, y] = finite_pairs(x_in, y_in);
  int64_t s = 0, untied_x = 0, untied_y = 0;
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j) {
      const int dx = sign(x[j] - x[i]), dy = sign(y[j] - y[i]);
      s += dx * dy;
      untied_x += dx != 0;
      untied_y += dy != 0;
    }
  if (untied_x == 0 || untied_y == 0) return NAN;
  return static_cast<double>(s) / std::sqrt(static_cast<double>(untied_x) * static_cast<double>(untied_y));
}

double spearman_rho(const std::vector<double>& x_in, const std::vector<double>& y_in) {
  const auto [x, y] = finite_pairs(x_in, y_in);
  if (x.size() < 2) return NAN;
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double mean = (static_cast<double>(x.size()) + 1) / 2;  // the mean of any average ranks
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return NAN;
  return sxy / std::sqrt(sxx * syy);
}

Correlation correlate(const std::vector<double>& x, const std::vector<double>& y) {
  return {kendall_tau_b(x, y), spearman_rho(x, y), static_cast<int64_t>(finite_pairs(x, y).first.size())};
}

}  // namespace autost::nas
