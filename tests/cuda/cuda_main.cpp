// Main of the CUDA test programs: where no CUDA device exists, running tests exits 77, which CTest
// reports as skipped (SKIP_RETURN_CODE). Listing tests (test discovery) always works.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

#include "tensor/device.h"

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i)
    if (std::strstr(argv[i], "list-test") != nullptr || std::strstr(argv[i], "-ltc") != nullptr) listing = true;
  if (!listing && !autost::cuda_available()) {
    std::printf("no CUDA device available: skipped\n");
    return 77;
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
