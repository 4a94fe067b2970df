// libFuzzer target: the architecture YAML parser (spiking/arch.h). Property beyond "no crash": an
// architecture that parses is written back by arch_to_yaml into text that parses to the same YAML.
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "spiking/arch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace autost::spiking;
  ArchConfig arch;
  try {
    arch = parse_arch_yaml(std::string(autost::fuzz::as_text(data, size)), "fuzz.yaml");
  } catch (const autost::Error&) {
    return 0;
  }
  const std::string text = arch_to_yaml(arch);
  if (arch_to_yaml(parse_arch_yaml(text, "round trip")) != text) std::abort();
  return 0;
}
