#pragma once
// The on-disk cache of one recording's frames (CIFAR10-DVS: integrating a recording's events takes
// far longer than reading its frames back). One file per recording and (T, split) key, written
// atomically; the header carries a format version, the key, the source file's size and a CRC of
// the payload, so a stale, foreign or damaged file is detected and rebuilt instead of trusted.
//
// Layout (little-endian): "AUTOSTFC", u32 version, u32 T, u32 split (0 number, 1 time), u32 side
// (128), u32 bytes per count (2, or 4 when a count exceeds 65535), u32 CRC-32 of the payload,
// u64 source size, u64 payload size, then the zlib-compressed counts [T, 2, 128, 128].
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/event_frames.h"

namespace autost::data {

inline constexpr uint32_t kFrameCacheVersion = 1;

struct FrameCacheKey {
  int64_t frames = 16;
  FrameSplit split = FrameSplit::Number;
  uint64_t source_bytes = 0;  // size of the events file the frames were built from
};

std::string encode_frame_cache(const FrameCacheKey& key, const std::vector<uint32_t>& counts);

// The counts when `bytes` is a cache file for `key`, else nullopt with the reason in *why (bad
// magic, other version, other key, truncated, CRC mismatch, ...). Never throws on bad content.
// check_source = false accepts any source size (the events file is gone).
std::optional<std::vector<uint32_t>> decode_frame_cache(std::string_view bytes, const FrameCacheKey& key,
                                                        bool check_source, std::string* why);

}  // namespace autost::data
