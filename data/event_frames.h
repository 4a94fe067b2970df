#pragma once
// Events -> T frames of per-pixel event counts, SpikingJelly's
// integrate_events_by_fixed_frames_number (DATA_FORMATS.md §2.4): frame j, channel c, pixel (y, x)
// counts the events of frame j's index range with polarity c at (y, x). Layout [T, 2, 128, 128].
#include <cstdint>
#include <string>
#include <vector>

#include "data/aedat.h"

namespace autost::data {

enum class FrameSplit {
  Number,  // frame j holds events [j*M, (j+1)*M) with M = N div T; the last frame runs to N
  Time,    // T equal time windows of dt = (t[N-1] - t[0]) div T; the last runs to the end
};
const char* frame_split_name(FrameSplit s);  // "number", "time"
FrameSplit parse_frame_split(const std::string& s);

inline int64_t frame_numel(int64_t frames) { return frames * 2 * kDvsSide * kDvsSide; }

// The T + 1 event indices that bound the frames: frame j is [b[j], b[j+1]), b[0] = 0, b[T] = N.
//
// Split by time, for a non-empty window, gives SpikingJelly's range exactly (first and one past the
// last event with t_lo <= t < t_lo + dt). SpikingJelly crashes on an empty window; here frame j
// starts at the first event with t >= t[0] + j*dt, so an empty window is an all-zero frame and the
// last frame takes everything from its start on (including the events past t[0] + T*dt, as in
// SpikingJelly). Splitting by time needs non-decreasing timestamps: a recording with backward steps
// is refused, naming `name`. T < 1 is refused.
std::vector<int64_t> frame_bounds(const EventStream& events, int64_t frames, FrameSplit split, const std::string& name);

// Counts [T, 2, 128, 128] (row-major); duplicates add up, nothing is clipped or normalised.
std::vector<uint32_t> integrate_events(const EventStream& events, int64_t frames, FrameSplit split,
                                       const std::string& name);

}  // namespace autost::data
