// libFuzzer target: the CIFAR-10 and CIFAR-100 batch readers (data/cifar.h) on any bytes, given as
// the test file of each variant with the official-count check off.
#include "data/cifar.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace autost::data;
  autost::fuzz::input_file(data, size, "test_batch.bin");
  autost::fuzz::input_file(data, size, "test.bin");
  const std::string root = autost::fuzz::work_dir().string();
  try {
    load_cifar10(root, Split::Test, CifarOptions{false});
  } catch (const autost::Error&) {
  }
  try {
    load_cifar100(root, Split::Test, CifarOptions{false});
  } catch (const autost::Error&) {
  }
  return 0;
}
