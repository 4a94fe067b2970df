#include "data/event_frames.h"

#include <algorithm>

#include "tensor/error.h"

namespace autost::data {

const char* frame_split_name(FrameSplit s) { return s == FrameSplit::Number ? "number" : "time"; }

FrameSplit parse_frame_split(const std::string& s) {
  if (s == "number") return FrameSplit::Number;
  if (s == "time") return FrameSplit::Time;
  AUTOST_FAIL("frame split '", s, "' is not one of: number, time");
}

std::vector<int64_t> frame_bounds(const EventStream& ev, int64_t frames, FrameSplit split, const std::string& name) {
  AUTOST_CHECK(frames >= 1, name, ": frames: T = ", frames, " must be at least 1");
  const int64_t n = ev.size();
  std::vector<int64_t> b(static_cast<size_t>(frames) + 1, 0);
  b[frames] = n;
  if (split == FrameSplit::Number) {
    const int64_t m = n / frames;
    for (int64_t j = 1; j < frames; ++j) b[j] = j * m;
    return b;
  }
  if (n == 0) return b;
  if (!ev.time_sorted()) {
    int64_t i = 1;
    while (ev.t[i] >= ev.t[i - 1]) ++i;
    AUTOST_FAIL(name, ": split by time needs sorted timestamps, but event ", i, " has t = ", ev.t[i], " after ",
                ev.t[i - 1], " (", ev.backward_steps, " backward steps); split by number instead");
  }
  const int64_t t0 = ev.t.front();
  const int64_t dt = (ev.t.back() - t0) / frames;
  for (int64_t j = 1; j < frames; ++j)
    b[j] = std::lower_bound(ev.t.begin(), ev.t.end(), t0 + j * dt) - ev.t.begin();
  return b;
}

std::vector<uint32_t> integrate_events(const EventStream& ev, int64_t frames, FrameSplit split,
                                       const std::string& name) {
  const size_t n = ev.t.size();
  AUTOST_CHECK(ev.x.size() == n && ev.y.size() == n && ev.p.size() == n, name, ": events: t, x, y, p have ",
               n, ", ", ev.x.size(), ", ", ev.y.size(), ", ", ev.p.size(), " entries");
  const std::vector<int64_t> b = frame_bounds(ev, frames, split, name);
  std::vector<uint32_t> counts(static_cast<size_t>(frame_numel(frames)), 0);
  constexpr int64_t kPlane = int64_t(kDvsSide) * kDvsSide;
  for (int64_t j = 0; j < frames; ++j) {
    uint32_t* frame = counts.data() + j * 2 * kPlane;
    for (int64_t i = b[j]; i < b[j + 1]; ++i) {
      AUTOST_CHECK(ev.x[i] < kDvsSide && ev.y[i] < kDvsSide && ev.p[i] < 2, name, ": event ", i, " at (x ",
                   int(ev.x[i]), ", y ", int(ev.y[i]), ", p ", int(ev.p[i]), ") is outside the 128x128x2 sensor");
      ++frame[ev.p[i] * kPlane + ev.y[i] * kDvsSide + ev.x[i]];
    }
  }
  return counts;
}

}  // namespace autost::data
