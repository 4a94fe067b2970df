// The fused BatchNorm + neuron op (spiking/bn_fire.h) against the two ops applied one after the
// other: same spikes, same running statistics, same gradients for x, the affine parameters and
// PLIF's w; and the module-level helper's choice between the fused and the separate path.
#include <string>

#include "autograd/grad_mode.h"
#include "nn/layers/norm.h"
#include "spiking/bn_fire.h"
#include "spiking/neuron.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::random_leaf;

namespace {

struct Run {
  Tensor spikes, gx, gweight, gbias, gw, running_mean, running_var;
};

// x [N, C, *] with N = T * batch; the loss weights each spike by a fixed random tensor.
Run run(bool fused, bool plif, const Shape& shape, int64_t T, DType dt) {
  Tensor x = random_leaf(shape, 1, dt, -1, 3);
  Tensor weight = random_leaf({shape[1]}, 2, dt, 1, 3), bias = random_leaf({shape[1]}, 3, dt, 0, 1);
  Tensor w = plif ? random_leaf({}, 4, dt, -0.5, 0.5) : Tensor();
  Tensor rm = zeros({shape[1]}, dt), rv = ones({shape[1]}, dt);
  spiking::NeuronOptions o;
  Tensor s;
  if (fused) {
    spiking::BatchNormFireArgs a;
    a.weight = weight, a.bias = bias, a.running_mean = rm, a.running_var = rv, a.plif_w = w;
    a.neuron = spiking::neuron_params(o);
    a.T = T;
    s = spiking::batch_norm_fire(x, a);
  } else {
    Tensor y = batch_norm(x, weight, bias, rm, rv, true, 0.1, 1e-5).reshape({T, -1});
    s = (plif ? spiking::plif(y, w, o) : spiking::lif(y, o)).view(shape);
  }
  Generator g(7);
  sum(mul(s, randn(shape, TensorOptions(dt), &g))).backward();
  return {s, x.grad(), weight.grad(), bias.grad(), plif ? w.grad() : Tensor(), rm, rv};
}

}  // namespace

TEST_CASE("batch_norm_fire equals batch_norm then the neuron: spikes, running stats, gradients") {
  for (DType dt : {kFloat64, kFloat32}) {
    for (bool plif : {false, true}) {
      for (const Shape& shape : {Shape{8, 6}, Shape{6, 4, 3, 5}}) {  // tokens [T*B*N, C], images [T*B, C, H, W]
        const std::string dtype = dtype_name(dt);
        CAPTURE(dtype);
        CAPTURE(plif);
        CAPTURE(shape.size());
        const int64_t T = 2;
        Run a = run(true, plif, shape, T, dt), b = run(false, plif, shape, T, dt);
        CHECK(sum(a.spikes).item() > 0);  // the inputs make some neurons fire
        CHECK_CLOSE(a.spikes, b.spikes, 0, 0);
        CHECK_CLOSE(a.running_mean, b.running_mean, 0, 0);
        CHECK_CLOSE(a.running_var, b.running_var, 0, 0);
        // The same kernels on the same values: equal to the last bit.
        CHECK_CLOSE(a.gx, b.gx, 0, 0);
        CHECK_CLOSE(a.gweight, b.gweight, 0, 0);
        CHECK_CLOSE(a.gbias, b.gbias, 0, 0);
        if (plif) CHECK_CLOSE(a.gw, b.gw, 0, 0);
      }
    }
  }
}

TEST_CASE("batch_norm_fire: no gradient wanted records nothing; bad shapes are errors") {
  Tensor x = test::rand64({4, 3}, 1);
  spiking::BatchNormFireArgs a;
  a.T = 2;
  CHECK_FALSE(spiking::batch_norm_fire(x, a).requires_grad());
  a.T = 3;
  CHECK_THROWS_WITH_AS(spiking::batch_norm_fire(x, a),
                       "batch_norm_fire: leading extent 4 does not split into T = 3 steps", Error);
}

TEST_CASE("normalise_and_fire: fused in training, separate calls under a hook or in eval") {
  nn::BatchNorm1d bn(4, 1e-5, 0.1, true, true, kFloat64);
  spiking::PLIFNode neuron(spiking::NeuronOptions{}, kFloat64);
  Tensor x = random_leaf({12, 4}, 5, kFloat64, -1, 3);
  Tensor s = spiking::normalise_and_fire(bn, neuron, x, 2);
  REQUIRE(s.grad_fn());
  CHECK(s.grad_fn()->name() == "batch_norm_fire_backward");
  CHECK(bn.num_batches_tracked.item<int64_t>() == 1);
  CHECK(neuron.last_firing_rate() == doctest::Approx(mean(s).item()));

  int calls = 0;
  {
    nn::ForwardHookGuard hook([&](const nn::Module&, const Tensor&, const Tensor&) { ++calls; });
    Tensor h = spiking::normalise_and_fire(bn, neuron, x, 2);
    CHECK(h.grad_fn()->name() != "batch_norm_fire_backward");
    CHECK_CLOSE(h, s, 0, 0);
  }
  CHECK(calls == 2);  // the hook saw both modules
  CHECK(bn.num_batches_tracked.item<int64_t>() == 2);

  bn.eval();
  Tensor e = spiking::normalise_and_fire(bn, neuron, x, 2);
  CHECK(e.grad_fn()->name() != "batch_norm_fire_backward");
  CHECK(bn.num_batches_tracked.item<int64_t>() == 2);
}
