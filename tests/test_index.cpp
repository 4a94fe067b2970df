// Dropout, cat/stack/split, index_select and gather: values against naive loops, dropout
// statistics and determinism, gradients by finite differences, and error messages.
#include <cmath>
#include <functional>

#include "tests/harness.h"

using namespace autost;
using autost::test::rand64;
using autost::test::leaf64;
using autost::test::t64;

namespace {

Tensor idx(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, kInt64); }

// Row-major multi-index helpers for the naive references.
std::vector<int64_t> unravel(int64_t e, const Shape& s) {
  std::vector<int64_t> c(s.size());
  for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
    c[d] = e % s[d];
    e /= s[d];
  }
  return c;
}
int64_t ravel(const std::vector<int64_t>& c, const Shape& s) {
  int64_t e = 0;
  for (size_t d = 0; d < s.size(); ++d) e = e * s[d] + c[d];
  return e;
}

Tensor naive_cat(const std::vector<Tensor>& xs, int64_t dim) {
  Shape out_shape = xs[0].shape();
  out_shape[dim] = 0;
  for (const Tensor& x : xs) out_shape[dim] += x.size(dim);
  std::vector<double> out(shape_numel(out_shape));
  int64_t start = 0;
  for (const Tensor& x : xs) {
    std::vector<double> v = x.to_vector<double>();
    for (int64_t e = 0; e < x.numel(); ++e) {
      auto c = unravel(e, x.shape());
      c[dim] += start;
      out[ravel(c, out_shape)] = v[e];
    }
    start += x.size(dim);
  }
  return t64(out, out_shape);
}

Tensor naive_index_select(const Tensor& x, int64_t dim, const std::vector<int64_t>& index) {
  Shape out_shape = x.shape();
  out_shape[dim] = static_cast<int64_t>(index.size());
  std::vector<double> xv = x.to_vector<double>(), out(shape_numel(out_shape));
  for (int64_t e = 0; e < static_cast<int64_t>(out.size()); ++e) {
    auto c = unravel(e, out_shape);
    c[dim] = index[c[dim]];
    out[e] = xv[ravel(c, x.shape())];
  }
  return t64(out, out_shape);
}

Tensor naive_gather(const Tensor& x, int64_t dim, const Tensor& index) {
  std::vector<double> xv = x.to_vector<double>(), out(index.numel());
  std::vector<int64_t> iv = index.to_vector<int64_t>();
  for (int64_t e = 0; e < index.numel(); ++e) {
    auto c = unravel(e, index.shape());
    c[dim] = iv[e];
    out[e] = xv[ravel(c, x.shape())];
  }
  return t64(out, index.shape());
}

// Sum over the output of every (x element -> output element) contribution, i.e. the gradient of
// sum(f(x) * w) for a selection f described by `source` (output element -> x element).
Tensor naive_scatter_grad(const Shape& x_shape, const std::vector<double>& w, const std::function<int64_t(int64_t)>& source) {
  std::vector<double> g(shape_numel(x_shape), 0.0);
  for (int64_t e = 0; e < static_cast<int64_t>(w.size()); ++e) g[source(e)] += w[e];
  return t64(g, x_shape);
}

}  // namespace

// ---------------- dropout ----------------

TEST_CASE("dropout keeps about 1 - p of the elements and scales them by 1 / (1 - p)") {
  for (double p : {0.1, 0.3, 0.5, 0.9}) {
    INFO("p = ", p);
    Generator g(7);
    Tensor x = ones({200003}, kFloat32);
    auto [out, mask] = kernels::dropout(x, p, &g);
    CHECK(mask.dtype() == kUInt8);
    std::vector<double> o = out.to_vector<double>(), m = mask.to_vector<double>();
    double kept = 0;
    bool consistent = true;
    for (size_t i = 0; i < o.size(); ++i) {
      kept += m[i];
      double expect = m[i] != 0 ? 1.0 / (1.0 - p) : 0.0;
      consistent = consistent && (m[i] == 0 || m[i] == 1) && std::abs(o[i] - expect) <= 1e-6 * expect;
    }
    CHECK(consistent);
    double frac = kept / double(o.size());
    // Binomial standard deviation is <= 0.0012 here; 5 sigma.
    CHECK(std::abs(frac - (1 - p)) < 0.006);
    CHECK(g.offset() == 200003);  // one counter per element
  }
}

TEST_CASE("dropout is deterministic for a seed, dtype-independent, and fresh on each call") {
  Tensor x = rand64({37, 29}, 1);
  Generator g1(42), g2(42);
  auto [a, ma] = kernels::dropout(x, 0.4, &g1);
  auto [b, mb] = kernels::dropout(x, 0.4, &g2);
  CHECK_CLOSE(a, b, 0, 0);
  CHECK(ma.to_vector<int32_t>() == mb.to_vector<int32_t>());
  // float32 drops the same elements.
  Generator g3(42);
  auto [c, mc] = kernels::dropout(x.to(kFloat32), 0.4, &g3);
  CHECK(mc.to_vector<int32_t>() == ma.to_vector<int32_t>());
  CHECK_CLOSE(c, a, 1e-6, 1e-6);
  // The next call continues the stream: a different mask.
  auto [d, md] = kernels::dropout(x, 0.4, &g1);
  CHECK(md.to_vector<int32_t>() != ma.to_vector<int32_t>());
  // Strided input: same as its contiguous copy with the same counters.
  Generator g4(42);
  Tensor xt = x.transpose(0, 1);
  Generator g5(42);
  CHECK_CLOSE(kernels::dropout(xt, 0.4, &g4).first, kernels::dropout(xt.contiguous(), 0.4, &g5).first, 0, 0);
}

TEST_CASE("dropout with p = 0, p = 1 and in eval mode") {
  Tensor x = rand64({5, 7}, 2);
  Generator g(3);
  auto [keep, km] = kernels::dropout(x, 0.0, &g);
  CHECK_CLOSE(keep, x, 0, 0);
  CHECK(kernels::sum(km.to(kFloat64), {}, false).item() == 35);
  auto [drop, dm] = kernels::dropout(x, 1.0, &g);
  CHECK_CLOSE(drop, zeros({5, 7}, kFloat64), 0, 0);  // zeros, not NaN
  CHECK(kernels::sum(dm.to(kFloat64), {}, false).item() == 0);
  CHECK_CLOSE(kernels::dropout_backward(ones({5, 7}, kFloat64), dm, 1.0), zeros({5, 7}, kFloat64), 0, 0);
  // The differentiable op is the identity when not training or when p = 0.
  CHECK(dropout(x, 0.5, false).same(x));
  CHECK(dropout(x, 0.0, true).same(x));
  Tensor xl = leaf64({4, 3}, 4);
  Tensor y = dropout(xl, 1.0, true, &g);
  sum(y).backward();
  CHECK_CLOSE(xl.grad(), zeros({4, 3}, kFloat64), 0, 0);
}

TEST_CASE("dropout backward is grad * mask / (1 - p)") {
  Tensor x = rand64({11, 13}, 5);
  Generator g(6);
  auto [out, mask] = kernels::dropout(x, 0.25, &g);
  Tensor grad = rand64({11, 13}, 7);
  std::vector<double> gv = grad.to_vector<double>(), mv = mask.to_vector<double>(), ev(gv.size());
  for (size_t i = 0; i < gv.size(); ++i) ev[i] = gv[i] * mv[i] / 0.75;
  CHECK_CLOSE(kernels::dropout_backward(grad, mask, 0.25), t64(ev, {11, 13}), 1e-15, 1e-14);
}

TEST_CASE("dropout gradient (gradcheck with a fixed generator)") {
  Tensor x = leaf64({6, 5}, 8);
  Generator g(9);
  CHECK_GRADCHECK(
      [&g](const std::vector<Tensor>& in) {
        g.set_state(9, 0);  // the same mask on every evaluation
        return dropout(in[0], 0.3, true, &g);
      },
      std::vector<Tensor>{x});
}

TEST_CASE("dropout errors") {
  Tensor x = rand64({3}, 1);
  CHECK_THROWS_WITH_AS(dropout(x, 1.5, true), doctest::Contains("dropout: probability 1.5"), Error);
  CHECK_THROWS_WITH_AS(kernels::dropout(x, -0.1, nullptr), doctest::Contains("dropout: probability"), Error);
  CHECK_THROWS_WITH_AS(kernels::dropout(idx({1, 2}, {2}), 0.5, nullptr), doctest::Contains("dropout: dtype int64"),
                       Error);
}

// ---------------- cat, stack, split ----------------

TEST_CASE("cat matches naive loops in every dim") {
  for (int64_t dim = 0; dim < 3; ++dim) {
    INFO("dim ", dim);
    Shape s1{2, 3, 4}, s2{2, 3, 4}, s3{2, 3, 4};
    s1[dim] = 1;
    s2[dim] = 3;
    s3[dim] = 2;
    std::vector<Tensor> xs{rand64(s1, 1), rand64(s2, 2), rand64(s3, 3)};
    CHECK_CLOSE(cat(xs, dim), naive_cat(xs, dim), 0, 0);
    CHECK_CLOSE(cat(xs, dim - 3), naive_cat(xs, dim), 0, 0);
  }
  // Strided inputs, a zero-size piece, integer dtype.
  Tensor a = rand64({4, 3}, 4).transpose(0, 1), b = rand64({3, 0}, 5), c = rand64({3, 2}, 6);
  CHECK_CLOSE(cat({a, b, c}, 1), naive_cat({a.contiguous(), c}, 1), 0, 0);
  Tensor i = cat({idx({1, 2}, {2}), idx({3}, {1})}, 0);
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("stack and split") {
  std::vector<Tensor> xs{rand64({2, 3}, 1), rand64({2, 3}, 2), rand64({2, 3}, 3), rand64({2, 3}, 4)};
  for (int64_t dim : {0, 1, 2, -1}) {
    INFO("dim ", dim);
    int64_t d = dim < 0 ? dim + 3 : dim;
    std::vector<Tensor> us;
    for (auto& x : xs) us.push_back(x.unsqueeze(d).contiguous());
    CHECK_CLOSE(stack(xs, dim), naive_cat(us, d), 0, 0);
  }
  Tensor x = rand64({3, 7, 2}, 5);
  std::vector<Tensor> parts = split(x, 3, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].shape() == Shape{3, 3, 2});
  CHECK(parts[2].shape() == Shape{3, 1, 2});
  CHECK(parts[1].storage() == x.storage());  // views, not copies
  CHECK_CLOSE(cat(parts, 1), x, 0, 0);
  std::vector<Tensor> sec = split(x, std::vector<int64_t>{2, 0, 5}, -2);
  REQUIRE(sec.size() == 3);
  CHECK(sec[1].shape() == Shape{3, 0, 2});
  CHECK_CLOSE(sec[2], x.narrow(1, 2, 5).contiguous(), 0, 0);
  CHECK(split(x, 5, 0).size() == 1);
}

TEST_CASE("cat, stack and split gradients (gradcheck)") {
  Tensor a = leaf64({2, 3}, 1), b = leaf64({2, 1}, 2), c = leaf64({2, 2}, 3);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return cat(in, 1); }, (std::vector<Tensor>{a, b, c}));
  // One input without grad: its edge stays empty.
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return cat({in[0], b.detach(), in[1]}, -1); },
                  (std::vector<Tensor>{a, c}));
  Tensor d = leaf64({2, 3}, 4);
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return stack(in, 1); }, (std::vector<Tensor>{a, d}));
  Tensor x = leaf64({3, 7}, 5);
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        auto p = split(in[0], 3, 1);
        return cat({mul(p[0], 2.0), p[2], mul(p[1], p[1])}, 1);
      },
      std::vector<Tensor>{x});
  CHECK_GRADCHECK(
      [](const std::vector<Tensor>& in) {
        auto p = split(in[0], std::vector<int64_t>{1, 2}, 0);
        return mul(p[1], 3.0);
      },
      std::vector<Tensor>{x});
}

TEST_CASE("cat, stack and split errors name the op and the shapes") {
  Tensor a = rand64({2, 3}, 1);
  CHECK_THROWS_WITH_AS(cat({}, 0), doctest::Contains("cat: expected at least one tensor"), Error);
  CHECK_THROWS_WITH_AS(cat({a, rand64({3, 3}, 2)}, 1),
                       doctest::Contains("cat: input 1 has shape [3, 3], incompatible with input 0 of shape [2, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(cat({a, rand64({2}, 2)}, 0), doctest::Contains("cat: input 1 has shape [2]"), Error);
  CHECK_THROWS_WITH_AS(cat({a, a.to(kFloat32)}, 0), doctest::Contains("cat: input 1 has dtype float32"), Error);
  CHECK_THROWS_WITH_AS(cat({a, a}, 2), doctest::Contains("cat: dim 2 out of range for shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(stack({a, rand64({3, 2}, 3)}, 0), doctest::Contains("stack: input 1 has shape [3, 2]"), Error);
  CHECK_THROWS_WITH_AS(split(a, std::vector<int64_t>{1, 1}, 1), doctest::Contains("split: sizes [1, 1] sum to 2"),
                       Error);
  CHECK_THROWS_WITH_AS(split(a, 0, 1), doctest::Contains("split: split_size must be positive"), Error);
}

// ---------------- index_select ----------------

TEST_CASE("index_select matches naive loops, with repeated indices") {
  Tensor x = rand64({4, 5, 3}, 1);
  std::vector<int64_t> iv{4, 0, 2, 2, 4, 1};
  for (int64_t dim = 0; dim < 3; ++dim) {
    INFO("dim ", dim);
    std::vector<int64_t> in;
    for (int64_t v : iv) in.push_back(v % x.size(dim));
    std::vector<double> dv(in.begin(), in.end());
    Tensor index = idx(dv, {static_cast<int64_t>(dv.size())});
    CHECK_CLOSE(index_select(x, dim, index), naive_index_select(x, dim, in), 0, 0);
    CHECK_CLOSE(index_select(x.to(kFloat32), dim, index), naive_index_select(x, dim, in), 1e-7, 1e-6);
    // Backward is index_add: repeated indices accumulate.
    Tensor w = rand64(naive_index_select(x, dim, in).shape(), 2);
    Shape out_shape = w.shape();
    Tensor expect = naive_scatter_grad(x.shape(), w.to_vector<double>(), [&](int64_t e) {
      auto c = unravel(e, out_shape);
      c[dim] = in[c[dim]];
      return ravel(c, x.shape());
    });
    CHECK_CLOSE(kernels::index_select_backward(w, x.shape(), dim, index), expect, 1e-14, 1e-13);
  }
  // 0-d index, strided input, integer values.
  CHECK(index_select(x, 1, idx({3}, {})).shape() == Shape{4, 1, 3});
  Tensor xt = x.transpose(0, 2);
  CHECK_CLOSE(index_select(xt, 1, idx({1, 1}, {2})), naive_index_select(xt.contiguous(), 1, {1, 1}), 0, 0);
  Tensor ints = idx({10, 20, 30}, {3});
  CHECK(index_select(ints, 0, idx({2, 0}, {2})).to_vector<int64_t>() == std::vector<int64_t>{30, 10});
  // An index wider than the parallel grain: the backward stays exact with many repeats.
  Tensor big = rand64({3, 2000}, 3);
  std::vector<double> many(5000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = double((i * 7) % 3);
  Tensor bi = idx(many, {5000});
  Tensor gsel = kernels::index_select_backward(ones({5000, 2000}, kFloat64), big.shape(), 0, bi);
  CHECK(gsel.to_vector<double>()[0] == 1667);
  CHECK(gsel.to_vector<double>()[2000 * 2 + 1999] == 1666);
}

TEST_CASE("index_select gradient (gradcheck)") {
  Tensor x = leaf64({3, 4, 2}, 1);
  Tensor index = idx({3, 0, 3, 1, 3}, {5});
  for (int64_t dim : {1, -2}) {
    CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return index_select(in[0], dim, index); },
                    std::vector<Tensor>{x});
  }
  Tensor i0 = idx({2, 2, 0}, {3});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, i0); }, std::vector<Tensor>{x});
}

TEST_CASE("index_select errors") {
  Tensor x = rand64({3, 5}, 1);
  CHECK_THROWS_WITH_AS(index_select(x, 1, idx({0, 5}, {2})),
                       doctest::Contains("index_select: index out of range for dim 1 of size 5 (input [3, 5]"),
                       Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, idx({-1}, {1})), doctest::Contains("index_select: index out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, t64({0}, {1})), doctest::Contains("index_select: index must be int64"),
                       Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, idx({0, 1}, {1, 2})), doctest::Contains("index must be 0-d or 1-d"), Error);
  CHECK_THROWS_WITH_AS(index_select(x, 2, idx({0}, {1})), doctest::Contains("index_select: dim 2 out of range"),
                       Error);
}

// ---------------- gather ----------------

TEST_CASE("gather matches torch.gather semantics") {
  Tensor x = rand64({3, 4, 5}, 1);
  Generator g(2);
  for (int64_t dim = 0; dim < 3; ++dim) {
    INFO("dim ", dim);
    // Index smaller than x in the other dims, and longer than x along dim (repeats).
    Shape is{2, 3, 4};
    is[dim] = 7;
    Tensor u = uniform(is, 0, double(x.size(dim)), kFloat64, &g);
    std::vector<double> iv = u.to_vector<double>();
    for (double& v : iv) v = std::floor(v);
    Tensor index = idx(iv, is);
    CHECK_CLOSE(gather(x, dim, index), naive_gather(x, dim, index), 0, 0);
    CHECK_CLOSE(gather(x.to(kFloat32), dim, index), naive_gather(x, dim, index), 1e-7, 1e-6);
    Tensor w = rand64(is, 3);
    std::vector<int64_t> ivi = index.to_vector<int64_t>();
    Tensor expect = naive_scatter_grad(x.shape(), w.to_vector<double>(), [&](int64_t e) {
      auto c = unravel(e, is);
      c[dim] = ivi[e];
      return ravel(c, x.shape());
    });
    CHECK_CLOSE(kernels::gather_backward(w, x.shape(), dim, index), expect, 1e-14, 1e-13);
  }
  // The documented example: out[i][j] = x[i][index[i][j]] for dim 1.
  Tensor t = t64({1, 2, 3, 4}, {2, 2});
  CHECK(gather(t, 1, idx({0, 0, 1, 0}, {2, 2})).to_vector<double>() == std::vector<double>{1, 1, 4, 3});
  // Strided input and strided index.
  Tensor xt = x.transpose(0, 2);  // [5, 4, 3]
  Tensor it = idx({0, 1, 2, 3, 4, 0}, {3, 2}).transpose(0, 1);  // [2, 3]
  Tensor xs = xt.narrow(1, 0, 1).squeeze(1);  // [5, 3]
  CHECK_CLOSE(gather(xs, 0, it), naive_gather(xs.contiguous(), 0, it.contiguous()), 0, 0);
}

TEST_CASE("gather gradient (gradcheck)") {
  Tensor x = leaf64({3, 4}, 1);
  Tensor index = idx({0, 0, 3, 2, 1, 1, 1, 3, 0}, {3, 3});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return gather(in[0], 1, index); }, std::vector<Tensor>{x});
  Tensor index0 = idx({2, 2, 0, 1, 0, 2}, {2, 3});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return gather(in[0], -2, index0); }, std::vector<Tensor>{x});
}

TEST_CASE("gather errors") {
  Tensor x = rand64({3, 4}, 1);
  CHECK_THROWS_WITH_AS(gather(x, 1, idx({0, 4}, {1, 2})),
                       doctest::Contains("gather: index out of range for dim 1 of size 4 (input [3, 4], index [1, 2])"),
                       Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, idx({0, 1}, {2})),
                       doctest::Contains("gather: index must have as many dims as the input"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, idx({0, 0, 0, 0}, {4, 1})),
                       doctest::Contains("gather: index size 4 exceeds input size 3 in dim 0"), Error);
  CHECK_THROWS_WITH_AS(gather(x, 0, idx({-1}, {1, 1})), doctest::Contains("gather: index out of range"), Error);
}
