// Spikes kept as bytes for backward (Storage::byte_shadow, saved_compact): the neuron's uint8 copy
// rides on the spikes' storage through views and contiguous(), ops that keep a spike operand keep
// those bytes instead of the floats (the float storage is freed), gradients are unchanged, and any
// write to the floats drops the copy.
#include <memory>

#include "autograd/ops.h"
#include "spiking/neuron.h"
#include "tensor/view.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::random_leaf;

namespace {

// Spikes of a LIF layer over [2, 6, 8] (about half fire) with autograd recording.
Tensor spikes(DType dt) {
  Tensor x = random_leaf({2, 6, 8}, 1, dt, -0.5, 2.5);
  return spiking::lif(x);
}

}  // namespace

TEST_CASE("neuron spikes carry their bytes through views and contiguous(); writes drop them") {
  Tensor s = spikes(kFloat32);
  Tensor bytes = raw_byte_shadow(s);
  REQUIRE(bytes.defined());
  CHECK(bytes.dtype() == kUInt8);
  CHECK_CLOSE(bytes.to(kFloat32), s, 0, 0);

  Tensor permuted = s.permute({2, 0, 1});
  CHECK_CLOSE(raw_byte_shadow(permuted).to(kFloat32), permuted, 0, 0);
  Tensor packed = permuted.contiguous();  // a new storage, with its own packed bytes
  REQUIRE(raw_byte_shadow(packed).defined());
  CHECK(packed.storage() != s.storage());
  CHECK_CLOSE(raw_byte_shadow(packed).to(kFloat32), packed, 0, 0);

  Tensor reshaped = permuted.reshape({8, 12});  // no view possible: a copy, bytes included
  REQUIRE(raw_byte_shadow(reshaped).defined());
  CHECK_CLOSE(raw_byte_shadow(reshaped).to(kFloat32), reshaped, 0, 0);

  Tensor plain = s.detach().clone();  // clone() makes an ordinary tensor
  CHECK_FALSE(raw_byte_shadow(plain).defined());
  {
    NoGradGuard no_grad;
    Tensor alias = s.detach();
    alias.fill_(0.5);  // no longer spikes
  }
  CHECK_FALSE(raw_byte_shadow(s).defined());
  CHECK_FALSE(raw_byte_shadow(spiking::lif(test::rand64({2, 3}, 2))).defined());  // nothing recorded
}

TEST_CASE("matmul and conv2d keep spike operands as bytes: the floats are freed, gradients equal") {
  for (DType dt : {kFloat32, kFloat64}) {
    // matmul: spikes [12, 8] x weight [8, 5]
    Tensor w = random_leaf({8, 5}, 3, dt);
    Tensor s = spikes(dt).view({12, 8});
    std::weak_ptr<Storage> floats = s.storage();
    Tensor y = matmul(s, w);
    s = Tensor();
    CHECK(floats.expired());  // only the bytes are kept for dW
    Generator g(4);
    Tensor gy = randn(y.shape(), TensorOptions(dt), &g);
    sum(mul(y, gy)).backward();
    Tensor gw_bytes = w.grad();

    Tensor w2 = w.detach().clone();
    w2.set_requires_grad(true);
    Tensor s2 = spikes(dt).detach().clone().view({12, 8});  // the same values, no bytes
    sum(mul(matmul(s2, w2), gy)).backward();
    CHECK_CLOSE(gw_bytes, w2.grad(), 0, 0);

    // conv2d: spikes viewed as [2, 3, 4, 4] images
    Tensor k = random_leaf({4, 3, 3, 3}, 5, dt);
    Tensor img = spikes(dt).view({2, 3, 4, 4});
    std::weak_ptr<Storage> img_floats = img.storage();
    Tensor c = conv2d(img, k, Tensor(), {1, 1}, {1, 1}, {1, 1});
    img = Tensor();
    CHECK(img_floats.expired());
    sum(c).backward();
    Tensor k2 = k.detach().clone();
    k2.set_requires_grad(true);
    sum(conv2d(spikes(dt).detach().clone().view({2, 3, 4, 4}), k2, Tensor(), {1, 1}, {1, 1}, {1, 1})).backward();
    CHECK_CLOSE(k.grad(), k2.grad(), 0, 0);
  }
}
