// libFuzzer target: the IDX reader (data/idx.h) on any bytes, raw or gzip (zlib's gzread takes both).
#include "data/idx.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = autost::fuzz::input_file(data, size, "input.idx");
  try {
    autost::data::read_idx_u8(path);
  } catch (const autost::Error&) {
  }
  try {
    autost::data::read_idx_labels(path, 10);
  } catch (const autost::Error&) {
  }
  return 0;
}
