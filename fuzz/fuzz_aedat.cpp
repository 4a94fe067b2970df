// libFuzzer target: AEDAT 2.0 decoding (data/aedat.h) and framing (data/event_frames.h). Properties
// checked beyond "no crash": re-encoding the decoded events decodes to the same events, and every
// frame split accounts for every event exactly once.
#include <cstdlib>
#include <numeric>

#include "data/aedat.h"
#include "data/event_frames.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace autost::data;
  AedatOptions opts;
  opts.allow_empty = size > 0 && (data[0] & 1);
  opts.max_foreign_fraction = 0.5;
  EventStream ev;
  try {
    ev = decode_aedat(autost::fuzz::as_text(data, size), "fuzz.aedat", opts);
  } catch (const autost::Error&) {
    return 0;
  }
  const EventStream again = decode_aedat(encode_aedat(ev), "again.aedat", opts);
  if (again.t != ev.t || again.x != ev.x || again.y != ev.y || again.p != ev.p) std::abort();
  const int64_t frames = 1 + (size > 1 ? data[1] % 8 : 0);
  for (FrameSplit split : {FrameSplit::Number, FrameSplit::Time}) {
    try {
      const std::vector<uint32_t> counts = integrate_events(ev, frames, split, "fuzz.aedat");
      if (std::accumulate(counts.begin(), counts.end(), uint64_t(0)) != uint64_t(ev.size())) std::abort();
    } catch (const autost::Error&) {
    }
  }
  return 0;
}
