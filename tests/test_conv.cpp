// conv2d: the float64 direct loops against a naive 7-loop reference, the float32 oneDNN path
// against float64, gradients by finite differences, and PyTorch golden values.
#include <string>

#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::rand64;
using autost::test::leaf64;

namespace {

kernels::Conv2dParams params(std::array<int64_t, 2> s, std::array<int64_t, 2> p, std::array<int64_t, 2> d) {
  return {s, p, d};
}

// Cross-correlation straight from the definition.
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor& b, const kernels::Conv2dParams& p) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = w.size(0), KH = w.size(2), KW = w.size(3);
  const int64_t OH = (H + 2 * p.padding[0] - p.dilation[0] * (KH - 1) - 1) / p.stride[0] + 1;
  const int64_t OW = (W + 2 * p.padding[1] - p.dilation[1] * (KW - 1) - 1) / p.stride[1] + 1;
  std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>(), y(N * O * OH * OW);
  std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(O, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = bv[o];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t ih = oh * p.stride[0] - p.padding[0] + kh * p.dilation[0];
                int64_t iw = ow * p.stride[1] - p.padding[1] + kw * p.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += xv[((n * C + c) * H + ih) * W + iw] * wv[((o * C + c) * KH + kh) * KW + kw];
              }
          y[((n * O + o) * OH + oh) * OW + ow] = acc;
        }
  return from_vector(y, {N, O, OH, OW}, kFloat64);
}

struct Case {
  Shape x, w;
  kernels::Conv2dParams p;
  bool bias;
};

std::vector<Case> cases() {
  return {
      {{2, 3, 8, 8}, {4, 3, 3, 3}, params({1, 1}, {1, 1}, {1, 1}), true},
      {{2, 3, 9, 7}, {5, 3, 3, 3}, params({2, 2}, {1, 1}, {1, 1}), false},
      {{1, 4, 11, 10}, {3, 4, 3, 3}, params({1, 1}, {2, 2}, {2, 2}), true},
      {{3, 2, 7, 9}, {6, 2, 3, 2}, params({2, 1}, {1, 2}, {2, 1}), true},
      {{2, 5, 6, 5}, {7, 5, 1, 1}, params({1, 1}, {0, 0}, {1, 1}), false},
      {{1, 3, 13, 13}, {2, 3, 5, 5}, params({3, 2}, {2, 0}, {1, 2}), true},
  };
}

std::vector<Tensor> inputs(Tensor a, Tensor b) { return {a, b}; }
std::vector<Tensor> inputs(Tensor a, Tensor b, Tensor c) { return {a, b, c}; }

}  // namespace

TEST_CASE("conv2d float64 direct loops match the definition") {
  uint64_t seed = 1;
  for (const Case& c : cases()) {
    INFO("x ", c.x, " w ", c.w, " stride ", c.p.stride[0], ",", c.p.stride[1]);
    Tensor x = rand64(c.x, seed++), w = rand64(c.w, seed++);
    Tensor b = c.bias ? rand64({c.w[0]}, seed++) : Tensor();
    CHECK_CLOSE(kernels::conv2d(x, w, b, c.p), naive_conv(x, w, b, c.p), 1e-12, 1e-12);
  }
}

TEST_CASE("conv2d float32 (oneDNN) matches the float64 path, forward and backward") {
  uint64_t seed = 100;
  for (const Case& c : cases()) {
    INFO("x ", c.x, " w ", c.w, " stride ", c.p.stride[0], ",", c.p.stride[1], " dilation ", c.p.dilation[0], ",",
         c.p.dilation[1]);
    Tensor x = rand64(c.x, seed++), w = rand64(c.w, seed++);
    Tensor b = c.bias ? rand64({c.w[0]}, seed++) : Tensor();
    Tensor y64 = kernels::conv2d(x, w, b, c.p);
    Tensor y32 = kernels::conv2d(x.to(kFloat32), w.to(kFloat32), c.bias ? b.to(kFloat32) : Tensor(), c.p);
    CHECK(y32.dtype() == kFloat32);
    CHECK_CLOSE(y32, y64, 1e-5, 1e-4);
    // Twice: the second call runs the cached primitive.
    CHECK_CLOSE(kernels::conv2d(x.to(kFloat32), w.to(kFloat32), c.bias ? b.to(kFloat32) : Tensor(), c.p), y64, 1e-5,
                1e-4);
    Tensor gy = rand64(y64.shape(), seed++);
    CHECK_CLOSE(kernels::conv2d_backward_input(gy.to(kFloat32), w.to(kFloat32), c.x, c.p),
                kernels::conv2d_backward_input(gy, w, c.x, c.p), 1e-5, 1e-4);
    CHECK_CLOSE(kernels::conv2d_backward_weight(gy.to(kFloat32), x.to(kFloat32), c.w, c.p),
                kernels::conv2d_backward_weight(gy, x, c.w, c.p), 1e-4, 1e-4);
    CHECK_CLOSE(kernels::conv2d_backward_bias(gy.to(kFloat32)), kernels::conv2d_backward_bias(gy), 1e-5, 1e-4);
  }
}

TEST_CASE("conv2d backward equals the adjoint of forward (float64)") {
  // <conv(x, w), g> = <x, dX(g)> = <w, dW(g)>: checks the direct backward loops exactly.
  for (const Case& c : cases()) {
    Tensor x = rand64(c.x, 7), w = rand64(c.w, 8);
    Tensor y = kernels::conv2d(x, w, Tensor(), c.p);
    Tensor g = rand64(y.shape(), 9);
    double lhs = sum(mul(y, g)).item();
    CHECK(sum(mul(x, kernels::conv2d_backward_input(g, w, c.x, c.p))).item() == doctest::Approx(lhs).epsilon(1e-10));
    CHECK(sum(mul(w, kernels::conv2d_backward_weight(g, x, c.w, c.p))).item() == doctest::Approx(lhs).epsilon(1e-10));
  }
}

TEST_CASE("conv2d gradients (gradcheck)") {
  auto f = [](std::array<int64_t, 2> s, std::array<int64_t, 2> p, std::array<int64_t, 2> d) {
    return [=](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), s, p, d); };
  };
  CHECK_GRADCHECK(f({1, 1}, {1, 1}, {1, 1}), inputs(leaf64({2, 2, 5, 4}, 1), leaf64({3, 2, 3, 3}, 2), leaf64({3}, 3)));
  CHECK_GRADCHECK(f({2, 1}, {1, 2}, {2, 1}), inputs(leaf64({1, 3, 7, 6}, 4), leaf64({2, 3, 3, 2}, 5), leaf64({2}, 6)));
  CHECK_GRADCHECK(f({2, 2}, {0, 0}, {1, 1}), inputs(leaf64({2, 2, 5, 5}, 7), leaf64({2, 2, 2, 2}, 8)));
  // Only the input requires grad (a frozen weight), and only the weight.
  Tensor w = leaf64({2, 2, 3, 3}, 9).detach(), x = leaf64({1, 2, 5, 5}, 10).detach();
  CHECK_GRADCHECK([w](const std::vector<Tensor>& in) { return conv2d(in[0], w, Tensor(), {1, 1}, {1, 1}); },
                  std::vector<Tensor>{leaf64({1, 2, 5, 5}, 11)});
  CHECK_GRADCHECK([x](const std::vector<Tensor>& in) { return conv2d(x, in[0], Tensor(), {1, 1}, {1, 1}); },
                  std::vector<Tensor>{leaf64({2, 2, 3, 3}, 12)});
}

TEST_CASE("conv2d matches PyTorch (golden fixtures)") {
  auto load = [](const char* name) { return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/conv2d/" + name + ".npy"); };
  Tensor x = load("x"), w = load("w"), b = load("b"), gy = load("gy");
  kernels::Conv2dParams p = params({2, 1}, {1, 2}, {2, 1});
  for (DType dt : {kFloat64, kFloat32}) {
    INFO(std::string(dtype_name(dt)));
    double tol = dt == kFloat64 ? 1e-12 : 1e-4;
    Tensor xl = x.to(dt).clone().detach(), wl = w.to(dt).clone().detach(), bl = b.to(dt).clone().detach();
    xl.set_requires_grad(true);
    wl.set_requires_grad(true);
    bl.set_requires_grad(true);
    Tensor y = conv2d(xl, wl, bl, p.stride, p.padding, p.dilation);
    CHECK_CLOSE(y, load("y"), tol, tol);
    y.backward(gy.to(dt));
    CHECK_CLOSE(xl.grad(), load("gx"), tol, tol);
    CHECK_CLOSE(wl.grad(), load("gw"), tol, tol);
    CHECK_CLOSE(bl.grad(), load("gb"), tol, tol);
  }
}

TEST_CASE("conv2d errors name the op and the shapes") {
  Tensor x = zeros({1, 3, 5, 5}), w = zeros({4, 3, 3, 3});
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 2, 3, 3})), doctest::Contains("conv2d"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 2, 3, 3})), doctest::Contains("[1, 3, 5, 5]"), Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros({3, 5, 5}), w), doctest::Contains("conv2d"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({4, 3, 7, 7})), doctest::Contains("conv2d"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w, zeros({5})), doctest::Contains("bias"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor(), {0, 1}), doctest::Contains("stride"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w.to(kFloat64)), doctest::Contains("conv2d"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_backward_input(zeros({1, 4, 2, 2}), w, x.shape(), {}),
                       doctest::Contains("conv2d_backward_input"), Error);
}
