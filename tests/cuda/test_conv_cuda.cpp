// CUDA matmul (cuBLAS), conv2d (cuDNN) and pooling against the CPU, forward and gradients, on
// awkward sizes (odd, not multiples of the block size, broadcast batches, transposed views).
#include "tests/harness.h"

using namespace autost;
using autost::test::check_cuda_matches_cpu;

namespace {

Tensor leaf(const Shape& s, uint64_t seed, DType dt) { return test::random_leaf(s, seed, dt); }

std::vector<Tensor> inputs(Tensor a, Tensor b) { return {a, b}; }
std::vector<Tensor> inputs(Tensor a, Tensor b, Tensor c) { return {a, b, c}; }

}  // namespace

TEST_CASE("cuda matmul matches cpu (batched, broadcast, transposed)") {
  auto mm = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  auto mm_bt = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1].transpose(-1, -2)); };
  auto mm_at = [](const std::vector<Tensor>& in) { return matmul(in[0].transpose(-1, -2), in[1]); };
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
    INFO(std::string(dtype_name(dt)));
    check_cuda_matches_cpu(mm, inputs(leaf({3, 17, 33}, 1, dt), leaf({33, 65}, 2, dt)), tol, tol);
    check_cuda_matches_cpu(mm, inputs(leaf({2, 1, 3, 4}, 3, dt), leaf({5, 4, 6}, 4, dt)), tol, tol);
    check_cuda_matches_cpu(mm, inputs(leaf({129, 257}, 5, dt), leaf({257, 31}, 6, dt)), tol, tol);
    check_cuda_matches_cpu(mm_bt, inputs(leaf({3, 17, 33}, 7, dt), leaf({65, 33}, 8, dt)), tol, tol);
    check_cuda_matches_cpu(mm_at, inputs(leaf({4, 33, 17}, 9, dt), leaf({4, 33, 9}, 10, dt)), tol, tol);
    check_cuda_matches_cpu(mm, inputs(leaf({7}, 11, dt), leaf({2, 7, 5}, 12, dt)), tol, tol);
    check_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return kernels::matmul(in[0], in[1], true, true); },
        {leaf({6, 19, 13}, 13, dt).detach(), leaf({6, 11, 19}, 14, dt).detach()}, tol, tol);
  }
}

TEST_CASE("cuda conv2d matches cpu, forward and backward") {
  struct Case {
    Shape x, w;
    std::array<int64_t, 2> s, p, d;
    bool bias;
  } cases[] = {
      {{2, 3, 17, 15}, {8, 3, 3, 3}, {1, 1}, {1, 1}, {1, 1}, true},
      {{3, 5, 13, 11}, {7, 5, 3, 3}, {2, 2}, {1, 1}, {1, 1}, false},
      {{1, 4, 19, 9}, {6, 4, 3, 2}, {2, 1}, {1, 2}, {2, 1}, true},
      {{2, 16, 8, 8}, {33, 16, 1, 1}, {1, 1}, {0, 0}, {1, 1}, true},
  };
  for (DType dt : {kFloat32, kFloat64}) {
    const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
    uint64_t seed = 20;
    for (const auto& c : cases) {
      INFO("x ", c.x, " w ", c.w, " ", std::string(dtype_name(dt)));
      auto f = [c](const std::vector<Tensor>& in) {
        return conv2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.s, c.p, c.d);
      };
      check_cuda_matches_cpu(f, inputs(leaf(c.x, seed, dt), leaf(c.w, seed + 1, dt), leaf({c.w[0]}, seed + 2, dt)),
                             tol, tol);
      seed += 3;
    }
  }
}

TEST_CASE("cuda pooling matches cpu") {
  for (DType dt : {kFloat32, kFloat64}) {
    INFO(std::string(dtype_name(dt)));
    Tensor x = leaf({3, 5, 33, 31}, 40, dt);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}); },
                           {x}, 1e-6, 1e-6);
    check_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return max_pool2d(in[0], {2, 3}, {2, 2}, {1, 1}, true); }, {x}, 1e-6,
        1e-6);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], {2, 2}, {2, 2}); }, {x}, 1e-6,
                           1e-6);
    check_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true, false); }, {x},
        1e-6, 1e-6);
  }
}

TEST_CASE("cuda max_pool2d window offsets match cpu and the int64 path, ties included") {
  const kernels::Pool2dParams params[] = {
      {{3, 3}, {2, 2}, {1, 1}, false, true}, {{3, 3}, {1, 1}, {1, 1}, false, true},
      {{2, 3}, {2, 2}, {1, 1}, true, true},  {{4, 3}, {3, 3}, {2, 1}, true, true}};
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor random = leaf({2, 5, 33, 31}, 41, dt).detach();
    Tensor spikes = gt(random, 0.4).to(dt);  // binary input: many windows tie
    for (const Tensor& x : {random, spikes, zeros({2, 5, 33, 31}, dt)}) {
      for (const auto& p : params) {
        INFO(std::string(dtype_name(dt)), " kernel [", p.kernel[0], ", ", p.kernel[1], "] ceil ", p.ceil_mode);
        auto [y_cpu, off_cpu] = kernels::max_pool2d_with_offsets(x, p);
        auto [y_gpu, off_gpu] = kernels::max_pool2d_with_offsets(x.to(Device::cuda()), p);
        auto [yi_gpu, idx_gpu] = kernels::max_pool2d(x.to(Device::cuda()), p);
        REQUIRE(off_gpu.device().is_cuda());
        CHECK(off_gpu.dtype() == kUInt8);
        CHECK_CLOSE(y_gpu.cpu(), y_cpu, 0, 0);
        CHECK(off_gpu.cpu().to_vector<uint8_t>() == off_cpu.to_vector<uint8_t>());
        Tensor g = test::random_leaf(y_cpu.shape(), 42, dt).detach();
        Tensor gx_cpu = kernels::max_pool2d_backward(g, off_cpu, x.shape(), p);
        Tensor gx_off = kernels::max_pool2d_backward(g.to(Device::cuda()), off_gpu, x.shape(), p);
        Tensor gx_idx = kernels::max_pool2d_backward(g.to(Device::cuda()), idx_gpu, x.shape(), p);
        // Same argmax, same summation order (the gather visits windows in output order): identical.
        CHECK_CLOSE(gx_off.cpu(), gx_idx.cpu(), 0, 0);
        CHECK_CLOSE(gx_off.cpu(), gx_cpu, 0, 0);
      }
    }
  }
}
