#pragma once
// What the dataset-reader tests share: a temporary folder (tests/temp_dir.h), whole-file writes,
// and CHECK_REJECTS(fn, file, check): fn throws one autost::Error line naming the file and the check
// that failed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/error.h"
#include "tests/temp_dir.h"

namespace autost::test {

using Bytes = std::vector<uint8_t>;

inline void write_string(const std::string& p, std::string_view b) {
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}
inline void write_raw(const std::string& p, const Bytes& b) {
  write_string(p, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

// The error message of fn, or "" when it does not throw.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace autost::test

#define CHECK_REJECTS(fn, file, check)                                             \
  do {                                                                             \
    std::string autost_msg_ = ::autost::test::error_of(fn);                        \
    INFO("message: ", autost_msg_);                                                \
    CHECK_FALSE(autost_msg_.empty());                                              \
    CHECK(autost_msg_.find(file) != std::string::npos);                            \
    CHECK(autost_msg_.find(check) != std::string::npos);                           \
    CHECK(autost_msg_.find('\n') == std::string::npos);                            \
  } while (0)
