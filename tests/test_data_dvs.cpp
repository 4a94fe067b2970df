// CIFAR10-DVS: AEDAT 2.0 decoding with SpikingJelly's remap, SpikingJelly's .npz event files, frames
// by event count and by time (hand-worked cases and a NumPy reference fixture), the on-disk frame
// cache, the folder layout and the per-class splits. Every bad input is one error line naming the
// file and the check.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "data/aedat.h"
#include "data/cifar10dvs.h"
#include "data/class_split.h"
#include "data/event_frames.h"
#include "data/events_npz.h"
#include "data/frame_cache.h"
#include "data/npz.h"
#include "tests/data_harness.h"
#include "tensor/atomic_file.h"
#include "tensor/npy.h"

using namespace autost;
using namespace autost::data;
using namespace autost::test;
namespace fs = std::filesystem;

namespace {

const std::string kHeader =
    "#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n# Timestamps tick is 1 us\r\n";

struct RawEvent {
  uint32_t addr, ts;
};

// DVS128 address word: y in bits 14-8, x in bits 7-1, polarity in bit 0 (DATA_FORMATS.md §2.2).
uint32_t address(uint32_t raw_x, uint32_t raw_y, uint32_t raw_p) { return raw_y << 8 | raw_x << 1 | raw_p; }

std::string be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

std::string aedat(const std::vector<RawEvent>& events, const std::string& header = kHeader) {
  std::string s = header;
  for (const RawEvent& e : events) s += be32(e.addr) + be32(e.ts);
  return s;
}

EventStream stream(const std::vector<std::array<int64_t, 4>>& txyp) {
  EventStream ev;
  for (const auto& [t, x, y, p] : txyp) ev.push_raw(uint32_t(t), uint8_t(x), uint8_t(y), uint8_t(p));
  return ev;
}

// Count at frame j, channel c, pixel (y, x) of a [T, 2, 128, 128] array.
uint32_t at(const std::vector<uint32_t>& f, int64_t j, int c, int y, int x) {
  return f[size_t(((j * 2 + c) * kDvsSide + y) * kDvsSide + x)];
}

uint64_t total(const std::vector<uint32_t>& f) { return std::accumulate(f.begin(), f.end(), uint64_t(0)); }

void check_same_events(const EventStream& a, const EventStream& b) {
  CHECK(a.t == b.t);
  CHECK(a.x == b.x);
  CHECK(a.y == b.y);
  CHECK(a.p == b.p);
}

std::string fixture(const std::string& name) { return std::string(AUTOST_FIXTURES_DIR) + "/data/" + name; }

}  // namespace

// ---------------------------------------------------------------- AEDAT

TEST_CASE("AEDAT: header skipped, big-endian words, SpikingJelly's transposed remap") {
  const std::vector<RawEvent> raw = {{address(3, 100, 1), 10}, {address(127, 0, 0), 20}, {address(0, 127, 1), 0x01020304}};
  const EventStream ev = decode_aedat(aedat(raw), "rec.aedat");
  REQUIRE(ev.size() == 3);
  // x = 127 - raw_y, y = 127 - raw_x, p = 1 - raw_p; t untouched.
  CHECK(ev.x == std::vector<uint8_t>{27, 127, 0});
  CHECK(ev.y == std::vector<uint8_t>{124, 0, 127});
  CHECK(ev.p == std::vector<uint8_t>{0, 1, 0});
  CHECK(ev.t == std::vector<int64_t>{10, 20, 0x01020304});
  CHECK(ev.backward_steps == 0);
  CHECK(ev.foreign_addresses == 0);
  // No header at all, and '\n'-only header lines, give the same events.
  check_same_events(decode_aedat(aedat(raw, ""), "bare.aedat"), ev);
  check_same_events(decode_aedat(aedat(raw, "#!AER-DAT2.0\n#\n"), "lf.aedat"), ev);
  // encode_aedat is the inverse.
  check_same_events(decode_aedat(encode_aedat(ev), "round.aedat"), ev);
}

TEST_CASE("AEDAT: address bits outside the DVS128 layout are masked and counted, up to a limit") {
  std::vector<RawEvent> raw;
  for (uint32_t i = 0; i < 200; ++i) raw.push_back({address(i % 128, 5, i % 2), i});
  raw[7].addr |= 0x8000;  // an external-event flag
  const EventStream ev = decode_aedat(aedat(raw), "one_foreign.aedat");
  CHECK(ev.foreign_addresses == 1);
  CHECK(int(ev.x[7]) == 127 - 5);  // masked exactly as SpikingJelly does
  CHECK(int(ev.y[7]) == 127 - 7);
  for (int i : {20, 40, 60}) raw[size_t(i)].addr |= 0x00010000;  // 4 of 200 = 2% > 1%
  CHECK_REJECTS([&] { decode_aedat(aedat(raw), "foreign.aedat"); }, "foreign.aedat", "address out of range");
  AedatOptions loose;
  loose.max_foreign_fraction = 0.05;
  CHECK(decode_aedat(aedat(raw), "foreign.aedat", loose).foreign_addresses == 4);
}

TEST_CASE("AEDAT: each bad file is rejected naming the file and the check") {
  const std::string two = aedat({{address(1, 2, 0), 5}, {address(3, 4, 1), 6}});
  struct Case {
    std::string name;
    std::string bytes;
    const char* check;
  };
  const Case cases[] = {
      {"partial_word.aedat", two + std::string("\x00\x01", 2), "32-bit word"},
      {"odd_words.aedat", two + be32(address(1, 1, 1)), "odd number of 32-bit words"},
      {"headerless.aedat", aedat({{address(1, 2, 0), 5}}, "").substr(0, 6), "not AEDAT 2.0"},
      {"empty.aedat", kHeader, "empty recording"},
      {"nothing.aedat", "", "empty recording"},
      {"v3.aedat", "#!AER-DAT3.1\r\n" + aedat({{address(1, 2, 0), 5}}, ""), "unsupported AEDAT version"},
      {"v1.aedat", "#!AER-DAT1.0\r\n", "unsupported AEDAT version"},
      {"unterminated.aedat", "#!AER-DAT2.0\r\n# a header line cut short", "header"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK_REJECTS([&] { decode_aedat(c.bytes, c.name); }, c.name, c.check);
  }
  AedatOptions allow;
  allow.allow_empty = true;
  CHECK(decode_aedat(kHeader, "empty.aedat", allow).size() == 0);
  // From disk the message names the path.
  TempDir d;
  write_string(d / "cut.aedat", two.substr(0, two.size() - 3));
  CHECK_REJECTS([&] { read_aedat(d / "cut.aedat"); }, d / "cut.aedat", "truncated");
  CHECK_REJECTS([&] { read_aedat(d / "absent.aedat"); }, "absent.aedat", "cannot open");
}

TEST_CASE("AEDAT: backward timestamps are counted; a 32-bit wrap is undone") {
  const uint32_t a = address(1, 2, 0);
  const EventStream back = decode_aedat(aedat({{a, 100}, {a, 50}, {a, 60}, {a, 40}}), "back.aedat");
  CHECK(back.backward_steps == 2);
  CHECK(back.wraps == 0);
  CHECK(back.t == std::vector<int64_t>{100, 50, 60, 40});
  CHECK_FALSE(back.time_sorted());
  // Splitting by count ignores timestamps; splitting by time needs them sorted.
  CHECK(frame_bounds(back, 2, FrameSplit::Number, "back.aedat") == std::vector<int64_t>{0, 2, 4});
  CHECK_REJECTS([&] { frame_bounds(back, 2, FrameSplit::Time, "back.aedat"); }, "back.aedat", "sorted timestamps");

  const EventStream wrap = decode_aedat(aedat({{a, 0xFFFFFF00u}, {a, 0x10}, {a, 0x20}}), "wrap.aedat");
  const int64_t w = int64_t(1) << 32;
  CHECK(wrap.wraps == 1);
  CHECK(wrap.backward_steps == 0);
  CHECK(wrap.t == std::vector<int64_t>{0xFFFFFF00, w + 0x10, w + 0x20});
  CHECK(frame_bounds(wrap, 2, FrameSplit::Time, "wrap.aedat") == std::vector<int64_t>{0, 1, 3});
}

// ---------------------------------------------------------------- frames

TEST_CASE("Frames by event count: M = N div T per frame, the last runs to N, duplicates add") {
  // (t, x, y, p) in SpikingJelly coordinates.
  const EventStream ev = stream({{0, 1, 2, 0}, {1, 1, 2, 0}, {2, 3, 4, 1}, {3, 5, 6, 0},
                                 {100, 1, 2, 0}, {101, 1, 2, 0}, {102, 127, 127, 1}});
  CHECK(frame_bounds(ev, 3, FrameSplit::Number, "ev") == std::vector<int64_t>{0, 2, 4, 7});
  const std::vector<uint32_t> f = integrate_events(ev, 3, FrameSplit::Number, "ev");
  REQUIRE(f.size() == size_t(3 * 2 * 128 * 128));
  CHECK(at(f, 0, 0, 2, 1) == 2);
  CHECK(at(f, 1, 1, 4, 3) == 1);
  CHECK(at(f, 1, 0, 6, 5) == 1);
  CHECK(at(f, 2, 0, 2, 1) == 2);
  CHECK(at(f, 2, 1, 127, 127) == 1);
  CHECK(total(f) == 7);
  // N < T: every frame empty but the last, which holds all events.
  CHECK(frame_bounds(stream({{0, 1, 1, 0}, {5, 2, 2, 1}}), 3, FrameSplit::Number, "few") ==
        std::vector<int64_t>{0, 0, 0, 2});
  CHECK(frame_bounds(ev, 1, FrameSplit::Number, "ev") == std::vector<int64_t>{0, 7});
  CHECK_REJECTS([&] { frame_bounds(ev, 0, FrameSplit::Number, "zero_T"); }, "zero_T", "at least 1");
}

TEST_CASE("Frames by time: equal windows, an empty window is an empty frame, the remainder goes last") {
  const EventStream ev = stream({{0, 1, 2, 0}, {1, 1, 2, 0}, {2, 3, 4, 1}, {3, 5, 6, 0},
                                 {100, 1, 2, 0}, {101, 1, 2, 0}, {102, 127, 127, 1}});
  // dt = 102 div 3 = 34: [0, 34) holds events 0-3, [34, 68) nothing (SpikingJelly would crash),
  // [68, end] events 4-6.
  CHECK(frame_bounds(ev, 3, FrameSplit::Time, "ev") == std::vector<int64_t>{0, 4, 4, 7});
  const std::vector<uint32_t> f = integrate_events(ev, 3, FrameSplit::Time, "ev");
  CHECK(at(f, 0, 0, 2, 1) == 2);
  CHECK(at(f, 0, 1, 4, 3) == 1);
  CHECK(total(std::vector<uint32_t>(f.begin() + 2 * 128 * 128, f.begin() + 4 * 128 * 128)) == 0);
  CHECK(at(f, 2, 0, 2, 1) == 2);
  CHECK(total(f) == 7);
  // t = 0..6, T = 3: dt = 2, windows [0,2) [2,4) [4,6); t = 6 is past 3*dt and joins the last frame.
  const EventStream even = stream({{0, 0, 0, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}, {3, 0, 0, 0}, {4, 0, 0, 0},
                                   {5, 0, 0, 0}, {6, 0, 0, 0}});
  CHECK(frame_bounds(even, 3, FrameSplit::Time, "even") == std::vector<int64_t>{0, 2, 4, 7});
  // One timestamp for all: dt = 0, so all events land in the last frame.
  const EventStream flat = stream({{9, 0, 0, 0}, {9, 1, 0, 0}, {9, 2, 0, 1}});
  CHECK(frame_bounds(flat, 2, FrameSplit::Time, "flat") == std::vector<int64_t>{0, 0, 3});
}

TEST_CASE("Frames: events outside the sensor are refused, not written out of bounds") {
  EventStream ev = stream({{0, 1, 1, 0}});
  ev.x[0] = 128;
  CHECK_REJECTS([&] { integrate_events(ev, 1, FrameSplit::Number, "wide"); }, "wide", "outside the 128x128x2");
  ev.x[0] = 1;
  ev.p[0] = 2;
  CHECK_REJECTS([&] { integrate_events(ev, 1, FrameSplit::Number, "pol"); }, "pol", "outside the 128x128x2");
  ev.p.push_back(0);
  CHECK_REJECTS([&] { integrate_events(ev, 1, FrameSplit::Number, "ragged"); }, "ragged", "entries");
  CHECK(parse_frame_split("time") == FrameSplit::Time);
  CHECK_THROWS_AS(parse_frame_split("duration"), Error);
}

TEST_CASE("Fixture: the AEDAT file and SpikingJelly's two .npz forms give the same events and its frames") {
  const EventStream a = read_aedat(fixture("dvs_events.aedat"));
  const EventStream c = read_events_npz(fixture("dvs_events_compressed.npz"));
  const EventStream s = read_events_npz(fixture("dvs_events_stored.npz"));
  REQUIRE(a.size() == 1000);
  check_same_events(a, c);
  check_same_events(a, s);
  CHECK(a.time_sorted());
  // The corners written by make_npz.py: a transposed or unflipped remap would swap them.
  CHECK((int(a.x[0]) == 0 && int(a.y[0]) == 127 && int(a.x[1]) == 127 && int(a.y[1]) == 0));
  for (int64_t T : {1, 3, 7}) {
    for (FrameSplit split : {FrameSplit::Number, FrameSplit::Time}) {
      const std::string name = "dvs_frames_T" + std::to_string(T) + "_" + frame_split_name(split) + ".npz";
      CAPTURE(name);
      const std::vector<NpzMember> m = read_npz(fixture(name));
      REQUIRE(m.size() == 1);
      CHECK(m[0].key == "frames");
      const Tensor ref = parse_npy(m[0].npy, name);
      REQUIRE(ref.shape() == Shape{T, 2, 128, 128});
      const std::vector<double> expect = ref.to_vector<double>();
      const std::vector<uint32_t> got = integrate_events(a, T, split, "fixture");
      CHECK(std::equal(got.begin(), got.end(), expect.begin(), [](uint32_t g, double e) { return double(g) == e; }));
    }
  }
  // The two modes really differ on this recording, so the comparison above tells them apart.
  CHECK(integrate_events(a, 3, FrameSplit::Number, "f") != integrate_events(a, 3, FrameSplit::Time, "f"));
}

// ---------------------------------------------------------------- npz

namespace {

std::string npy_of(const std::string& descr, const Shape& shape, size_t data_bytes) {
  return encode_npy_header(descr, shape) + std::string(data_bytes, '\0');
}

std::string events_npz_with(const std::string& key, const std::string& npy) {
  const EventStream ev = stream({{5, 1, 2, 0}, {6, 3, 4, 1}});
  std::vector<NpzMember> m = parse_npz(encode_events_npz(ev), "base");
  for (NpzMember& x : m)
    if (x.key == key) x.npy = npy;
  return encode_npz_stored(m);
}

}  // namespace

TEST_CASE("npz: SpikingJelly dtypes round trip; integers of any width and byte order are read") {
  const EventStream ev = stream({{5, 1, 2, 0}, {4000000000, 127, 0, 1}, {7, 64, 65, 1}});
  const std::string bytes = encode_events_npz(ev);
  const std::vector<NpzMember> m = parse_npz(bytes, "ev.npz");
  REQUIRE(m.size() == 4);
  CHECK(parse_npy_header(m[0].npy, "t").descr == ">u4");
  CHECK(parse_npy_header(m[3].npy, "p").descr == "<i8");
  check_same_events(decode_events_npz(bytes, "ev.npz"), ev);
  const std::vector<int64_t> v = {-3, 0, 200, -32768};
  for (const char* descr : {"<i2", ">i2", "<i4", ">i8", "=i8"}) {
    CAPTURE(descr);
    CHECK(npy_integers(encode_npy_integers(v, descr), descr) == v);
  }
  CHECK(npy_integers(encode_npy_integers({0, 255}, "|u1"), "u1") == std::vector<int64_t>{0, 255});
}

TEST_CASE("npz: each bad file is rejected naming the file and the check") {
  const std::string good = encode_events_npz(stream({{5, 1, 2, 0}, {6, 3, 4, 1}}));
  std::vector<NpzMember> three = parse_npz(good, "good");
  three.pop_back();
  std::string crc = good;
  crc[good.find("NUMPY") + 100] ^= 0x01;  // inside t.npy's data
  std::string bad_offset = good;
  bad_offset[bad_offset.size() - 3] = '\x7f';  // central directory offset far past the end
  // A member named t.npz: encode_npz_stored always names members <key>.npy, so rename both copies.
  std::string not_npy = encode_npz_stored({{"t", "hello"}});
  for (size_t at = not_npy.find("t.npy"); at != std::string::npos; at = not_npy.find("t.npy", at + 1))
    not_npy[at + 4] = 'z';
  struct Case {
    std::string name;
    std::string bytes;
    const char* check;
  };
  const Case cases[] = {
      {"missing_key.npz", encode_npz_stored(three), "missing key 'p'"},
      {"float.npz", events_npz_with("p", npy_of("<f8", {2}, 16)), "unsupported dtype '<f8'"},
      {"matrix.npz", events_npz_with("x", encode_npy_header("<u4", {2, 1}) + std::string(8, '\0')), "1-D"},
      {"lengths.npz", events_npz_with("y", encode_npy_integers({1, 2, 3}, "<u4")), "shape"},
      {"x128.npz", events_npz_with("x", encode_npy_integers({1, 128}, "<u4")), "out of range"},
      {"p2.npz", events_npz_with("p", encode_npy_integers({0, 2}, "<i8")), "out of range"},
      {"negative_t.npz", events_npz_with("t", encode_npy_integers({-1, 5}, "<i8")), "out of range"},
      {"short_data.npz", events_npz_with("t", encode_npy_header(">u4", {2}) + std::string(7, '\0')), "elements"},
      {"empty.npz", encode_events_npz(EventStream{}), "empty recording"},
      {"crc.npz", crc, "CRC-32"},
      {"not_zip.npz", std::string(100, 'x'), "not a zip archive"},
      {"cut.npz", good.substr(0, good.size() / 2), "not a zip archive"},
      {"offset.npz", bad_offset, "truncated"},
      {"not_npy.npz", not_npy, "not a .npy"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK_REJECTS([&] { decode_events_npz(c.bytes, c.name); }, c.name, c.check);
  }
}

TEST_CASE("npz: damaged deflate data in a NumPy-compressed file is caught") {
  std::string bytes = read_file(fixture("dvs_events_compressed.npz"));
  REQUIRE(!parse_npz(bytes, "ok").empty());
  bytes[bytes.size() / 3] ^= 0x55;  // inside the first members' deflate streams
  CHECK_REJECTS([&] { decode_events_npz(bytes, "damaged.npz"); }, "damaged.npz", "member");
}

// ---------------------------------------------------------------- frame cache

TEST_CASE("Frame cache file: round trip with 16- and 32-bit counts; a foreign or damaged file is refused") {
  const FrameCacheKey key{2, FrameSplit::Time, 1234};
  std::vector<uint32_t> counts(size_t(frame_numel(2)), 0);
  counts[5] = 3;
  counts[counts.size() - 1] = 65535;
  std::string why;
  const std::string file = encode_frame_cache(key, counts);
  CHECK(decode_frame_cache(file, key, true, &why) == counts);
  counts[7] = 70000;  // needs 32-bit counts
  CHECK(decode_frame_cache(encode_frame_cache(key, counts), key, true, &why) == counts);

  CHECK_FALSE(decode_frame_cache(file, FrameCacheKey{3, FrameSplit::Time, 1234}, true, &why));
  CHECK(why.find("another T") != std::string::npos);
  CHECK_FALSE(decode_frame_cache(file, FrameCacheKey{2, FrameSplit::Number, 1234}, true, &why));
  CHECK_FALSE(decode_frame_cache(file, FrameCacheKey{2, FrameSplit::Time, 999}, true, &why));
  CHECK(why.find("1234-byte") != std::string::npos);
  CHECK(decode_frame_cache(file, FrameCacheKey{2, FrameSplit::Time, 999}, false, &why).has_value());
  std::string stale = file;
  stale[8] = 0;  // version 0
  CHECK_FALSE(decode_frame_cache(stale, key, true, &why));
  CHECK(why.find("version") != std::string::npos);
  std::string damaged = file;
  damaged[damaged.size() - 2] ^= 0x10;
  CHECK_FALSE(decode_frame_cache(damaged, key, true, &why));
  CHECK(why.find("CRC") != std::string::npos);
  CHECK_FALSE(decode_frame_cache(file.substr(0, file.size() - 1), key, true, &why));
  CHECK_FALSE(decode_frame_cache("short", key, true, &why));
}

// ---------------------------------------------------------------- the dataset folder

namespace {

// A recording whose events are all at one pixel: k events, so frames identify the file.
std::string recording(int k) {
  std::vector<RawEvent> raw;
  for (int i = 0; i < k; ++i) raw.push_back({address(uint32_t(k % 128), 3, uint32_t(i % 2)), uint32_t(10 * i)});
  return aedat(raw);
}

void write_recording(const TempDir& d, const std::string& cls, int number, int k, const std::string& sub = "") {
  write_string(d / (sub + cls + "/cifar10_" + cls + "_" + std::to_string(number) + ".aedat"), recording(k));
}

Cifar10DvsOptions loose(int64_t T = 3, FrameSplit split = FrameSplit::Number) {
  Cifar10DvsOptions o;
  o.frames = T;
  o.split_by = split;
  o.strict_counts = false;
  return o;
}

}  // namespace

TEST_CASE("CIFAR10-DVS folder: classes sorted, files sorted byte-wise, labels, frames") {
  TempDir d;
  for (int n : {0, 1, 2, 10}) write_recording(d, "cat", n, 5 + n, "extract/");
  write_recording(d, "airplane", 3, 4, "extract/");
  write_string(d / "extract/readme.txt", "stray files beside the class folders are ignored");
  const Cifar10Dvs ds(d.path.string(), loose());
  CHECK(ds.events_dir() == d / "extract");
  CHECK(ds.class_names() == std::vector<std::string>{"airplane", "cat"});
  REQUIRE(ds.size() == 5);
  CHECK(ds.labels() == std::vector<int64_t>{0, 1, 1, 1, 1});
  std::vector<std::string> names;
  for (const DvsRecording& r : ds.recordings()) names.push_back(fs::path(r.path).filename().string());
  CHECK(names == std::vector<std::string>{"cifar10_airplane_3.aedat", "cifar10_cat_0.aedat", "cifar10_cat_1.aedat",
                                          "cifar10_cat_10.aedat", "cifar10_cat_2.aedat"});
  CHECK(ds.sample_shape() == Shape{3, 2, 128, 128});
  // Sample 3 is cat_10: 15 events at raw (x 15, y 3), i.e. SpikingJelly (x 124, y 112).
  const Tensor f = ds.frames(3);
  CHECK(f.shape() == Shape{3, 2, 128, 128});
  CHECK(f.dtype() == kFloat32);
  const std::vector<uint32_t> expect = integrate_events(ds.events(3), 3, FrameSplit::Number, "ref");
  const std::vector<float> got = f.to_vector<float>();
  CHECK(std::equal(got.begin(), got.end(), expect.begin(), [](float g, uint32_t e) { return g == float(e); }));
  CHECK(total(expect) == 15);
  CHECK(at(expect, 2, 1, 127 - 15, 124) + at(expect, 2, 0, 127 - 15, 124) == 15 - 2 * 5);
}

TEST_CASE("CIFAR10-DVS frame cache: a second read uses the cache, not the events; bad caches are rebuilt") {
  TempDir d;
  write_recording(d, "dog", 0, 9, "data/");
  write_recording(d, "dog", 1, 20, "data/");
  Cifar10DvsOptions o = loose(4, FrameSplit::Time);
  o.cache_dir = d / "cache";
  const Cifar10Dvs ds(d / "data", o);
  const std::string cache = ds.cache_path(1);
  CHECK(cache == d / "cache/frames_number_4_split_by_time/dog/cifar10_dog_1.frames");
  CHECK_FALSE(fs::exists(cache));
  const std::vector<uint32_t> first = ds.counts(1);
  CHECK(first == integrate_events(ds.events(1), 4, FrameSplit::Time, "ref"));
  REQUIRE(fs::exists(cache));

  // The events file is gone: the frames still come back, from the cache alone.
  fs::remove(ds.recordings()[1].path);
  CHECK(ds.counts(1) == first);
  CHECK_THROWS_AS(ds.events(1), Error);

  // A damaged cache without its events file is an error naming both.
  std::string bytes = read_file(cache);
  bytes[bytes.size() - 3] ^= 0x40;
  write_string(cache, bytes);
  CHECK_REJECTS([&] { ds.counts(1); }, cache, "unusable frame cache");

  // With the events back, a damaged or stale-version cache is rebuilt, not trusted.
  write_recording(d, "dog", 1, 20, "data/");
  CHECK(ds.counts(1) == first);
  CHECK(read_file(cache) != bytes);
  std::string stale = read_file(cache);
  stale[8] = 9;  // a future format version
  write_string(cache, stale);
  CHECK(ds.counts(1) == first);
  CHECK(read_file(cache)[8] == char(kFrameCacheVersion));
  // A changed events file (another size) makes its cache stale too.
  write_recording(d, "dog", 1, 30, "data/");
  CHECK(total(ds.counts(1)) == 30);

  // Another T or split has its own file.
  const Cifar10Dvs ds2(d / "data", [&] {
    Cifar10DvsOptions o2 = loose(2, FrameSplit::Number);
    o2.cache_dir = o.cache_dir;
    return o2;
  }());
  CHECK(ds2.cache_path(1) == d / "cache/frames_number_2_split_by_number/dog/cifar10_dog_1.frames");
  CHECK(ds2.counts(0) == integrate_events(ds2.events(0), 2, FrameSplit::Number, "ref"));
  // The default cache folder sits in the dataset root, beside the class folders, and is not a class.
  const Cifar10Dvs in_root(d / "data", loose());
  CHECK(total(in_root.counts(0)) == 9);
  CHECK(fs::exists(d / "data/frames_number_3_split_by_number/dog/cifar10_dog_0.frames"));
  CHECK(Cifar10Dvs(d / "data", loose()).class_names() == std::vector<std::string>{"dog"});
  // No cache at all: nothing is written.
  Cifar10DvsOptions none = loose();
  none.use_cache = false;
  none.cache_dir = d / "nocache";
  CHECK(total(Cifar10Dvs(d / "data", none).counts(0)) == 9);
  CHECK_FALSE(fs::exists(d / "nocache"));
}

TEST_CASE("CIFAR10-DVS folder: each layout problem is an error naming the folder or file") {
  {
    TempDir d;
    write_recording(d, "cat", 0, 3);
    write_recording(d, "cats", 0, 3);
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "cats", "unexpected folder");
  }
  {
    TempDir d;
    write_string(d / "cat/cat_0.aedat", recording(2));
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "cat_0.aedat", "does not match");
  }
  {
    TempDir d;
    write_string(d / "cat/cifar10_dog_0.aedat", recording(2));
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "cifar10_dog_0.aedat", "disagrees with its folder");
  }
  {
    TempDir d;
    write_string(d / "cat/cifar10_cat_x1.aedat", recording(2));
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "cifar10_cat_x1.aedat", "does not match");
  }
  {
    TempDir d;
    write_recording(d, "cat", 0, 3);
    write_string(d / "cat/cifar10_cat_1.npz", "x");
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "cifar10_cat_1.npz", "mixes");
  }
  {
    TempDir d;
    write_recording(d, "cat", 0, 3);
    fs::create_directories(d.path / "dog");
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, "dog", "no recordings");
    fs::remove(d.path / "dog");
    // Strict counts: 10 classes of recordings 0..999.
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string()); }, d.path.string(), "expected 10 (missing: airplane");
    Cifar10DvsOptions zero = loose(0);
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), zero); }, "cifar10-dvs", "frames");
  }
  {
    TempDir d;
    CHECK_REJECTS([&] { Cifar10Dvs(d / "nowhere", loose()); }, "nowhere", "missing folder");
    CHECK_REJECTS([&] { Cifar10Dvs(d.path.string(), loose()); }, d.path.string(), "no class folders");
  }
}

TEST_CASE("CIFAR10-DVS: SpikingJelly .npz event folders are read like the raw files") {
  TempDir d;
  const EventStream ev = decode_aedat(recording(6), "r");
  write_string(d / "events_np/frog/cifar10_frog_0.npz", encode_events_npz(ev));
  const Cifar10Dvs ds(d.path.string(), loose());
  CHECK(ds.events_dir() == d / "events_np");
  check_same_events(ds.events(0), ev);
  CHECK(ds.counts(0) == integrate_events(ev, 3, FrameSplit::Number, "ref"));
}

// ---------------------------------------------------------------- splits

TEST_CASE("Spikformer split on 1000 recordings per class: test = recordings 91-99 and 909-999") {
  TempDir d;
  for (const std::string cls : {"bird", "ship"})
    for (int n = 0; n < 1000; ++n) write_string(d / (cls + "/cifar10_" + cls + "_" + std::to_string(n) + ".aedat"), "");
  const Cifar10Dvs ds(d.path.string(), loose());
  REQUIRE(ds.size() == 2000);
  const TrainTestIndices s = ds.spikformer_split();
  CHECK(s.train.size() == 1800);
  REQUIRE(s.test.size() == 200);
  std::set<int> expect;
  for (int n = 91; n <= 99; ++n) expect.insert(n);
  for (int n = 909; n <= 999; ++n) expect.insert(n);
  for (int64_t cls = 0; cls < 2; ++cls) {
    std::set<int> got;
    for (int64_t i : s.test) {
      if (ds.recordings()[size_t(i)].label != cls) continue;
      const std::string stem = fs::path(ds.recordings()[size_t(i)].path).stem().string();
      got.insert(std::stoi(stem.substr(stem.rfind('_') + 1)));
    }
    CHECK(got == expect);
  }
}

TEST_CASE("Per-class split: first ceil(r n_c) of each class train, in order; Python's ceiling quirk") {
  // Class 1 has 3 samples at indices 0, 2, 5; class 0 has 2 at 1, 3; class 2 has one at 4.
  const std::vector<int64_t> labels = {1, 0, 1, 0, 2, 1};
  TrainTestIndices s = split_per_class(labels, 3, 0.5);
  // ceil(2 * 0.5) = 1, ceil(3 * 0.5) = 2, ceil(1 * 0.5) = 1.
  CHECK(s.train == std::vector<int64_t>{1, 0, 2, 4});
  CHECK(s.test == std::vector<int64_t>{3, 5});
  // 100 * 0.55 is 55.00000000000001 in doubles, so SpikingJelly would train on 56.
  const TrainTestIndices q = split_per_class(std::vector<int64_t>(100, 0), 1, 0.55);
  CHECK(q.train.size() == 56);
  CHECK(split_per_class(std::vector<int64_t>(1000, 0), 1, 0.9).train.size() == 900);
  CHECK_REJECTS([&] { split_per_class({0, 3}, 3, 0.9); }, "split", "label 3");
  CHECK_REJECTS([&] { split_per_class({0}, 1, 1.5); }, "split", "ratio");
}

TEST_CASE("Seeded random split: reproducible, a permutation within each class, same sizes") {
  std::vector<int64_t> labels;
  for (int i = 0; i < 300; ++i) labels.push_back(i % 3);
  const TrainTestIndices a = split_per_class_random(labels, 3, 0.9, 7);
  const TrainTestIndices b = split_per_class_random(labels, 3, 0.9, 7);
  const TrainTestIndices c = split_per_class_random(labels, 3, 0.9, 8);
  const TrainTestIndices fixed = split_per_class(labels, 3, 0.9);
  CHECK(a.train == b.train);
  CHECK(a.test == b.test);
  CHECK(a.train != c.train);
  CHECK(a.train != fixed.train);
  CHECK(a.train.size() == 270);
  CHECK(a.test.size() == 30);
  std::vector<int64_t> all = a.train;
  all.insert(all.end(), a.test.begin(), a.test.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> iota(300);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(all == iota);
  for (int cls = 0; cls < 3; ++cls)
    CHECK(std::count_if(a.test.begin(), a.test.end(), [&](int64_t i) { return labels[size_t(i)] == cls; }) == 10);
}
