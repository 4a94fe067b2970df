// Both model families on CUDA against the PyTorch twin's fixtures (the same check as the CPU's
// tests/test_models.cpp): logits, loss, exact spike counts and every gradient, float64 and float32.
#include "tests/model_twin.h"

using namespace autost;

TEST_CASE("models on CUDA match the PyTorch twin") {
  for (std::string name : {"autost_cifar", "spikformer_cifar", "spikformer_dvs", "spikformer_imagenet"}) {
    for (DType dtype : {kFloat64, kFloat32}) {
      INFO("case ", name, " ", dtype_name(dtype));
      test::check_model_twin(name, dtype, Device::cuda());
    }
  }
}
