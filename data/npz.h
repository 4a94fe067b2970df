#pragma once
// NumPy .npz archives: a ZIP of .npy members, stored (np.savez) or deflated (np.savez_compressed),
// with the ZIP64 extra fields NumPy writes even for small members (DATA_FORMATS.md §2.5). Parsed
// from the central directory; every member's sizes are checked against the archive before anything
// is allocated, and its CRC-32 after inflating.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/npy.h"

namespace autost::data {

struct NpzMember {
  std::string key;  // the member name without ".npy" ("t", "frames", ...)
  std::string npy;  // the member's .npy bytes, decompressed
};

// `name` (the path) starts every error message: "npz <name>: <what is wrong>".
std::vector<NpzMember> parse_npz(std::string_view bytes, const std::string& name);
std::vector<NpzMember> read_npz(const std::string& path);

// Writes an .npz whose members are stored uncompressed (what np.savez writes, without ZIP64
// extras): for tests and fuzz seeds.
std::string encode_npz_stored(const std::vector<NpzMember>& members);

// A 1-D integer member (descr [<>|=][iub][1248], either byte order) as int64 values. Errors name
// `where` ("file.npz:t").
std::vector<int64_t> npy_integers(const std::string& npy, const std::string& where);
// The inverse: a 1-D .npy (format 1.0) of dtype `descr` holding v (each value must fit).
std::string encode_npy_integers(const std::vector<int64_t>& v, const std::string& descr);

}  // namespace autost::data
