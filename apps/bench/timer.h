#pragma once
// Median wall-clock time of a callable. `sync` runs before starting and before stopping the clock, so
// asynchronous device work (CUDA launches) is inside the measured interval and nothing queued from
// an earlier call leaks into it. The median, not the mean, so one preempted run on a shared machine
// does not move the number.
#include <algorithm>
#include <chrono>
#include <vector>

namespace autost::apps::bench {

struct TimingConfig {
  int warmup = 2;  // untimed runs first: page faults, oneDNN primitive creation, CUDA module loading
  int reps = 10;
};

template <class F, class Sync>
double median_ms(const TimingConfig& cfg, Sync&& sync, F&& f) {
  for (int i = 0; i < cfg.warmup; ++i) f();
  sync();
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(cfg.reps));
  for (int i = 0; i < cfg.reps; ++i) {
    sync();
    auto t0 = std::chrono::steady_clock::now();
    f();
    sync();
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  return n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
}

}  // namespace autost::apps::bench
