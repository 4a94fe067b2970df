#pragma once
// Progress of a loop of batches on stderr. On a terminal: one redrawn line with a bar, the rate,
// the ETA and the last loss read. Otherwise (a log file): a plain line every tenth of the loop.
// Redraws are throttled, and the caller reads the loss (a device sync) only when due() says a line
// is about to be drawn.
#include <chrono>
#include <cstdint>
#include <string>

namespace autost::apps::train {

class Progress {
 public:
  // enabled = false draws nothing at all (tests, library use).
  explicit Progress(bool enabled);
  void start(std::string label, int64_t total_batches, int64_t first_batch);
  // Whether update(done, ...) will draw: read the loss only then.
  bool due(int64_t done) const;
  void update(int64_t done, int64_t images, double loss);
  void finish();  // clears the bar so the next stdout line starts clean

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_, tty_;
  std::string label_;
  int64_t total_ = 0, first_ = 0, next_plain_ = 0;
  Clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// "1:23" / "1:02:03".
std::string format_duration(double seconds);

}  // namespace autost::apps::train
