// CUDA against CPU for the data-parallel pieces that run on one GPU: sync_batch_norm (statistics
// through the host, gradient formula from device ops) and allreduce_gradients' bookkeeping in a
// single-process group. Collectives across GPUs (NCCL) need several GPUs and are not tested here.
#include "nn/distributed.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;
using autost::test::check_cuda_matches_cpu;

TEST_CASE("sync_batch_norm on CUDA matches CPU: outputs, gradients and running statistics") {
  ProcessGroup pg;
  for (DType dt : {kFloat64, kFloat32}) {
    const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
    for (Shape shape : {Shape{300, 3}, Shape{5, 7, 37}, Shape{3, 5, 17, 19}}) {
      INFO("shape ", shape, " dtype ", dtype_name(dt));
      const int64_t c = shape[1];
      Tensor x = test::random_leaf(shape, 1, dt, -2, 3), w = test::random_leaf({c}, 2, dt, 0.5, 1.5);
      Tensor b = test::random_leaf({c}, 3, dt);
      check_cuda_matches_cpu(
          [&](const std::vector<Tensor>& in) {
            return sync_batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), 0.1, 1e-5, pg);
          },
          {x, w, b}, tol, tol);
      Tensor rm_cpu = zeros({c}, dt), rv_cpu = ones({c}, dt);
      Tensor rm_gpu = rm_cpu.to(Device::cuda()), rv_gpu = rv_cpu.to(Device::cuda());
      sync_batch_norm(x.detach(), Tensor(), Tensor(), rm_cpu, rv_cpu, 0.1, 1e-5, pg);
      sync_batch_norm(x.detach().to(Device::cuda()), Tensor(), Tensor(), rm_gpu, rv_gpu, 0.1, 1e-5, pg);
      CHECK_CLOSE(rm_gpu.cpu(), rm_cpu, tol, tol);
      CHECK_CLOSE(rv_gpu.cpu(), rv_cpu, tol, tol);
    }
  }
}

TEST_CASE("allreduce_gradients and broadcast_module accept CUDA tensors in one process") {
  ProcessGroup pg;
  Tensor p = zeros({4}, TensorOptions(kFloat32).device(Device::cuda())).set_requires_grad(true);
  p.set_grad(full({4}, 2.0, TensorOptions(kFloat32).device(Device::cuda())));
  allreduce_gradients({p}, pg);
  CHECK_CLOSE(p.grad().cpu(), full({4}, 2.0, kFloat32), 0, 0);
  Tensor t = full({3}, 1.5, TensorOptions(kFloat32).device(Device::cuda()));
  pg.allreduce_sum(t);
  pg.broadcast(t, 0);
  CHECK_CLOSE(t.cpu(), full({3}, 1.5, kFloat32), 0, 0);
}
