#include "data/events_npz.h"

#include <array>

#include "data/npz.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::data {

EventStream decode_events_npz(std::string_view bytes, const std::string& name, bool allow_empty) {
  const std::vector<NpzMember> members = parse_npz(bytes, name);
  constexpr std::array<const char*, 4> kKeys = {"t", "x", "y", "p"};
  std::array<std::vector<int64_t>, 4> cols;
  for (size_t k = 0; k < kKeys.size(); ++k) {
    const NpzMember* m = nullptr;
    for (const NpzMember& c : members)
      if (c.key == kKeys[k]) m = &c;
    if (!m) {
      std::string have;
      for (const NpzMember& c : members) have += (have.empty() ? "" : ", ") + c.key;
      AUTOST_FAIL("npz ", name, ": missing key '", kKeys[k], "' (has: ", have.empty() ? "nothing" : have,
                  "); expected event arrays t, x, y, p");
    }
    cols[k] = npy_integers(m->npy, name + ":" + kKeys[k]);
  }
  const size_t n = cols[0].size();
  for (size_t k = 1; k < kKeys.size(); ++k)
    AUTOST_CHECK(cols[k].size() == n, "npz ", name, ": shape: '", kKeys[k], "' has ", cols[k].size(),
                 " entries but 't' has ", n);
  AUTOST_CHECK(n > 0 || allow_empty, "npz ", name, ": empty recording: no events");
  EventStream ev;
  ev.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = cols[0][i], x = cols[1][i], y = cols[2][i], p = cols[3][i];
    AUTOST_CHECK(t >= 0 && t <= int64_t(0xFFFFFFFF), "npz ", name, ": out of range: t[", i, "] = ", t,
                 " is not a 32-bit microsecond timestamp");
    AUTOST_CHECK(x >= 0 && x < kDvsSide && y >= 0 && y < kDvsSide, "npz ", name,
                 ": out of range: coordinates (x ", x, ", y ", y, ") of event ", i, " are outside 0..127");
    AUTOST_CHECK(p == 0 || p == 1, "npz ", name, ": out of range: p[", i, "] = ", p, " is not 0 or 1");
    ev.push_raw(uint32_t(t), uint8_t(x), uint8_t(y), uint8_t(p));
  }
  return ev;
}

EventStream read_events_npz(const std::string& path, bool allow_empty) {
  return decode_events_npz(read_file(path), path, allow_empty);
}

std::string encode_events_npz(const EventStream& ev) {
  auto col = [](const auto& v) { return std::vector<int64_t>(v.begin(), v.end()); };
  std::vector<int64_t> t(ev.t.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = ev.t[i] & 0xFFFFFFFF;
  return encode_npz_stored({{"t", encode_npy_integers(t, ">u4")},
                            {"x", encode_npy_integers(col(ev.x), "<u4")},
                            {"y", encode_npy_integers(col(ev.y), "<u4")},
                            {"p", encode_npy_integers(col(ev.p), "<i8")}});
}

}  // namespace autost::data
