#include "tensor/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "tensor/error.h"

namespace autost {

void write_file_atomic(const std::string& path, std::string_view bytes) {
  // The counter keeps two threads of one process (data-loader workers filling a frame cache) from
  // sharing a temporary file.
  static std::atomic<uint64_t> serial{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(serial++);
  {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
    AUTOST_CHECK(f != nullptr, path, ": cannot write (", std::strerror(errno), ")");
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f.get()) == bytes.size();
    ok = ok && std::fflush(f.get()) == 0 && ::fsync(::fileno(f.get())) == 0;
    if (!ok) {
      const int err = errno;
      f.reset();
      std::remove(tmp.c_str());
      AUTOST_FAIL(path, ": write failed (", std::strerror(err), "); the previous file is untouched");
    }
    const int closed = std::fclose(f.release());
    if (closed != 0) {
      std::remove(tmp.c_str());
      AUTOST_FAIL(path, ": write failed on close; the previous file is untouched");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    AUTOST_FAIL(path, ": cannot rename ", tmp, " into place (", std::strerror(err), ")");
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  AUTOST_CHECK(in.good(), path, ": cannot open (", std::strerror(errno), ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  AUTOST_CHECK(!in.bad(), path, ": read error");
  return ss.str();
}

}  // namespace autost
