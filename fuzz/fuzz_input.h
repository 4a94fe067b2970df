#pragma once
// Shared by the libFuzzer targets: readers that only take a path get the input as a file in a
// per-process folder (overwritten on every run, removed at exit), and every target treats an
// autost::Error as the expected outcome of bad input; anything else (a crash, a sanitizer report,
// another exception type escaping) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "tensor/error.h"

namespace autost::fuzz {

inline const std::filesystem::path& work_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("autost_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(work_dir(), ec);
    });
    return d;
  }();
  return dir;
}

// Writes the input to <work dir>/<name> and returns that path.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = (work_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the harness itself failed: not a finding about the reader
  return path;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace autost::fuzz
