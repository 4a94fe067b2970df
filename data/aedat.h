#pragma once
// DVS128 event recordings: AEDAT 2.0 files (CIFAR10-DVS's raw format, DATA_FORMATS.md §2.2) decoded
// the way SpikingJelly decodes them (§2.3), so frames built from them match the published pipeline.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace autost::data {

inline constexpr int kDvsSide = 128;  // DVS128: 128 x 128 pixels, 2 polarities

// Events in file order, in SpikingJelly's coordinates: x = 127 - raw_y, y = 127 - raw_x,
// p = 1 - raw_p (a transpose plus a flip; channel 0 of a frame holds raw ON events).
struct EventStream {
  std::vector<int64_t> t;  // microseconds, not rebased; 32-bit counter wraps undone (see wraps)
  std::vector<uint8_t> x, y, p;  // x, y in 0..127, p in {0, 1}
  // What decoding noticed but tolerated:
  int64_t backward_steps = 0;     // events whose timestamp is below the previous one (after unwrapping)
  int64_t wraps = 0;              // 32-bit timestamp wraps undone by adding 2^32
  int64_t foreign_addresses = 0;  // address words with bits 31..15 set, masked as SpikingJelly does

  int64_t size() const { return static_cast<int64_t>(t.size()); }
  bool time_sorted() const { return backward_steps == 0; }
  void reserve(size_t n);
  // Appends an event stamped with the raw 32-bit counter: undoes wraps (a drop of more than 2^31 us)
  // and counts other backward steps.
  void push_raw(uint32_t raw_t, uint8_t xx, uint8_t yy, uint8_t pp);
};

struct AedatOptions {
  // A recording without events is an error unless allowed (it would give all-zero frames).
  bool allow_empty = false;
  // SpikingJelly masks address bits 31..15 away silently. A few such words (external or special
  // events) are tolerated and counted; more than this fraction means the file is not DVS128 pixel
  // data (another sensor's address layout), and decoding fails with "address out of range".
  double max_foreign_fraction = 0.01;
};

// Decodes a whole AEDAT 2.0 file held in memory. `name` (the path) starts every error message:
// one line saying which check failed ("header", "unsupported AEDAT version", "truncated",
// "empty recording", "address out of range").
//
// Rules: header lines start with '#' and run to '\n'; the body is big-endian (address, timestamp)
// uint32 pairs and must be a whole number of 8-byte events. Timestamps may go backwards: a drop of
// more than 2^31 us is taken as a wrap of the 32-bit counter and undone; other drops are counted in
// backward_steps (harmless when splitting frames by event count, refused when splitting by time).
// Coordinates cannot leave 0..127 (7-bit fields); an address with bits outside the DVS128 layout
// can, and is counted in foreign_addresses.
EventStream decode_aedat(std::string_view bytes, const std::string& name, const AedatOptions& opts = {});
EventStream read_aedat(const std::string& path, const AedatOptions& opts = {});

// Encodes events (SpikingJelly coordinates, 32-bit timestamps) back into an AEDAT 2.0 file with
// the usual jAER header: for tests, benchmarks and fuzz seeds.
std::string encode_aedat(const EventStream& events);

}  // namespace autost::data
