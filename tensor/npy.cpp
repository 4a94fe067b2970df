#include "tensor/npy.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

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

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  AUTOST_CHECK(in.good(), path, ": cannot open file");
  in.seekg(0, std::ios::end);
  const int64_t file_size = in.tellg();
  in.seekg(0);
  char magic[8];
  in.read(magic, 8);
  AUTOST_CHECK(in.gcount() == 8 && std::memcmp(magic, "\x93NUMPY", 6) == 0, path, ": not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  AUTOST_CHECK(major == 1 || major == 2, path, ": unsupported .npy version ", major);
  uint32_t header_len = 0;
  unsigned char len_bytes[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(len_bytes), major == 1 ? 2 : 4);
  for (int i = (major == 1 ? 1 : 3); i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
  const int64_t data_start = (major == 1 ? 10 : 12) + static_cast<int64_t>(header_len);
  AUTOST_CHECK(in.good() && data_start <= file_size, path, ": truncated .npy header");
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);

  std::string descr = header_field(header, "descr", path);
  std::string order = header_field(header, "fortran_order", path);
  AUTOST_CHECK(order.find("False") != std::string::npos, path, ": Fortran-order arrays are not supported");
  DType dtype = kFloat32;
  bool known = false;
  for (const auto& t : kNpyTypes)
    if (descr == t.descr) dtype = t.dtype, known = true;
  AUTOST_CHECK(known, path, ": unsupported npy dtype '", descr, "'");
  Shape shape;
  std::stringstream dims(header_field(header, "shape", path));
  std::string item;
  while (std::getline(dims, item, ',')) {
    size_t a = item.find_first_not_of(' ');
    if (a == std::string::npos) continue;
    try {
      size_t used = 0;
      long long v = std::stoll(item.substr(a), &used);
      AUTOST_CHECK(v >= 0, path, ": negative dimension in npy shape");
      shape.push_back(v);
    } catch (const std::logic_error&) {
      AUTOST_FAIL(path, ": malformed npy shape '", item, "'");
    }
  }
  // Check the declared size against the file before allocating: a hostile header must not make us
  // allocate terabytes, nor wrap the byte count to a small number that matches a short file.
  int64_t nbytes = static_cast<int64_t>(itemsize(dtype));
  bool overflow = false;
  for (int64_t s : shape) overflow = __builtin_mul_overflow(nbytes, s, &nbytes) || overflow;
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) overflow = false, nbytes = 0;
  AUTOST_CHECK(!overflow, path, ": npy shape ", shape, " is too large");
  AUTOST_CHECK(file_size - data_start == nbytes, path, ": expected ", nbytes, " data bytes for shape ", shape,
               ", file has ", file_size - data_start);
  Tensor t = empty(shape, dtype);
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  AUTOST_CHECK(in.gcount() == static_cast<std::streamsize>(t.nbytes()), path, ": truncated npy data");
  return t;
}

void write_npy(const std::string& path, const Tensor& t) {
  const char* descr = nullptr;
  for (const auto& k : kNpyTypes)
    if (k.dtype == t.dtype()) descr = k.descr;
  AUTOST_CHECK(descr != nullptr, path, ": cannot write dtype ", dtype_name(t.dtype()), " as npy");
  Tensor c = raw_contiguous(raw_to_device(t, Device::cpu()));
  std::ostringstream h;
  h << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < c.shape().size(); ++i) h << c.shape()[i] << (c.shape().size() == 1 || i + 1 < c.shape().size() ? ", " : "");
  h << "), }";
  std::string header = h.str();
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');  // pad so data starts 64-byte aligned
  header.push_back('\n');
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    AUTOST_CHECK(out.good(), path, ": cannot open for writing");
    out.write("\x93NUMPY\x01\x00", 8);
    uint16_t len = static_cast<uint16_t>(header.size());
    char lb[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(lb, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.nbytes()));
    out.flush();
    AUTOST_CHECK(out.good(), path, ": write failed");
  }
  AUTOST_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, path, ": cannot rename ", tmp, " into place");
}

}  // namespace autost
