// Saving CUDA tensors: the file holds their CPU bytes (views in logical order) and loads back on the
// CPU identical to saving the same values from the CPU.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "nn/checkpoint.h"
#include "nn/safetensors.h"
#include "tensor/copy.h"
#include "tensor/random.h"

using namespace autost;
using namespace autost::nn;
namespace fs = std::filesystem;

TEST_CASE("save_safetensors copies CUDA tensors to the CPU") {
  const fs::path dir = fs::temp_directory_path() / ("autost_st_cuda_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Generator g(7);
  Tensor w = uniform({33, 17}, -1, 1, kFloat32, &g);
  std::vector<std::pair<std::string, Tensor>> cpu = {
      {"w", w}, {"wt", w.transpose(0, 1)}, {"b16", w.to(kBFloat16)}, {"n", scalar_tensor(3, kInt64)}};
  std::vector<std::pair<std::string, Tensor>> gpu;
  for (const auto& [name, t] : cpu) gpu.emplace_back(name, raw_to_device(t, Device::cuda()));
  gpu[1].second = gpu[0].second.transpose(0, 1);  // a strided CUDA view
  const std::string from_cpu = (dir / "cpu.safetensors").string(), from_gpu = (dir / "gpu.safetensors").string();
  save_safetensors(from_cpu, cpu);
  save_safetensors(from_gpu, gpu);
  CHECK(fs::file_size(from_cpu) == fs::file_size(from_gpu));
  SafetensorsFile a = load_safetensors(from_cpu), b = load_safetensors(from_gpu);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    INFO(a.tensors[i].first);
    CHECK(b.tensors[i].second.device().is_cpu());
    CHECK(std::memcmp(a.tensors[i].second.data_ptr(), b.tensors[i].second.data_ptr(), a.tensors[i].second.nbytes()) == 0);
  }
  fs::remove_all(dir);
}
