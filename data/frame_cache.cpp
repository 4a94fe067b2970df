#include "data/frame_cache.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "tensor/error.h"

namespace autost::data {
namespace {

constexpr char kMagic[8] = {'A', 'U', 'T', 'O', 'S', 'T', 'F', 'C'};
constexpr size_t kHeaderBytes = 48;

void put(std::string& s, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get(std::string_view s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + size_t(i)]);
  return v;
}

}  // namespace

std::string encode_frame_cache(const FrameCacheKey& key, const std::vector<uint32_t>& counts) {
  AUTOST_CHECK(int64_t(counts.size()) == frame_numel(key.frames), "frame cache: ", counts.size(),
               " counts do not make ", key.frames, " frames of 2x128x128");
  const uint32_t max_count = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  const int width = max_count <= 0xFFFF ? 2 : 4;
  std::string raw(counts.size() * size_t(width), '\0');
  for (size_t i = 0; i < counts.size(); ++i)
    for (int b = 0; b < width; ++b) raw[i * size_t(width) + size_t(b)] = static_cast<char>((counts[i] >> (8 * b)) & 0xFF);
  uLongf packed_len = compressBound(raw.size());
  std::string packed(packed_len, '\0');
  // Level 1: frames are mostly zeros, so the fastest level already shrinks them several times.
  AUTOST_CHECK(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_len,
                         reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 1) == Z_OK,
               "frame cache: zlib compression failed");
  packed.resize(packed_len);
  std::string out(kMagic, sizeof kMagic);
  put(out, kFrameCacheVersion, 4);
  put(out, uint64_t(key.frames), 4);
  put(out, key.split == FrameSplit::Number ? 0 : 1, 4);
  put(out, kDvsSide, 4);
  put(out, uint64_t(width), 4);
  put(out, crc32_z(0, reinterpret_cast<const Bytef*>(packed.data()), packed.size()), 4);
  put(out, key.source_bytes, 8);
  put(out, packed.size(), 8);
  return out + packed;
}

std::optional<std::vector<uint32_t>> decode_frame_cache(std::string_view bytes, const FrameCacheKey& key,
                                                        bool check_source, std::string* why) {
  auto reject = [why](std::string reason) -> std::optional<std::vector<uint32_t>> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return reject("not a frame cache file (bad magic or shorter than the header)");
  if (get(bytes, 8, 4) != kFrameCacheVersion)
    return reject("format version " + std::to_string(get(bytes, 8, 4)) + ", this build writes " +
                  std::to_string(kFrameCacheVersion));
  const uint64_t split = key.split == FrameSplit::Number ? 0 : 1;
  if (get(bytes, 12, 4) != uint64_t(key.frames) || get(bytes, 16, 4) != split || get(bytes, 20, 4) != kDvsSide)
    return reject("built for another T, split or sensor size");
  if (check_source && get(bytes, 32, 8) != key.source_bytes)
    return reject("built from a " + std::to_string(get(bytes, 32, 8)) + "-byte events file, the file now has " +
                  std::to_string(key.source_bytes) + " bytes");
  const uint64_t width = get(bytes, 24, 4);
  if (width != 2 && width != 4) return reject("bad count width " + std::to_string(width));
  const uint64_t packed_len = get(bytes, 40, 8);
  if (packed_len != bytes.size() - kHeaderBytes) return reject("truncated or has trailing bytes");
  const std::string_view packed = bytes.substr(kHeaderBytes);
  if (crc32_z(0, reinterpret_cast<const Bytef*>(packed.data()), packed.size()) != get(bytes, 28, 4))
    return reject("CRC-32 mismatch (damaged file)");
  const size_t n = size_t(frame_numel(key.frames));
  std::string raw(n * width, '\0');
  uLongf raw_len = raw.size();
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len, reinterpret_cast<const Bytef*>(packed.data()),
                 packed.size()) != Z_OK ||
      raw_len != raw.size())
    return reject("payload does not inflate to " + std::to_string(raw.size()) + " bytes");
  std::vector<uint32_t> counts(n);
  const auto* r = reinterpret_cast<const unsigned char*>(raw.data());
  if (width == 2) {
    for (size_t i = 0; i < n; ++i) counts[i] = uint32_t(r[2 * i]) | uint32_t(r[2 * i + 1]) << 8;
  } else {
    for (size_t i = 0; i < n; ++i) counts[i] = uint32_t(get(raw, 4 * i, 4));
  }
  return counts;
}

}  // namespace autost::data
