#include "tensor/device.h"

#include "tensor/cuda_check.h"
#include "tensor/error.h"

namespace autost {

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    try {
      size_t used = 0;
      int i = std::stoi(s.substr(5), &used);
      if (used == s.size() - 5 && i >= 0) return cuda(i);
    } catch (const std::exception&) {
    }
  }
  AUTOST_FAIL("unknown device '", s, "' (expected cpu, cuda or cuda:N)");
}

int cuda_device_count() {
#ifdef AUTOST_WITH_CUDA
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // no driver or no device: not an error, just zero devices
      return 0;
    }
    return n;
  }();
  return count;
#else
  return 0;
#endif
}

bool cuda_available() { return cuda_device_count() > 0; }

void check_device_usable(const Device& d) {
  if (d.is_cpu()) return;
#ifndef AUTOST_WITH_CUDA
  AUTOST_FAIL("device ", d.str(), " requested but autost was built without CUDA");
#else
  int n = cuda_device_count();
  AUTOST_CHECK(n > 0, "device ", d.str(), " requested but no CUDA device is available");
  AUTOST_CHECK(d.index < n, "device ", d.str(), " requested but only ", n, " CUDA device(s) exist");
#endif
}

}  // namespace autost
