#include "data/npz.h"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <set>

#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::data {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;
// Deflate cannot expand data by more than about 1032:1, so a member claiming more is corrupt; this
// bounds what a hostile archive can make us allocate.
constexpr uint64_t kMaxDeflateRatio = 1032;

// Little-endian reads with the bounds checked against the archive.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name) : b_(bytes), name_(name) {}
  uint64_t size() const { return b_.size(); }
  void need(uint64_t at, uint64_t n, const char* what) const {
    AUTOST_CHECK(at <= b_.size() && n <= b_.size() - at, "npz ", name_, ": truncated: ", what, " at byte ", at,
                 " needs ", n, " bytes, the archive has ", b_.size());
  }
  uint64_t le(uint64_t at, int n, const char* what) const {
    need(at, uint64_t(n), what);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b_[at + uint64_t(i)]);
    return v;
  }
  std::string_view slice(uint64_t at, uint64_t n, const char* what) const {
    need(at, n, what);
    return b_.substr(at, n);
  }

 private:
  std::string_view b_;
  const std::string& name_;
};

struct Entry {
  std::string member;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
};

struct Directory {
  uint64_t entries = 0, size = 0, offset = 0;
};

Directory find_directory(const Reader& r, const std::string& name) {
  AUTOST_CHECK(r.size() >= 22, "npz ", name, ": not a zip archive (", r.size(), " bytes, no end-of-directory record)");
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  const uint64_t lowest = r.size() >= 22 + 65535 ? r.size() - 22 - 65535 : 0;
  for (uint64_t at = r.size() - 22 + 1; at-- > lowest;) {
    if (r.le(at, 4, "end record") != kEndSig) continue;
    if (at + 22 + r.le(at + 20, 2, "end record") > r.size()) continue;  // a signature inside the comment
    Directory d{r.le(at + 10, 2, "end record"), r.le(at + 12, 4, "end record"), r.le(at + 16, 4, "end record")};
    if (d.entries == 0xFFFF || d.size == kMax32 || d.offset == kMax32) {
      AUTOST_CHECK(at >= 20 && r.le(at - 20, 4, "zip64 locator") == kZip64LocatorSig, "npz ", name,
                   ": the end record asks for ZIP64 but no ZIP64 locator precedes it");
      const uint64_t z = r.le(at - 20 + 8, 8, "zip64 locator");
      AUTOST_CHECK(r.le(z, 4, "zip64 end record") == kZip64EndSig, "npz ", name, ": no ZIP64 end record at byte ", z);
      d = {r.le(z + 32, 8, "zip64 end record"), r.le(z + 40, 8, "zip64 end record"),
           r.le(z + 48, 8, "zip64 end record")};
    }
    r.need(d.offset, d.size, "central directory");
    return d;
  }
  AUTOST_FAIL("npz ", name, ": not a zip archive (no end-of-directory record)");
}

// ZIP64 extra field (id 1): 8-byte values for exactly those header fields that hold 0xFFFFFFFF, in
// the order uncompressed, compressed, local header offset.
void apply_zip64_extra(const Reader& r, uint64_t extra, uint64_t extra_len, Entry& e, const std::string& name) {
  uint64_t at = extra;
  while (at + 4 <= extra + extra_len) {
    const uint64_t id = r.le(at, 2, "extra field"), len = r.le(at + 2, 2, "extra field");
    AUTOST_CHECK(at + 4 + len <= extra + extra_len, "npz ", name, ": member '", e.member,
                 "': extra field overruns its header");
    if (id == 1) {
      uint64_t f = at + 4;
      auto take = [&](uint64_t& field) {
        if (field != kMax32) return;
        AUTOST_CHECK(f + 8 <= at + 4 + len, "npz ", name, ": member '", e.member, "': ZIP64 extra field too short");
        field = r.le(f, 8, "zip64 extra");
        f += 8;
      };
      take(e.uncompressed);
      take(e.compressed);
      take(e.local_offset);
    }
    at += 4 + len;
  }
}

std::vector<Entry> read_directory(const Reader& r, const std::string& name) {
  const Directory d = find_directory(r, name);
  // Each central header takes at least 46 bytes, so the count is bounded by the directory's size.
  AUTOST_CHECK(d.entries <= d.size / 46, "npz ", name, ": central directory of ", d.size, " bytes cannot hold ",
               d.entries, " entries");
  std::vector<Entry> out;
  uint64_t at = d.offset;
  for (uint64_t i = 0; i < d.entries; ++i) {
    AUTOST_CHECK(r.le(at, 4, "central header") == kCentralSig, "npz ", name, ": bad central directory entry ", i,
                 " at byte ", at);
    Entry e;
    e.flags = uint16_t(r.le(at + 8, 2, "central header"));
    e.method = uint16_t(r.le(at + 10, 2, "central header"));
    e.crc = uint32_t(r.le(at + 16, 4, "central header"));
    e.compressed = r.le(at + 20, 4, "central header");
    e.uncompressed = r.le(at + 24, 4, "central header");
    const uint64_t name_len = r.le(at + 28, 2, "central header"), extra_len = r.le(at + 30, 2, "central header");
    const uint64_t comment_len = r.le(at + 32, 2, "central header");
    e.local_offset = r.le(at + 42, 4, "central header");
    e.member = std::string(r.slice(at + 46, name_len, "member name"));
    r.need(at + 46 + name_len, extra_len + comment_len, "extra field");
    apply_zip64_extra(r, at + 46 + name_len, extra_len, e, name);
    out.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

std::string inflate_member(std::string_view src, const Entry& e, const std::string& name) {
  std::string out(static_cast<size_t>(e.uncompressed), '\0');
  z_stream zs{};
  AUTOST_CHECK(inflateInit2(&zs, -MAX_WBITS) == Z_OK, "npz ", name, ": zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src.data()));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  uint64_t in_left = src.size(), out_left = out.size();
  int rc = Z_OK;
  // zlib counts in 32-bit units; feed it in chunks so members over 4 GiB work too.
  while (rc == Z_OK) {
    const uInt in_chunk = uInt(std::min<uint64_t>(in_left, 1u << 30)), out_chunk = uInt(std::min<uint64_t>(out_left, 1u << 30));
    zs.avail_in = in_chunk;
    zs.avail_out = out_chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    in_left -= in_chunk - zs.avail_in;
    out_left -= out_chunk - zs.avail_out;
    if (rc == Z_BUF_ERROR && in_left > 0 && out_left > 0) rc = Z_OK;  // only a chunk boundary
  }
  inflateEnd(&zs);
  AUTOST_CHECK(rc == Z_STREAM_END, "npz ", name, ": member '", e.member, "': corrupt deflate data (zlib ",
               rc == Z_BUF_ERROR ? "ran out of input or output" : zError(rc), ")");
  AUTOST_CHECK(out_left == 0, "npz ", name, ": member '", e.member, "': inflates to ", out.size() - out_left,
               " bytes, the directory says ", out.size());
  return out;
}

}  // namespace

std::vector<NpzMember> parse_npz(std::string_view bytes, const std::string& name) {
  const Reader r(bytes, name);
  std::vector<NpzMember> out;
  std::set<std::string> seen;
  for (const Entry& e : read_directory(r, name)) {
    AUTOST_CHECK(!(e.flags & 1), "npz ", name, ": member '", e.member, "' is encrypted");
    AUTOST_CHECK(e.method == 0 || e.method == 8, "npz ", name, ": member '", e.member, "' uses compression method ",
                 e.method, " (only stored 0 and deflate 8)");
    AUTOST_CHECK(e.member.size() > 4 && e.member.compare(e.member.size() - 4, 4, ".npy") == 0, "npz ", name,
                 ": member '", e.member, "' is not a .npy");
    AUTOST_CHECK(seen.insert(e.member).second, "npz ", name, ": member '", e.member, "' appears twice");
    AUTOST_CHECK(r.le(e.local_offset, 4, "local header") == kLocalSig, "npz ", name, ": member '", e.member,
                 "': no local header at byte ", e.local_offset);
    const uint64_t data = e.local_offset + 30 + r.le(e.local_offset + 26, 2, "local header") +
                          r.le(e.local_offset + 28, 2, "local header");
    const std::string_view src = r.slice(data, e.compressed, "member data");
    AUTOST_CHECK(e.method == 8 ? e.uncompressed <= kMaxDeflateRatio * e.compressed + 1024
                               : e.uncompressed == e.compressed,
                 "npz ", name, ": member '", e.member, "': ", e.compressed, " stored bytes cannot hold ",
                 e.uncompressed, " bytes");
    NpzMember m;
    m.key = e.member.substr(0, e.member.size() - 4);
    m.npy = e.method == 8 ? inflate_member(src, e, name) : std::string(src);
    const uint32_t crc = uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(m.npy.data()), m.npy.size()));
    AUTOST_CHECK(crc == e.crc, "npz ", name, ": member '", e.member, "': CRC-32 mismatch (corrupt archive)");
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<NpzMember> read_npz(const std::string& path) { return parse_npz(read_file(path), path); }

std::string encode_npz_stored(const std::vector<NpzMember>& members) {
  std::string out, dir;
  auto put = [](std::string& s, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  for (const NpzMember& m : members) {
    const std::string file = m.key + ".npy";
    const uint32_t crc = uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(m.npy.data()), m.npy.size()));
    const uint64_t offset = out.size();
    for (std::string* s : {&out, &dir}) {
      const bool central = s == &dir;
      put(*s, central ? kCentralSig : kLocalSig, 4);
      if (central) put(*s, 20, 2);  // version made by
      put(*s, 20, 2);               // version needed
      put(*s, 0, 2);                // flags
      put(*s, 0, 2);                // method: stored
      put(*s, 0, 4);                // time, date
      put(*s, crc, 4);
      put(*s, m.npy.size(), 4);
      put(*s, m.npy.size(), 4);
      put(*s, file.size(), 2);
      put(*s, 0, 2);  // extra length
      if (central) {
        put(*s, 0, 2);  // comment length
        put(*s, 0, 2);  // disk
        put(*s, 0, 2);  // internal attributes
        put(*s, 0, 4);  // external attributes
        put(*s, offset, 4);
      }
      *s += file;
    }
    out += m.npy;
  }
  const uint64_t dir_offset = out.size();
  out += dir;
  put(out, kEndSig, 4);
  put(out, 0, 4);  // disk numbers
  put(out, members.size(), 2);
  put(out, members.size(), 2);
  put(out, dir.size(), 4);
  put(out, dir_offset, 4);
  put(out, 0, 2);  // comment length
  return out;
}

namespace {

struct IntegerDescr {
  int size;
  bool big, is_signed;
};

IntegerDescr integer_descr(const std::string& d, const std::string& where) {
  const bool known_size = d.size() == 3 && (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8');
  AUTOST_CHECK(known_size && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') &&
                   (d[1] == 'i' || d[1] == 'u' || d[1] == 'b'),
               where, ": unsupported dtype '", d, "' (expected an integer array)");
  return {d[2] - '0', d[0] == '>', d[1] == 'i'};
}

}  // namespace

std::string encode_npy_integers(const std::vector<int64_t>& v, const std::string& descr) {
  const IntegerDescr d = integer_descr(descr, "encode_npy_integers");
  std::string out = encode_npy_header(descr, {static_cast<int64_t>(v.size())});
  for (int64_t x : v) {
    const uint64_t u = static_cast<uint64_t>(x);
    for (int k = 0; k < d.size; ++k) out.push_back(static_cast<char>((u >> (8 * (d.big ? d.size - 1 - k : k))) & 0xFF));
  }
  return out;
}

std::vector<int64_t> npy_integers(const std::string& npy, const std::string& where) {
  const NpyHeader h = parse_npy_header(npy, where);
  const IntegerDescr d = integer_descr(h.descr, where);
  AUTOST_CHECK(h.shape.size() == 1, where, ": shape ", h.shape, ", expected a 1-D array");
  const int size = d.size;
  const bool big = d.big, is_signed = d.is_signed;
  const uint64_t n = uint64_t(h.shape[0]);
  const uint64_t have = npy.size() - uint64_t(h.data_offset);
  AUTOST_CHECK(have / uint64_t(size) == n && have % uint64_t(size) == 0, where, ": expected ", n, " elements of ",
               size, " bytes, the member has ", have, " data bytes");
  std::vector<int64_t> out(n);
  const auto* p = reinterpret_cast<const unsigned char*>(npy.data()) + h.data_offset;
  for (uint64_t i = 0; i < n; ++i, p += size) {
    uint64_t v = 0;
    for (int k = 0; k < size; ++k) v = v << 8 | p[big ? k : size - 1 - k];
    if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1) v |= ~uint64_t(0) << (8 * size);  // sign-extend
    AUTOST_CHECK(is_signed || v <= uint64_t(std::numeric_limits<int64_t>::max()), where, ": element ", i,
                 " does not fit in int64");
    out[i] = static_cast<int64_t>(v);
  }
  return out;
}

}  // namespace autost::data
