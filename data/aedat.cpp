#include "data/aedat.h"

#include <cstdio>

#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::data {
namespace {

constexpr int64_t kHalfWrap = int64_t(1) << 31;
constexpr int64_t kWrap = int64_t(1) << 32;
constexpr uint32_t kForeignBits = 0xFFFF8000u;  // bits 31..15: not part of a DVS128 pixel address

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// "#!AER-DAT<major>.<minor>": only major version 2 has 8-byte (address, timestamp) events.
void check_version_line(std::string_view line, const std::string& name) {
  constexpr std::string_view kTag = "#!AER-DAT";
  if (line.substr(0, kTag.size()) != kTag) return;
  std::string_view version = line.substr(kTag.size());
  while (!version.empty() && (version.back() == '\r' || version.back() == '\n' || version.back() == ' '))
    version.remove_suffix(1);
  AUTOST_CHECK(!version.empty() && version[0] == '2' && (version.size() == 1 || version[1] == '.'), "AEDAT ", name,
               ": unsupported AEDAT version '", std::string(version),
               "' (only 2.x: 1.0 has 6-byte events, 3.x and 4.0 are packet formats)");
}

}  // namespace

void EventStream::reserve(size_t n) {
  t.reserve(n);
  x.reserve(n);
  y.reserve(n);
  p.reserve(n);
}

void EventStream::push_raw(uint32_t raw_t, uint8_t xx, uint8_t yy, uint8_t pp) {
  int64_t ts = int64_t(raw_t) + wraps * kWrap;
  if (!t.empty() && ts < t.back()) {
    if (t.back() - ts > kHalfWrap) {
      ++wraps;
      ts += kWrap;
    } else {
      ++backward_steps;
    }
  }
  t.push_back(ts);
  x.push_back(xx);
  y.push_back(yy);
  p.push_back(pp);
}

EventStream decode_aedat(std::string_view bytes, const std::string& name, const AedatOptions& opts) {
  // Header: while the byte at the cursor is '#', skip past the next '\n' (SpikingJelly's rule; the
  // first body byte is the top byte of an address, 0x00 for DVS128, so it never looks like '#').
  size_t pos = 0;
  int header_lines = 0;
  while (pos < bytes.size() && bytes[pos] == '#') {
    const size_t nl = bytes.find('\n', pos);
    AUTOST_CHECK(nl != std::string_view::npos, "AEDAT ", name, ": header: line ", header_lines + 1,
                 " starting at byte ", pos, " has no terminating newline (truncated header or not AEDAT)");
    check_version_line(bytes.substr(pos, nl - pos), name);
    pos = nl + 1;
    ++header_lines;
  }
  const size_t body = bytes.size() - pos;
  AUTOST_CHECK(header_lines > 0 || body % 8 == 0, "AEDAT ", name, ": not AEDAT 2.0: no '#' header and ", body,
               " bytes is not a whole number of 8-byte events");
  AUTOST_CHECK(body % 4 == 0, "AEDAT ", name, ": truncated: the ", body, "-byte body after the ", pos,
               "-byte header ends inside a 32-bit word (", body % 4, " stray bytes)");
  AUTOST_CHECK(body % 8 == 0, "AEDAT ", name, ": truncated: odd number of 32-bit words (", body / 4,
               "): the last event has an address but no timestamp");
  const int64_t n = static_cast<int64_t>(body / 8);
  AUTOST_CHECK(n > 0 || opts.allow_empty, "AEDAT ", name, ": empty recording: no events after the ", pos,
               "-byte header");

  EventStream ev;
  ev.reserve(static_cast<size_t>(n));
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + pos;
  int64_t first_foreign = -1;
  uint32_t first_foreign_addr = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t addr = be32(data + 8 * i);
    if (addr & kForeignBits) {
      if (first_foreign < 0) first_foreign = i, first_foreign_addr = addr;
      ++ev.foreign_addresses;
    }
    const uint8_t raw_x = (addr & 0x00FEu) >> 1, raw_y = (addr & 0x7F00u) >> 8, raw_p = addr & 1u;
    ev.push_raw(be32(data + 8 * i + 4), uint8_t(kDvsSide - 1 - raw_y), uint8_t(kDvsSide - 1 - raw_x), uint8_t(1 - raw_p));
  }
  AUTOST_CHECK(double(ev.foreign_addresses) <= opts.max_foreign_fraction * double(n), "AEDAT ", name,
               ": address out of range: ", ev.foreign_addresses, " of ", n,
               " address words have bits 31..15 set (first: event ", first_foreign, ", ", hex32(first_foreign_addr),
               "); not DVS128 pixel events");
  return ev;
}

EventStream read_aedat(const std::string& path, const AedatOptions& opts) {
  return decode_aedat(read_file(path), path, opts);
}

std::string encode_aedat(const EventStream& ev) {
  std::string out = "#!AER-DAT2.0\r\n# This is a raw AE data file - written by autost\r\n";
  out.reserve(out.size() + 8 * ev.t.size());
  auto put = [&out](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
  };
  for (size_t i = 0; i < ev.t.size(); ++i) {
    const uint32_t raw_y = kDvsSide - 1 - ev.x[i], raw_x = kDvsSide - 1 - ev.y[i], raw_p = 1 - ev.p[i];
    put((raw_y << 8) | (raw_x << 1) | raw_p);
    put(static_cast<uint32_t>(ev.t[i]));
  }
  return out;
}

}  // namespace autost::data
