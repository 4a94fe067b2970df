// CUDA tensor basics against the CPU: copies across devices, strided copies and conversions on the
// device, fills, Philox random numbers identical on both devices, and the caching allocator.
#include "tensor/allocator.h"
#include "tests/harness.h"

using namespace autost;

TEST_CASE("round trip and strided copies on the device") {
  Tensor x = arange(0.0, 1001.0, 1.0, kFloat64).view({7, 11, 13});
  Tensor g = x.to(Device::cuda());
  CHECK(g.is_cuda());
  CHECK(g.cpu().to_vector<double>() == x.to_vector<double>());
  Tensor gt = g.permute({2, 0, 1}).contiguous();
  CHECK(gt.cpu().to_vector<double>() == x.permute({2, 0, 1}).contiguous().to_vector<double>());
  CHECK(g.to(kFloat32).cpu().to_vector<float>() == x.to(kFloat32).to_vector<float>());
  CHECK(g.to(kBFloat16).cpu().to(kFloat64).to_vector<double>() == x.to(kBFloat16).to(kFloat64).to_vector<double>());
  CHECK(g.to(kInt64).cpu().to_vector<int64_t>() == x.to(kInt64).to_vector<int64_t>());
  Tensor dst = zeros({13, 7}, TensorOptions(kFloat32).device(Device::cuda())).transpose(0, 1);
  dst.copy_(x.select(1, 3));  // CPU -> strided CUDA destination
  CHECK(dst.cpu().contiguous().to_vector<float>() == x.select(1, 3).to(kFloat32).contiguous().to_vector<float>());
  Tensor f = full({1000, 3}, 2.5, TensorOptions(kFloat32).device(Device::cuda()));
  CHECK(f.cpu().to_vector<float>() == std::vector<float>(3000, 2.5f));
  CHECK(sum(f).item() == doctest::Approx(7500));
}

TEST_CASE("Philox gives the same numbers on CPU and CUDA") {
  for (DType dt : {kFloat32, kFloat64}) {
    Generator a(123), b(123);
    Tensor c = randn({4099}, dt, &a);
    Tensor d = randn({4099}, TensorOptions(dt).device(Device::cuda()), &b);
    CHECK_CLOSE(d.cpu(), c, 1e-6, 1e-6);
    Tensor u1 = uniform({1025}, -2, 3, dt, &a);
    Tensor u2 = uniform({1025}, -2, 3, TensorOptions(dt).device(Device::cuda()), &b);
    CHECK_CLOSE(u2.cpu(), u1, 1e-7, 1e-7);
    Tensor m1 = bernoulli({999}, 0.25, dt, &a);
    Tensor m2 = bernoulli({999}, 0.25, TensorOptions(dt).device(Device::cuda()), &b);
    CHECK(m2.cpu().to_vector<double>() == m1.to_vector<double>());
  }
}

TEST_CASE("caching allocator reuses blocks and reports peak bytes") {
  Device dev = Device::cuda();
  reset_peak_memory(dev);
  int64_t base = memory_stats(dev).current_bytes;
  void* first = nullptr;
  {
    Tensor t = empty({1 << 20}, TensorOptions(kFloat32).device(dev));
    first = t.data_ptr();
    CHECK(memory_stats(dev).current_bytes - base >= (4 << 20));
  }
  CHECK(memory_stats(dev).current_bytes == base);
  Tensor again = empty({1 << 20}, TensorOptions(kFloat32).device(dev));
  CHECK(again.data_ptr() == first);  // served from the cache
  CHECK(memory_stats(dev).peak_bytes >= base + (4 << 20));
  CHECK_THROWS_WITH_AS(zeros({2}, Device::cuda(cuda_device_count())), doctest::Contains("CUDA device"), Error);
}
