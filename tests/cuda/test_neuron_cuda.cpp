// Fused LIF / PLIF neurons: CUDA against CPU on awkward neuron counts, both dtypes, including the
// PLIF w gradient (reduced per block and then over blocks on the device).
#include "spiking/bn_fire.h"
#include "spiking/neuron.h"
#include "tests/harness.h"

using namespace autost;
using autost::spiking::NeuronOptions;
using autost::spiking::SurrogateKind;

namespace {

std::vector<NeuronOptions> configs() {
  NeuronOptions base, attn, nodetach, soft, atan_nodecay;
  attn.v_threshold = 0.5;
  nodetach.detach_reset = false;
  soft.v_reset.reset();
  soft.detach_reset = false;
  atan_nodecay.surrogate = SurrogateKind::ATan;
  atan_nodecay.decay_input = false;
  atan_nodecay.tau = 3.0;
  return {base, attn, nodetach, soft, atan_nodecay};
}

Tensor input(const Shape& shape, uint64_t seed, DType dt) {
  Tensor x = test::rand64(shape, seed, -0.5, 2.5).to(dt);
  x.set_requires_grad(true);
  return x;
}

}  // namespace

TEST_CASE("cuda lif matches cpu") {
  for (DType dt : {kFloat32, kFloat64}) {
    for (Shape shape : {Shape{4, 3, 1001}, Shape{1, 257}, Shape{7, 5, 3}, Shape{4, 70001}}) {
      int cfg = 0;
      for (const NeuronOptions& o : configs()) {
        INFO("dtype ", dtype_name(dt), " shape ", shape, " config ", cfg++);
        double tol = dt == kFloat32 ? 1e-5 : 1e-12;
        test::check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return spiking::lif(in[0], o); },
                                     {input(shape, 3, dt)}, tol, tol);
      }
    }
  }
}

TEST_CASE("cuda plif matches cpu, w gradient included") {
  for (DType dt : {kFloat32, kFloat64}) {
    for (Shape shape : {Shape{4, 3, 1001}, Shape{2, 33}, Shape{4, 70001}}) {
      int cfg = 0;
      for (const NeuronOptions& o : configs()) {
        INFO("dtype ", dtype_name(dt), " shape ", shape, " config ", cfg++);
        Tensor w = full({}, -0.3, TensorOptions(dt));
        w.set_requires_grad(true);
        double tol = dt == kFloat32 ? 1e-4 : 1e-10;
        test::check_cuda_matches_cpu(
            [&](const std::vector<Tensor>& in) { return spiking::plif(in[0], in[1], o); }, {input(shape, 4, dt), w},
            tol, tol);
      }
    }
  }
}

TEST_CASE("cuda batch_norm_fire matches cpu: spikes and the gradients of x, weight, bias and PLIF w") {
  for (DType dt : {kFloat32, kFloat64}) {
    for (Shape shape : {Shape{4 * 33, 7}, Shape{4, 5, 9, 11}}) {
      INFO("dtype ", dtype_name(dt), " shape ", shape);
      const int64_t c = shape[1];
      Tensor w = full({}, -0.3, TensorOptions(dt));
      w.set_requires_grad(true);
      const double tol = dt == kFloat32 ? 1e-4 : 1e-10;
      test::check_cuda_matches_cpu(
          [&](const std::vector<Tensor>& in) {
            spiking::BatchNormFireArgs a;
            a.weight = in[1], a.bias = in[2], a.plif_w = in[3], a.T = 4;
            return spiking::batch_norm_fire(in[0], a);
          },
          {input(shape, 5, dt), test::random_leaf({c}, 6, dt, 1, 3), test::random_leaf({c}, 7, dt, 0, 1), w}, tol,
          tol);
    }
  }
}

TEST_CASE("cuda plif w gradient is identical run to run") {
  Tensor x = test::rand64({4, 70001}, 5, -0.5, 2.5).to(kFloat32).to(Device::cuda());
  Tensor g = test::rand64({4, 70001}, 6).to(kFloat32).to(Device::cuda());
  auto gw = [&] {
    Tensor w = full({}, 0.1, TensorOptions(kFloat32)).to(Device::cuda());
    w.set_requires_grad(true);
    sum(mul(spiking::plif(x, w), g)).backward();
    return w.grad().item();
  };
  double a = gw();
  CHECK(a == gw());
}

TEST_CASE("cuda PLIFNode moves its w and records the firing rate") {
  spiking::PLIFNode node;
  node.to(Device::cuda());
  Tensor x = test::rand64({4, 2, 513}, 7, -0.5, 2.5).to(kFloat32);
  Tensor y = node(x.to(Device::cuda()));
  double rate_gpu = node.last_firing_rate();
  spiking::PLIFNode cpu_node;
  cpu_node(x);
  CHECK(rate_gpu == doctest::Approx(cpu_node.last_firing_rate()));
  CHECK(y.device().is_cuda());
}
