#include "nn/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "tensor/copy.h"

namespace autost::nn {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

using Json = nlohmann::ordered_json;  // keeps the header's tensor order

struct DtypeName {
  const char* name;
  DType dtype;
};
constexpr DtypeName kDtypes[] = {{"F32", kFloat32}, {"F64", kFloat64}, {"BF16", kBFloat16}, {"I32", kInt32},
                                 {"I64", kInt64},   {"U8", kUInt8},     {"BOOL", kBool}};

// The reference implementation refuses headers over 100 MB; a real header is a few hundred KB, so
// anything larger is corruption, and refusing it bounds what a hostile file can make us allocate.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// ---------------------------------------------------------------- writing

std::string build_header(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    AUTOST_CHECK(name != "__metadata__", path, ": a tensor cannot be named __metadata__");
    AUTOST_CHECK(seen.insert(name).second, path, ": duplicate tensor name '", name, "'");
    AUTOST_CHECK(t.defined(), path, ": tensor '", name, "' is undefined");
    Json shape = Json::array();
    for (int64_t s : t.shape()) shape.push_back(s);
    const uint64_t end = offset + t.nbytes();
    header[name] = Json{{"dtype", safetensors_dtype_name(t.dtype())}, {"shape", std::move(shape)},
                        {"data_offsets", Json::array({offset, end})}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // e.g. a name or metadata value that is not valid UTF-8
    AUTOST_FAIL(path, ": cannot encode the header: ", one_line(e.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference pads
  return text;
}

void write_all(FILE* f, const void* data, size_t n, const std::string& path) {
  AUTOST_CHECK(n == 0 || std::fwrite(data, 1, n, f) == n, path, ": write failed: ", std::strerror(errno));
}

// ---------------------------------------------------------------- reading

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

// Parses the header, refusing duplicate keys at any level (nlohmann would silently keep the last).
Json parse_header(const std::string& path, const std::string& text) {
  std::vector<std::set<std::string>> keys;
  auto on_event = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) keys.emplace_back();
    else if (event == Json::parse_event_t::object_end) keys.pop_back();
    else if (event == Json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      AUTOST_FAIL(path, ": duplicate key '", parsed.get<std::string>(), "' in the safetensors header");
    return true;
  };
  try {
    return Json::parse(text, on_event);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number too large
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    // The parser quotes what it last read, which may be raw binary; keep the message printable.
    for (char& c : what)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    AUTOST_FAIL(path, ": invalid JSON in the safetensors header: ", one_line(what));
  }
}

uint64_t as_size(const std::string& path, const std::string& name, const char* field, const Json& v) {
  AUTOST_CHECK(v.is_number_unsigned(), path, ": tensor '", name, "': ", field,
               " must hold non-negative integers, got ", one_line(v.dump()));
  return v.get<uint64_t>();
}

Entry parse_entry(const std::string& path, const std::string& name, const Json& e) {
  AUTOST_CHECK(e.is_object(), path, ": tensor '", name, "': entry is not a JSON object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    AUTOST_CHECK(e.contains(field), path, ": tensor '", name, "': missing \"", field, "\"");
  Entry out{name, kFloat32, {}, 0, 0};

  const Json& dtype = e["dtype"];
  AUTOST_CHECK(dtype.is_string(), path, ": tensor '", name, "': dtype is not a string");
  const std::string dname = dtype.get<std::string>();
  const auto it = std::find_if(std::begin(kDtypes), std::end(kDtypes), [&](const DtypeName& d) { return dname == d.name; });
  AUTOST_CHECK(it != std::end(kDtypes), path, ": tensor '", name, "': unsupported dtype '", dname,
               "' (autost reads F32, F64, BF16, I32, I64, U8, BOOL)");
  out.dtype = it->dtype;

  const Json& shape = e["shape"];
  AUTOST_CHECK(shape.is_array(), path, ": tensor '", name, "': shape is not an array");
  for (const Json& d : shape) {
    const uint64_t s = as_size(path, name, "shape", d);
    AUTOST_CHECK(s <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), path, ": tensor '", name,
                 "': shape dimension ", s, " is too large");
    out.shape.push_back(static_cast<int64_t>(s));
  }

  const Json& offsets = e["data_offsets"];
  AUTOST_CHECK(offsets.is_array() && offsets.size() == 2, path, ": tensor '", name,
               "': data_offsets must be [begin, end]");
  out.begin = as_size(path, name, "data_offsets", offsets[0]);
  out.end = as_size(path, name, "data_offsets", offsets[1]);
  AUTOST_CHECK(out.begin <= out.end, path, ": tensor '", name, "': data_offsets [", out.begin, ", ", out.end,
               "] end before they begin");

  // Overflow-checked numel * itemsize; zero dims make the tensor empty whatever the others say, but
  // the others must still be representable.
  uint64_t bytes = itemsize(out.dtype);
  bool overflow = false, empty_tensor = false;
  for (int64_t s : out.shape) {
    if (s == 0) empty_tensor = true;
    else overflow = __builtin_mul_overflow(bytes, static_cast<uint64_t>(s), &bytes) || overflow;
  }
  AUTOST_CHECK(!overflow && bytes <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), path,
               ": tensor '", name, "': shape ", out.shape, " is too large");
  if (empty_tensor) bytes = 0;
  AUTOST_CHECK(out.end - out.begin == bytes, path, ": tensor '", name, "': shape ", out.shape, " of ",
               dname, " needs ", bytes, " bytes but data_offsets [", out.begin, ", ", out.end, "] hold ",
               out.end - out.begin);
  return out;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const Json& m) {
  std::map<std::string, std::string> out;
  if (m.is_null()) return out;
  AUTOST_CHECK(m.is_object(), path, ": __metadata__ is not a JSON object");
  for (const auto& [k, v] : m.items()) {
    AUTOST_CHECK(v.is_string(), path, ": __metadata__ value for '", k, "' is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

// The offsets must tile [0, data_size) exactly: no overlap (two tensors sharing bytes), no gap
// (bytes nobody owns), nothing past the end.
void check_tiling(const std::string& path, std::vector<Entry> entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t pos = 0;
  for (const Entry& e : entries) {
    AUTOST_CHECK(e.end <= data_size, path, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
                 "] run past the end of the data section (", data_size, " bytes)");
    AUTOST_CHECK(e.begin >= pos, path, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
                 "] overlap another tensor's bytes");
    AUTOST_CHECK(e.begin == pos, path, ": tensor '", e.name, "': gap in data_offsets, bytes [", pos, ", ",
                 e.begin, ") belong to no tensor");
    pos = e.end;
  }
  AUTOST_CHECK(pos == data_size, path, ": the tensors cover ", pos, " bytes but the data section holds ",
               data_size, " (trailing bytes belong to no tensor)");
}

}  // namespace

const char* safetensors_dtype_name(DType d) {
  for (const auto& k : kDtypes)
    if (k.dtype == d) return k.name;
  AUTOST_FAIL("safetensors: no name for dtype ", dtype_name(d));
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = build_header(path, tensors, metadata);
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "wb"));
  AUTOST_CHECK(f != nullptr, path, ": cannot open ", tmp, " for writing: ", std::strerror(errno));
  try {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<uint64_t>(header.size()) >> (8 * i));
    write_all(f.get(), len, 8, path);
    write_all(f.get(), header.data(), header.size(), path);
    for (const auto& [name, t] : tensors) {
      Tensor c = raw_contiguous(raw_to_device(t, Device::cpu()));
      write_all(f.get(), c.data_ptr(), c.nbytes(), path);
    }
    // Flushed to disk before the rename, so a crash leaves either the old file or the whole new one.
    AUTOST_CHECK(std::fflush(f.get()) == 0 && ::fsync(::fileno(f.get())) == 0, path,
                 ": write failed: ", std::strerror(errno));
    FILE* raw = f.release();
    AUTOST_CHECK(std::fclose(raw) == 0, path, ": write failed: ", std::strerror(errno));
    AUTOST_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, path, ": cannot rename ", tmp,
                 " into place: ", std::strerror(errno));
  } catch (...) {
    f.reset();
    std::remove(tmp.c_str());
    throw;
  }
}

SafetensorsFile load_safetensors(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  AUTOST_CHECK(f != nullptr, path, ": cannot open: ", std::strerror(errno));
  AUTOST_CHECK(::fseeko(f.get(), 0, SEEK_END) == 0, path, ": cannot seek: ", std::strerror(errno));
  const off_t size_signed = ::ftello(f.get());
  AUTOST_CHECK(size_signed >= 0, path, ": cannot tell the file size");
  const uint64_t file_size = static_cast<uint64_t>(size_signed);
  AUTOST_CHECK(file_size >= 8, path, ": not a safetensors file (", file_size,
               " bytes, shorter than the 8-byte header length)");
  std::rewind(f.get());
  unsigned char len[8];
  AUTOST_CHECK(std::fread(len, 1, 8, f.get()) == 8, path, ": cannot read the header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len[i];
  AUTOST_CHECK(header_len <= kMaxHeaderBytes, path, ": header length ", header_len,
               " is too large (limit ", kMaxHeaderBytes, " bytes); not a safetensors file?");
  AUTOST_CHECK(header_len <= file_size - 8, path, ": header length ", header_len, " exceeds the file size (",
               file_size, " bytes); truncated file?");
  std::string text(header_len, '\0');
  AUTOST_CHECK(header_len == 0 || std::fread(text.data(), 1, header_len, f.get()) == header_len, path,
               ": cannot read the header");

  const Json header = parse_header(path, text);
  AUTOST_CHECK(header.is_object(), path, ": the safetensors header is not a JSON object");
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") out.metadata = parse_metadata(path, value);
    else entries.push_back(parse_entry(path, name, value));
  }
  const uint64_t data_start = 8 + header_len;
  check_tiling(path, entries, file_size - data_start);

  // Every size is now known to fit inside the file, so allocations are bounded by the file size.
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    const size_t n = e.end - e.begin;
    if (n > 0) {
      AUTOST_CHECK(::fseeko(f.get(), static_cast<off_t>(data_start + e.begin), SEEK_SET) == 0 &&
                       std::fread(t.data_ptr(), 1, n, f.get()) == n,
                   path, ": cannot read the data of tensor '", e.name, "'");
    }
    if (e.dtype == kBool) {
      // A byte other than 0/1 read as bool is undefined behaviour; refuse it here.
      const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
      AUTOST_CHECK(std::all_of(bytes, bytes + n, [](unsigned char b) { return b <= 1; }), path, ": tensor '",
                   e.name, "': BOOL data holds a byte other than 0 or 1");
    }
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace autost::nn
