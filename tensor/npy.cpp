#include "tensor/npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "tensor/atomic_file.h"
#include "tensor/copy.h"

namespace autost {
namespace {

struct NpyDtype {
  const char* descr;
  DType dtype;
};
constexpr NpyDtype kNpyTypes[] = {{"<f4", kFloat32}, {"<f8", kFloat64}, {"<i4", kInt32},
                                  {"<i8", kInt64},   {"|u1", kUInt8},   {"|b1", kBool}};

// Value of `key` in the header dict, e.g. 'descr': '<f4' -> <f4 ; 'shape': (2, 3) -> 2, 3
std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
  size_t k = header.find("'" + key + "'");
  AUTOST_CHECK(k != std::string::npos, path, ": npy header has no '", key, "' field");
  size_t colon = header.find(':', k);
  AUTOST_CHECK(colon != std::string::npos, path, ": malformed npy header near '", key, "'");
  size_t start = header.find_first_not_of(' ', colon + 1);
  AUTOST_CHECK(start != std::string::npos, path, ": malformed npy header near '", key, "'");
  char open = header[start];
  if (open == '\'') {
    size_t end = header.find('\'', start + 1);
    AUTOST_CHECK(end != std::string::npos, path, ": malformed npy header near '", key, "'");
    return header.substr(start + 1, end - start - 1);
  }
  if (open == '(') {
    size_t end = header.find(')', start);
    AUTOST_CHECK(end != std::string::npos, path, ": malformed npy header near '", key, "'");
    return header.substr(start + 1, end - start - 1);
  }
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

}  // namespace

NpyHeader parse_npy_header(std::string_view bytes, const std::string& name) {
  AUTOST_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0, name,
               ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  AUTOST_CHECK(major == 1 || major == 2, name, ": unsupported .npy version ", major);
  const size_t len_bytes = major == 1 ? 2 : 4;
  AUTOST_CHECK(bytes.size() >= 8 + len_bytes, name, ": truncated .npy header");
  uint32_t header_len = 0;
  for (size_t i = len_bytes; i-- > 0;) header_len = header_len << 8 | static_cast<unsigned char>(bytes[8 + i]);
  NpyHeader h;
  h.data_offset = static_cast<int64_t>(8 + len_bytes) + static_cast<int64_t>(header_len);
  AUTOST_CHECK(h.data_offset <= static_cast<int64_t>(bytes.size()), name, ": truncated .npy header");
  const std::string header(bytes.substr(8 + len_bytes, header_len));

  h.descr = header_field(header, "descr", name);
  const std::string order = header_field(header, "fortran_order", name);
  AUTOST_CHECK(order.find("False") != std::string::npos, name, ": Fortran-order arrays are not supported");
  std::stringstream dims(header_field(header, "shape", name));
  std::string item;
  while (std::getline(dims, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    try {
      size_t used = 0;
      long long v = std::stoll(item.substr(a), &used);
      AUTOST_CHECK(v >= 0, name, ": negative dimension in npy shape");
      h.shape.push_back(v);
    } catch (const std::logic_error&) {
      AUTOST_FAIL(name, ": malformed npy shape '", item, "'");
    }
  }
  return h;
}

Tensor parse_npy(std::string_view bytes, const std::string& name) {
  const NpyHeader h = parse_npy_header(bytes, name);
  DType dtype = kFloat32;
  bool known = false;
  for (const auto& t : kNpyTypes)
    if (h.descr == t.descr) dtype = t.dtype, known = true;
  AUTOST_CHECK(known, name, ": unsupported npy dtype '", h.descr, "'");
  // Check the declared size against the data before allocating: a hostile header must not make us
  // allocate terabytes, nor wrap the byte count to a small number that matches a short file.
  int64_t nbytes = static_cast<int64_t>(itemsize(dtype));
  bool overflow = false;
  for (int64_t s : h.shape) overflow = __builtin_mul_overflow(nbytes, s, &nbytes) || overflow;
  if (std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end()) overflow = false, nbytes = 0;
  AUTOST_CHECK(!overflow, name, ": npy shape ", h.shape, " is too large");
  const int64_t have = static_cast<int64_t>(bytes.size()) - h.data_offset;
  AUTOST_CHECK(have == nbytes, name, ": expected ", nbytes, " data bytes for shape ", h.shape, ", file has ", have);
  Tensor t = empty(h.shape, dtype);
  if (nbytes > 0) std::memcpy(t.data_ptr(), bytes.data() + h.data_offset, static_cast<size_t>(nbytes));
  if (dtype == kBool) {
    // A byte other than 0/1 read as bool is undefined behaviour; refuse it here.
    const auto* b = static_cast<const unsigned char*>(t.data_ptr());
    AUTOST_CHECK(std::all_of(b, b + nbytes, [](unsigned char v) { return v <= 1; }), name,
                 ": |b1 data holds a byte other than 0 or 1");
  }
  return t;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::string encode_npy_header(const std::string& descr, const Shape& shape) {
  std::ostringstream h;
  h << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) h << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? ", " : "");
  h << "), }";
  std::string header = h.str();
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');  // pad so data starts 64-byte aligned
  header.push_back('\n');
  const uint16_t len = static_cast<uint16_t>(header.size());
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(len & 0xff) + static_cast<char>(len >> 8) + header;
}

void write_npy(const std::string& path, const Tensor& t) {
  const char* descr = nullptr;
  for (const auto& k : kNpyTypes)
    if (k.dtype == t.dtype()) descr = k.descr;
  AUTOST_CHECK(descr != nullptr, path, ": cannot write dtype ", dtype_name(t.dtype()), " as npy");
  Tensor c = raw_contiguous(raw_to_device(t, Device::cpu()));
  std::string bytes = encode_npy_header(descr, c.shape());
  bytes.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
  write_file_atomic(path, bytes);
}

}  // namespace autost
