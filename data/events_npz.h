#pragma once
// Pre-converted CIFAR10-DVS event files: SpikingJelly's events_np/<class>/<name>.npz with keys
// t (>u4), x, y (<u4) and p (<i8), already in SpikingJelly's coordinates (DATA_FORMATS.md §2.3).
#include <string>
#include <string_view>

#include "data/aedat.h"

namespace autost::data {

// Any integer dtype of either byte order is accepted for each key. Errors name the file and the
// check: "missing key", "shape" (not 1-D, or lengths differ), "dtype", "out of range"
// (x, y outside 0..127, p not 0/1, t outside uint32), "empty recording".
EventStream decode_events_npz(std::string_view bytes, const std::string& name, bool allow_empty = false);
EventStream read_events_npz(const std::string& path, bool allow_empty = false);

// The file SpikingJelly would write for these events (stored, not deflated): for tests and seeds.
std::string encode_events_npz(const EventStream& events);

}  // namespace autost::data
