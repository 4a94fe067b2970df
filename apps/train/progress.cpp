#include "apps/train/progress.h"

#include <unistd.h>

#include <cstdio>

namespace autost::apps::train {

namespace {
constexpr double kRedrawSeconds = 0.25;
constexpr int kBarWidth = 24;
}  // namespace

std::string format_duration(double seconds) {
  const int64_t s = seconds > 0 ? static_cast<int64_t>(seconds + 0.5) : 0;
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                               static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

Progress::Progress(bool enabled) : enabled_(enabled), tty_(enabled && isatty(STDERR_FILENO)) {}

void Progress::start(std::string label, int64_t total_batches, int64_t first_batch) {
  label_ = std::move(label);
  total_ = total_batches;
  first_ = first_batch;
  const int64_t tenth = total_ / 10 > 0 ? total_ / 10 : 1;
  next_plain_ = first_ + tenth;
  start_ = last_draw_ = Clock::now();
  drawn_ = false;
}

bool Progress::due(int64_t done) const {
  if (!enabled_ || done >= total_) return false;
  if (!tty_) return done >= next_plain_;
  return !drawn_ || std::chrono::duration<double>(Clock::now() - last_draw_).count() >= kRedrawSeconds;
}

void Progress::update(int64_t done, int64_t images, double loss) {
  if (!due(done)) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(images) / elapsed : 0;
  const double per_batch = done > first_ ? elapsed / static_cast<double>(done - first_) : 0;
  const std::string eta = format_duration(per_batch * static_cast<double>(total_ - done));
  if (tty_) {
    const int filled = static_cast<int>(kBarWidth * done / (total_ > 0 ? total_ : 1));
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kBarWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %lld/%lld  %.1f img/s  ETA %s  loss %.4f\033[K", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), rate, eta.c_str(), loss);
  } else {
    std::fprintf(stderr, "%s %lld/%lld  %.1f img/s  ETA %s  loss %.4f\n", label_.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total_), rate, eta.c_str(), loss);
    const int64_t tenth = total_ / 10 > 0 ? total_ / 10 : 1;
    while (next_plain_ <= done) next_plain_ += tenth;
  }
  std::fflush(stderr);
  last_draw_ = Clock::now();
  drawn_ = true;
}

void Progress::finish() {
  if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace autost::apps::train
