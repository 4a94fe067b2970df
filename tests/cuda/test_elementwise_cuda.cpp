// Elementwise ops and sum/mean on CUDA against the CPU, on awkward sizes (odd, not multiples of
// the 256-thread block, broadcast, strided), values and gradients.
#include "tests/harness.h"

using namespace autost;
using autost::test::check_cuda_matches_cpu;
using autost::test::leaf64;

namespace {
Tensor leaf32(const Shape& s, uint64_t seed, double lo = -2, double hi = 2) { return test::random_leaf(s, seed, kFloat32, lo, hi); }
}  // namespace

TEST_CASE("unary ops: CUDA matches CPU") {
  using Op = Tensor (*)(const Tensor&);
  std::pair<Op, bool> ops[] = {{neg, false}, {abs, false}, {exp, false},     {log, true},  {sqrt, true},
                               {rsqrt, true}, {relu, false}, {sigmoid, false}, {tanh, false}, {gelu, false}};
  for (auto [op, positive] : ops) {
    for (const Shape& s : {Shape{1}, Shape{257}, Shape{3, 1001}, Shape{5, 7, 33}}) {
      Tensor x = positive ? leaf32(s, 1, 0.1, 3) : leaf32(s, 1);
      check_cuda_matches_cpu([op](const std::vector<Tensor>& in) { return op(in[0]); }, {x});
      Tensor x64 = positive ? leaf64(s, 2, 0.1, 3) : leaf64(s, 2);
      check_cuda_matches_cpu([op](const std::vector<Tensor>& in) { return op(in[0]); }, {x64}, 1e-12, 1e-12);
    }
  }
}

TEST_CASE("binary ops with broadcasting: CUDA matches CPU") {
  using Op = Tensor (*)(const Tensor&, const Tensor&);
  Op ops[] = {add, sub, mul, div, pow, maximum, minimum};
  std::pair<Shape, Shape> shapes[] = {{{1001}, {1001}}, {{3, 1, 257}, {5, 1}}, {{7, 33}, {33}}, {{1}, {4, 9}}};
  for (auto op : ops)
    for (auto& [sa, sb] : shapes) {
      Tensor a = leaf32(sa, 3, 0.5, 2), b = leaf32(sb, 4, 0.5, 2);
      check_cuda_matches_cpu([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
    }
  Tensor a = leaf32({65, 67}, 5, 0.5, 2);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return pow(in[0].transpose(0, 1), 1.5) / 3.0 - 1.0; }, {a});
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return rdiv(2.0, in[0]) + rsub(1.0, in[0]); }, {a});
}

TEST_CASE("comparisons, where and reductions: CUDA matches CPU") {
  Tensor a = leaf32({9, 301}, 6), b = leaf32({301}, 7);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return gt(in[0], in[1]).to(kFloat32); }, {a.detach(), b.detach()});
  check_cuda_matches_cpu(
      [](const std::vector<Tensor>& in) { return where(lt(in[0], 0.0), in[0], in[1]); }, {a, b});
  for (const std::vector<int64_t>& dims : {std::vector<int64_t>{}, {0}, {1}, {0, 2}, {2}}) {
    Tensor x = leaf32({13, 257, 3}, 8);
    check_cuda_matches_cpu([dims](const std::vector<Tensor>& in) { return sum(in[0], dims, true); }, {x}, 1e-4, 1e-4);
    check_cuda_matches_cpu([dims](const std::vector<Tensor>& in) { return mean(in[0], dims); }, {x}, 1e-5, 1e-4);
  }
}
