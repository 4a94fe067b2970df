// max_pool2d / avg_pool2d against naive loops written from torch's definitions (padding, ceil_mode,
// count_include_pad), gradients by finite differences, and PyTorch golden values for the SPS pool.
#include <cmath>
#include <limits>
#include <string>

#include "tensor/allocator.h"
#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::rand64;
using autost::test::leaf64;

namespace {

int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  double v = static_cast<double>(in + 2 * p - k) / static_cast<double>(s);
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(v) : std::floor(v)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // last window must start inside input or left pad
  return out;
}

// Naive pooling over every window; returns (values, argmax or empty).
std::pair<Tensor, Tensor> naive_pool(const Tensor& x, const kernels::Pool2dParams& p, bool is_max) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t OH = out_size(H, p.kernel[0], p.stride[0], p.padding[0], p.ceil_mode);
  const int64_t OW = out_size(W, p.kernel[1], p.stride[1], p.padding[1], p.ceil_mode);
  std::vector<double> xv = x.to_vector<double>(), y, idx;
  for (int64_t pl = 0; pl < N * C; ++pl)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t arg = -1, real = 0, padded = 0;
        for (int64_t i = 0; i < p.kernel[0]; ++i)
          for (int64_t j = 0; j < p.kernel[1]; ++j) {
            int64_t h = oh * p.stride[0] - p.padding[0] + i, w = ow * p.stride[1] - p.padding[1] + j;
            if (h < H + p.padding[0] && w < W + p.padding[1]) ++padded;  // inside the padded input
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            double v = xv[pl * H * W + h * W + w];
            ++real;
            sum += v;
            if (v > best) best = v, arg = h * W + w;
          }
        y.push_back(is_max ? best : sum / static_cast<double>(p.count_include_pad ? padded : real));
        idx.push_back(static_cast<double>(arg));
      }
  return {from_vector(y, {N, C, OH, OW}, kFloat64), from_vector(idx, {N, C, OH, OW}, kInt64)};
}

kernels::Pool2dParams pp(std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p, bool ceil,
                         bool include = true) {
  return {k, s, p, ceil, include};
}

std::vector<kernels::Pool2dParams> configs() {
  return {pp({2, 2}, {2, 2}, {0, 0}, false), pp({3, 3}, {2, 2}, {1, 1}, false), pp({3, 3}, {2, 2}, {1, 1}, true),
          pp({3, 2}, {1, 2}, {1, 0}, false),  pp({2, 3}, {3, 2}, {1, 1}, true),  pp({3, 3}, {2, 2}, {0, 1}, true),
          pp({3, 3}, {2, 2}, {1, 1}, true, false), pp({2, 2}, {3, 3}, {1, 1}, true, false)};
}

}  // namespace


TEST_CASE("max_pool2d and avg_pool2d match naive loops (padding, ceil_mode, count_include_pad)") {
  Tensor x = rand64({2, 3, 9, 8}, 1);
  int i = 0;
  for (const auto& p : configs()) {
    INFO("config ", i++);
    auto [ymax, imax] = naive_pool(x, p, true);
    auto [mv, mi] = kernels::max_pool2d(x, p);
    CHECK_CLOSE(mv, ymax, 0, 0);
    CHECK(mi.dtype() == kInt64);
    CHECK_CLOSE(mi, imax, 0, 0);
    auto [m32, i32] = kernels::max_pool2d(x.to(kFloat32), p);
    CHECK_CLOSE(m32, ymax, 1e-7, 1e-6);
    CHECK_CLOSE(i32, imax, 0, 0);
    Tensor yavg = naive_pool(x, p, false).first;
    CHECK_CLOSE(kernels::avg_pool2d(x, p), yavg, 1e-14, 1e-12);
    CHECK_CLOSE(kernels::avg_pool2d(x.to(kFloat32), p), yavg, 1e-6, 1e-5);
  }
}

TEST_CASE("max_pool2d: padding never wins, NaN propagates") {
  Tensor neg = full({1, 1, 4, 4}, -5.0, kFloat64);
  Tensor y = max_pool2d(neg, {3, 3}, {2, 2}, {1, 1});
  CHECK_CLOSE(y, full({1, 1, 2, 2}, -5.0, kFloat64), 0, 0);
  std::vector<double> v(16, 0.0);
  v[5] = std::nan("");
  Tensor yn = max_pool2d(from_vector(v, {1, 1, 4, 4}, kFloat64), {2, 2}, {2, 2});
  std::vector<double> out = yn.to_vector<double>();
  CHECK(std::isnan(out[0]));
  CHECK(out[1] == 0.0);
}

TEST_CASE("pooling backward matches a naive scatter") {
  Tensor x = rand64({2, 2, 7, 9}, 3);
  int i = 0;
  for (const auto& p : configs()) {
    INFO("config ", i++);
    auto [y, idx] = kernels::max_pool2d(x, p);
    Tensor g = rand64(y.shape(), 4);
    // Max: each output's gradient goes to its argmax.
    std::vector<double> gx(x.numel(), 0.0), gv = g.to_vector<double>(), iv = idx.to_vector<double>();
    const int64_t plane_out = y.size(2) * y.size(3), plane_in = 7 * 9;
    for (int64_t o = 0; o < g.numel(); ++o) gx[(o / plane_out) * plane_in + static_cast<int64_t>(iv[o])] += gv[o];
    CHECK_CLOSE(kernels::max_pool2d_backward(g, idx, x.shape(), p), from_vector(gx, x.shape(), kFloat64), 1e-14, 1e-12);
    CHECK_CLOSE(kernels::max_pool2d_backward(g.to(kFloat32), idx, x.shape(), p), from_vector(gx, x.shape(), kFloat64),
                1e-6, 1e-5);
    // Average: avg_pool2d is linear, so its backward is its adjoint: <avg(x), g> = <x, avg^T(g)>.
    Tensor ga = kernels::avg_pool2d_backward(g, x.shape(), p);
    CHECK(sum(mul(kernels::avg_pool2d(x, p), g)).item() == doctest::Approx(sum(mul(x, ga)).item()).epsilon(1e-12));
    CHECK_CLOSE(kernels::avg_pool2d_backward(g.to(kFloat32), x.shape(), p), ga, 1e-6, 1e-5);
  }
}

namespace {

// Inputs whose windows tie: binary spikes (many windows hold several 1s, or only 0s), a constant
// plane (every window a tie, padding included), and random values for contrast.
std::vector<Tensor> argmax_inputs(const Shape& s) {
  Tensor spikes = gt(rand64(s, 7), 0.3).to(kFloat64);
  return {spikes, zeros(s, kFloat64), full(s, -2.0, kFloat64), rand64(s, 8)};
}

std::vector<kernels::Pool2dParams> offset_configs() {
  std::vector<kernels::Pool2dParams> c = configs();
  c.push_back(pp({3, 3}, {1, 1}, {1, 1}, false));
  c.push_back(pp({3, 3}, {2, 2}, {1, 1}, true));
  c.push_back(pp({2, 2}, {1, 1}, {0, 0}, true));
  c.push_back(pp({4, 3}, {3, 3}, {2, 1}, true));
  c.push_back(pp({1, 1}, {2, 2}, {0, 0}, false));
  return c;
}

}  // namespace

TEST_CASE("max_pool2d window offsets name the same argmax as flat indices; backward is bit-identical") {
  const Shape shape{2, 3, 11, 13};
  int i = 0;
  for (const auto& p : offset_configs()) {
    int j = 0;
    for (const Tensor& x64 : argmax_inputs(shape)) {
      for (DType dt : {kFloat64, kFloat32}) {
        INFO("config ", i, " input ", j, " ", std::string(dtype_name(dt)));
        Tensor x = x64.to(dt);
        auto [y, idx] = kernels::max_pool2d(x, p);
        auto [yo, off] = kernels::max_pool2d_with_offsets(x, p);
        CHECK(off.dtype() == kUInt8);
        CHECK_CLOSE(yo, y, 0, 0);
        // The ties break as in the naive loop (first max in row-major window order), in both forms.
        CHECK_CLOSE(idx, naive_pool(x64, p, true).second, 0, 0);
        // Offset -> flat index, written out here rather than through kernels/math/pool.h.
        const int64_t OH = y.size(2), OW = y.size(3), W = shape[3];
        std::vector<int64_t> iv = idx.to_vector<int64_t>(), from_off;
        std::vector<uint8_t> ov = off.to_vector<uint8_t>();
        for (size_t o = 0; o < ov.size(); ++o) {
          const int64_t oh = static_cast<int64_t>(o) / OW % OH, ow = static_cast<int64_t>(o) % OW;
          const int64_t h = oh * p.stride[0] - p.padding[0] + ov[o] / p.kernel[1];
          const int64_t w = ow * p.stride[1] - p.padding[1] + ov[o] % p.kernel[1];
          from_off.push_back(h * W + w);
        }
        CHECK(from_off == iv);
        Tensor g = rand64(y.shape(), 9).to(dt);
        Tensor gi = kernels::max_pool2d_backward(g, idx, x.shape(), p);
        Tensor go = kernels::max_pool2d_backward(g, off, x.shape(), p);
        CHECK(go.dtype() == dt);
        CHECK_CLOSE(go, gi, 0, 0);
      }
      ++j;
    }
    ++i;
  }
}

TEST_CASE("max_pool2d window offsets: ties pick the first real element, padding never") {
  // All-zero plane, 3x3 stride 2 pad 1: the top-left window starts at (-1, -1), so its first real
  // element, (0, 0), is window offset 1 * 3 + 1 = 4; the next one along starts at column 1 (offset 3).
  auto [y, off] = kernels::max_pool2d_with_offsets(zeros({1, 1, 4, 4}, kFloat64), pp({3, 3}, {2, 2}, {1, 1}, false));
  CHECK(off.to_vector<uint8_t>() == std::vector<uint8_t>{4, 3, 1, 0});
  // Two spikes in one 2x2 window: the first in row-major order wins.
  auto [y2, off2] =
      kernels::max_pool2d_with_offsets(from_vector({0, 1, 1, 1}, {1, 1, 2, 2}, kFloat32), pp({2, 2}, {2, 2}, {0, 0}, false));
  CHECK(off2.to_vector<uint8_t>() == std::vector<uint8_t>{1});
}

TEST_CASE("max_pool2d window offsets up to 255; larger windows fall back to int64 indices") {
  // A 16x16 window has 256 positions: the last, offset 255, still fits a uint8.
  std::vector<double> v(256, 0.0);
  v[255] = 1.0;
  Tensor x = from_vector(v, {1, 1, 16, 16}, kFloat64);
  auto [y, off] = kernels::max_pool2d_with_offsets(x, pp({16, 16}, {16, 16}, {0, 0}, false));
  CHECK(off.to_vector<uint8_t>() == std::vector<uint8_t>{255});
  CHECK_CLOSE(kernels::max_pool2d_backward(ones({1, 1, 1, 1}, kFloat64), off, x.shape(),
                                           pp({16, 16}, {16, 16}, {0, 0}, false)),
              x, 0, 0);
  // 17x16 has 272 positions: the kernel refuses offsets, autograd saves int64 indices instead.
  const kernels::Pool2dParams big = pp({17, 16}, {1, 1}, {0, 0}, false);
  CHECK(!kernels::max_pool2d_offsets_fit(big));
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_with_offsets(rand64({1, 1, 18, 17}, 1), big),
                       doctest::Contains("max_pool2d_with_offsets"), Error);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return max_pool2d(in[0], big.kernel, big.stride, big.padding); },
                  std::vector<Tensor>{leaf64({1, 2, 18, 17}, 11)});
}

TEST_CASE("max_pool2d autograd saves one byte per output for backward") {
  Tensor x = leaf64({2, 3, 32, 32}, 12);
  const int64_t before = memory_stats(Device::cpu()).current_bytes;
  Tensor y = max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  // Live now: the output (8 bytes an element) and the saved argmax (1 byte an element).
  CHECK(memory_stats(Device::cpu()).current_bytes - before == y.numel() * 9);
  // Binary spike input with ties, through autograd: the gradient each input gets is the naive one.
  Tensor s = gt(rand64({2, 3, 9, 10}, 13), 0.5).to(kFloat64);
  s.set_requires_grad(true);
  const kernels::Pool2dParams p = pp({3, 3}, {2, 2}, {1, 1}, true);
  Tensor ys = max_pool2d(s, p.kernel, p.stride, p.padding, p.ceil_mode);
  Tensor g = rand64(ys.shape(), 14);
  ys.backward(g);
  auto [yref, iref] = naive_pool(s.detach(), p, true);
  CHECK_CLOSE(s.grad(), kernels::max_pool2d_backward(g, iref, s.shape(), p), 0, 0);
}

TEST_CASE("pooling gradients (gradcheck)") {
  for (const auto& p : configs()) {
    CHECK_GRADCHECK(
        [p](const std::vector<Tensor>& in) { return max_pool2d(in[0], p.kernel, p.stride, p.padding, p.ceil_mode); },
        std::vector<Tensor>{leaf64({1, 2, 7, 6}, 5)});
    CHECK_GRADCHECK(
        [p](const std::vector<Tensor>& in) {
          return avg_pool2d(in[0], p.kernel, p.stride, p.padding, p.ceil_mode, p.count_include_pad);
        },
        std::vector<Tensor>{leaf64({1, 2, 7, 6}, 6)});
  }
}

TEST_CASE("max_pool2d 3x3 stride 2 pad 1 matches PyTorch (golden fixtures)") {
  auto load = [](const char* n) { return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/max_pool2d/" + n + ".npy"); };
  Tensor x = load("x");
  for (DType dt : {kFloat64, kFloat32}) {
    INFO(std::string(dtype_name(dt)));
    double tol = dt == kFloat64 ? 0 : 1e-6;
    Tensor xl = x.to(dt).clone().detach();
    xl.set_requires_grad(true);
    Tensor y = max_pool2d(xl, {3, 3}, {2, 2}, {1, 1});
    CHECK_CLOSE(y, load("y"), tol, tol);
    y.backward(load("gy").to(dt));
    CHECK_CLOSE(xl.grad(), load("gx"), tol, tol);
  }
}

TEST_CASE("pooling errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({3, 4, 4}), {2, 2}, {2, 2}), doctest::Contains("max_pool2d"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 4, 4}), {2, 2}, {2, 2}, {2, 2}), doctest::Contains("padding"), Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 1, 2, 2}), {5, 5}, {1, 1}), doctest::Contains("avg_pool2d"), Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 1, 4, 4}), {2, 2}, {0, 2}), doctest::Contains("stride"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 4, 4}, kInt64), {2, 2}, {2, 2}), doctest::Contains("max_pool2d"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_backward(zeros({1, 1, 2, 2}), zeros({1, 1, 2, 2}, kInt32), {1, 1, 4, 4},
                                                   pp({2, 2}, {2, 2}, {0, 0}, false)),
                       doctest::Contains("int64 (flat) or uint8 (window offsets)"), Error);
}
