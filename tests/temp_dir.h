#pragma once
// A fresh directory per test (named after the process and a counter), removed with everything in it
// when the test ends.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace autost::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "autost_test") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::string operator/(const std::string& name) const { return file(name); }
};

}  // namespace autost::test
