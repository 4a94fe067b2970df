#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace autost::data {
namespace {

namespace fs = std::filesystem;

// Deflate never expands beyond about 1032:1, so a gzip file of S bytes cannot hold more than this;
// lets a hostile header be refused before the allocation it asks for.
constexpr int64_t kMaxDeflateRatio = 1032;
constexpr int64_t kMaxPayload = int64_t(1) << 40;

const char* type_name(uint8_t t) {
  switch (t) {
    case 0x08: return "uint8";
    case 0x09: return "int8";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return "unknown";
  }
}

std::string hex(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

bool starts_with_gzip_magic(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char m[2] = {0, 0};
  size_t n = std::fread(m, 1, 2, f);
  std::fclose(f);
  return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

// gzread reads raw files transparently, so .gz and uncompressed files share this one path.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    f_ = gzopen(path.c_str(), "rb");
    AUTOST_CHECK(f_ != nullptr, "IDX ", path, ": open: cannot open file");
  }
  ~GzReader() {
    if (f_) gzclose(f_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes; fewer only at end of data.
  int64_t read(uint8_t* dst, int64_t n) {
    int64_t got = 0;
    while (got < n) {
      unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - got, int64_t(1) << 30));
      int r = gzread(f_, dst + got, chunk);
      if (r < 0) fail_stream("gzread");
      if (r == 0) break;
      got += r;
    }
    return got;
  }

  // A gzip missing its trailer still yields the whole payload from gzread; only gzclose reports
  // it (DATA_FORMATS §0.4), so the close result decides whether the data can be trusted.
  void close() {
    int errnum = Z_OK;
    const char* msg = gzerror(f_, &errnum);
    std::string pending = (errnum != Z_OK && msg) ? msg : "";
    int rc = gzclose(f_);
    f_ = nullptr;
    if (errnum != Z_OK || rc != Z_OK)
      AUTOST_FAIL("IDX ", path_, ": gzip: stream error (", pending.empty() ? zError(rc) : pending,
                  ", code ", errnum != Z_OK ? errnum : rc, "): truncated or corrupt gzip file");
  }

 private:
  [[noreturn]] void fail_stream(const char* where) {
    int errnum = Z_OK;
    const char* msg = gzerror(f_, &errnum);
    AUTOST_FAIL("IDX ", path_, ": gzip: stream error in ", where, " (", msg ? msg : "?", ", code ", errnum,
                "): truncated or corrupt gzip file");
  }
  std::string path_;
  gzFile f_ = nullptr;
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

Tensor read_idx_u8(const std::string& path, int expected_ndim, const char* what) {
  std::error_code ec;
  AUTOST_CHECK(fs::is_regular_file(path, ec), "IDX ", path, ": missing file: not found or not a regular file");
  const int64_t file_bytes = static_cast<int64_t>(fs::file_size(path, ec));
  AUTOST_CHECK(!ec, "IDX ", path, ": size: cannot read the file size (", ec.message(), ")");
  const bool gz = starts_with_gzip_magic(path);

  GzReader in(path);
  uint8_t head[4];
  int64_t got = in.read(head, 4);
  AUTOST_CHECK(got == 4, "IDX ", path, ": header: data ends after ", got, " bytes, inside the 4-byte IDX header");
  AUTOST_CHECK(head[0] == 0 && head[1] == 0, "IDX ", path, ": magic: first two bytes are ", hex(head[0]), " ",
               hex(head[1]), ", expected 0x00 0x00 (not an IDX file)");
  AUTOST_CHECK(head[2] == 0x08, "IDX ", path, ": type: element type ", hex(head[2]), " (", type_name(head[2]),
               "), expected 0x08 (uint8) for ", what);
  const int ndim = head[3];
  AUTOST_CHECK(ndim >= 1, "IDX ", path, ": dims: header declares 0 dimensions");
  AUTOST_CHECK(expected_ndim < 0 || ndim == expected_ndim, "IDX ", path, ": dims: ", ndim,
               " dimensions, expected ", expected_ndim, " for ", what, " (magic ", be32(head), ")");

  std::vector<uint8_t> dim_bytes(4 * size_t(ndim));
  got = in.read(dim_bytes.data(), 4 * int64_t(ndim));
  AUTOST_CHECK(got == 4 * ndim, "IDX ", path, ": header: data ends inside the ", ndim, " dimension sizes");
  Shape dims(ndim);
  int64_t payload = 1;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* p = dim_bytes.data() + 4 * d;
    const uint32_t v = be32(p);
    const uint32_t swapped = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
    // No real dataset has 16M entries along one axis; a large value whose byte swap is small is a
    // header written in host (little-endian) order.
    AUTOST_CHECK(!(v >= (1u << 24) && swapped < (1u << 24)), "IDX ", path, ": dims: dimension ", d, " reads ", v,
                 " big-endian (", swapped, " little-endian); dims look little-endian: file was rewritten by a non-IDX tool");
    dims[d] = v;
    AUTOST_CHECK(v == 0 || payload <= kMaxPayload / int64_t(v), "IDX ", path, ": size: dims ", dims,
                 " describe more than 2^40 bytes");
    payload *= v;
  }
  const int64_t header_bytes = 4 + 4 * int64_t(ndim);
  const int64_t expected_total = header_bytes + payload;

  // Compare sizes before allocating (DATA_FORMATS §0.1). A raw file's size is known exactly; a
  // gzip's decompressed size is not, but it is bounded.
  if (!gz) {
    AUTOST_CHECK(file_bytes >= expected_total, "IDX ", path, ": size: truncated: header dims ", dims, " need ",
                 expected_total, " bytes, file has ", file_bytes);
    AUTOST_CHECK(file_bytes == expected_total, "IDX ", path, ": size: header dims ", dims, " need ", expected_total,
                 " bytes, file has ", file_bytes, " (trailing data or wrong file)");
  } else {
    AUTOST_CHECK(payload <= kMaxDeflateRatio * file_bytes + 1024, "IDX ", path, ": size: header dims ", dims,
                 " need ", expected_total, " bytes, more than a ", file_bytes, "-byte gzip file can hold (truncated or wrong file)");
  }

  Tensor out = empty(dims, TensorOptions(kUInt8));
  got = in.read(out.data<uint8_t>(), payload);
  AUTOST_CHECK(got == payload, "IDX ", path, ": size: truncated: header dims ", dims, " need ", expected_total,
               " bytes, data ends after ", header_bytes + got);
  uint8_t extra;
  AUTOST_CHECK(in.read(&extra, 1) == 0, "IDX ", path, ": size: header dims ", dims, " need ", expected_total,
               " bytes, but more data follows (trailing data or wrong file)");
  in.close();
  return out;
}

Tensor read_idx_images(const std::string& path, int64_t rows, int64_t cols) {
  Tensor t = read_idx_u8(path, 3, "images");
  AUTOST_CHECK(t.size(1) == rows && t.size(2) == cols, "IDX ", path, ": dims: images are ", t.size(1), "x",
               t.size(2), ", expected ", rows, "x", cols);
  return t;
}

Tensor read_idx_labels(const std::string& path, int64_t num_classes) {
  Tensor raw = read_idx_u8(path, 1, "labels");
  const int64_t n = raw.numel();
  Tensor labels = empty({n}, TensorOptions(kInt64));
  const uint8_t* src = raw.data<uint8_t>();
  int64_t* dst = labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    AUTOST_CHECK(src[i] < num_classes, "IDX ", path, ": label range: label ", int(src[i]), " at index ", i,
                 " is not < ", num_classes, " classes");
    dst[i] = src[i];
  }
  return labels;
}

}  // namespace autost::data
