// libFuzzer target: the safetensors reader (nn/safetensors.h), which reads from a path, on any bytes.
#include "fuzz/fuzz_input.h"
#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = autost::fuzz::input_file(data, size, "input.safetensors");
  try {
    autost::nn::load_safetensors(path);
  } catch (const autost::Error&) {
  }
  return 0;
}
