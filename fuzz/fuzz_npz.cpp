// libFuzzer target: .npz archives (data/npz.h: ZIP central directory, ZIP64 extras, stored and
// deflated members, CRC) and the .npy headers inside them (tensor/npy.h), through the CIFAR10-DVS
// event reader (data/events_npz.h) and through parse_npy for every member.
#include "data/events_npz.h"
#include "data/npz.h"
#include "fuzz/fuzz_input.h"
#include "tensor/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace autost::data;
  const std::string_view bytes = autost::fuzz::as_text(data, size);
  try {
    decode_events_npz(bytes, "fuzz.npz", true);
  } catch (const autost::Error&) {
  }
  try {
    for (const NpzMember& m : parse_npz(bytes, "fuzz.npz")) {
      try {
        autost::parse_npy(m.npy, m.key);
      } catch (const autost::Error&) {
      }
    }
  } catch (const autost::Error&) {
  }
  return 0;
}
