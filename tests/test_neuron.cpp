// Multi-step LIF / PLIF neurons: the fused kernels against a per-step loop written here, against
// PyTorch fixtures of SpikingJelly's eager semantics (tests/reference/neuron.py), surrogate formulas
// against finite differences of the functions they smooth, modules, and error cases. The surrogate
// is not the derivative of the forward, so backward is checked against references, not gradcheck.
#include <cmath>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "autograd/grad_mode.h"
#include "kernels/math/neuron.h"
#include "kernels/cpu/neuron.h"
#include "spiking/neuron.h"
#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using autost::spiking::NeuronOptions;
using autost::spiking::SurrogateKind;

namespace {

// The per-step loop, scalar, in type R, straight from SPEC.md §1 (and SpikingJelly's eager code).
template <class R>
struct Naive {
  std::vector<R> s, h, v;  // [T, N] each; v is V[t] after the reset
};

template <class R>
Naive<R> naive_forward(const std::vector<R>& x, int64_t T, int64_t N, R k, const NeuronOptions& o) {
  Naive<R> r;
  r.s.resize(T * N), r.h.resize(T * N), r.v.resize(T * N);
  const R vc = R(o.v_reset.value_or(0.0)), vth = R(o.v_threshold);
  for (int64_t i = 0; i < N; ++i) {
    R v = vc;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t j = t * N + i;
      // One rounding per charge, as the kernels do (both backends use an explicit fma there).
      R h = o.decay_input ? std::fma(x[j] - (v - vc), k, v) : std::fma(vc - v, k, v) + x[j];
      R s = h >= vth ? R(1) : R(0);
      v = o.v_reset ? h * (R(1) - s) + vc * s : h - vth * s;
      r.s[j] = s, r.h[j] = h, r.v[j] = v;
    }
  }
  return r;
}

double surrogate_grad(double x, const NeuronOptions& o) {
  if (o.surrogate == SurrogateKind::ATan) {
    double a = o.alpha.value_or(2.0), u = M_PI / 2 * a * x;
    return a / 2 / (1 + u * u);
  }
  double a = o.alpha.value_or(4.0), sg = 1 / (1 + std::exp(-a * x));
  return a * sg * (1 - sg);
}

// Backward by the chain rule, unrolled step by step in double: returns g_x and dL/dk.
std::pair<std::vector<double>, double> naive_backward(const std::vector<double>& x, const std::vector<double>& gy,
                                                      int64_t T, int64_t N, double k, const NeuronOptions& o) {
  Naive<double> f = naive_forward(x, T, N, k, o);
  std::vector<double> gx(T * N);
  double gk = 0;
  const double vc = o.v_reset.value_or(0.0), vth = o.v_threshold;
  for (int64_t i = 0; i < N; ++i) {
    double g_v = 0;  // dL/dV[t] arriving from step t+1
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t j = t * N + i;
      double h = f.h[j], s = f.s[j], sg = surrogate_grad(h - vth, o);
      // V = reset(H, S): through H directly, and through S unless the reset is detached.
      double dv_dh = o.v_reset ? (1 - s) : 1.0;
      double dv_ds = o.v_reset ? (vc - h) : -vth;
      if (!o.detach_reset) dv_dh += dv_ds * sg;
      double g_h = gy[j] * sg + g_v * dv_dh;
      double v_prev = t > 0 ? f.v[j - N] : vc;
      gx[j] = g_h * (o.decay_input ? k : 1.0);
      gk += g_h * (o.decay_input ? x[j] - (v_prev - vc) : -(v_prev - vc));
      g_v = g_h * (1 - k);  // dH[t]/dV[t-1] = 1 - k in both charge forms
    }
  }
  return {gx, gk};
}

std::vector<NeuronOptions> configs() {
  std::vector<NeuronOptions> out;
  NeuronOptions base;
  out.push_back(base);  // Spikformer's LIF
  NeuronOptions attn = base;
  attn.v_threshold = 0.5;
  out.push_back(attn);
  NeuronOptions nodetach = base;
  nodetach.detach_reset = false;
  out.push_back(nodetach);
  NeuronOptions soft = base;
  soft.v_reset.reset();
  out.push_back(soft);
  soft.detach_reset = false;
  out.push_back(soft);
  NeuronOptions nodecay = base;
  nodecay.decay_input = false;
  nodecay.tau = 3.0;
  out.push_back(nodecay);
  NeuronOptions atan = base;
  atan.surrogate = SurrogateKind::ATan;
  atan.v_reset = -0.25;
  atan.detach_reset = false;
  out.push_back(atan);
  return out;
}

Tensor load(const std::string& name) { return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/neuron/" + name + ".npy"); }

std::vector<double> rand_vec(int64_t n, uint64_t seed, double lo, double hi) {
  return test::rand64({n}, seed, lo, hi).to_vector<double>();
}

}  // namespace

TEST_CASE("neuron forward matches the per-step loop (spikes, H and V), float32 and float64") {
  const int64_t T = 5, N = 3 * 301;  // several 256-lane blocks, the last one partial
  int cfg = 0;
  for (const NeuronOptions& o : configs()) {
    INFO("config ", cfg++);
    for (DType dt : {kFloat64, kFloat32}) {
      Tensor x = test::rand64({T, 3, 301}, 7 + cfg, -0.5, 2.5).to(dt);
      std::vector<double> xv = x.to_vector<double>();
      kernels::NeuronForwardResult r = kernels::neuron_forward(x, o.tau, Tensor(), spiking::neuron_params(o), true);
      std::vector<double> s, h, v;
      if (dt == kFloat64) {
        Naive<double> n = naive_forward<double>(xv, T, N, 1.0 / o.tau, o);
        s = n.s, h = n.h, v = n.v;
      } else {
        std::vector<float> xf(xv.begin(), xv.end());
        Naive<float> n = naive_forward<float>(xf, T, N, float(1.0 / o.tau), o);
        s.assign(n.s.begin(), n.s.end()), h.assign(n.h.begin(), n.h.end()), v.assign(n.v.begin(), n.v.end());
      }
      CHECK(r.spikes.dtype() == dt);
      CHECK(r.mask.dtype() == kUInt8);
      CHECK_CLOSE(r.spikes, from_vector(s, x.shape(), kFloat64), 0.0, 0.0);
      CHECK_CLOSE(r.mask, from_vector(s, x.shape(), kFloat64), 0.0, 0.0);
      CHECK_CLOSE(r.h, from_vector(h, x.shape(), kFloat64), 0.0, 0.0);
      // V is not saved; it is what the kernel's reset of (H, S) gives, which backward relies on.
      auto c = kernels::neuron_consts<double>(spiking::neuron_params(o));
      std::vector<double> hk = r.h.to_vector<double>(), sk = r.spikes.to_vector<double>(), vk(hk.size());
      for (size_t j = 0; j < hk.size(); ++j) vk[j] = math::neuron_reset(hk[j], sk[j], c);
      CHECK_CLOSE(from_vector(vk, x.shape(), kFloat64), from_vector(v, x.shape(), kFloat64), 1e-6, 1e-6);
      double rate = 0;
      for (double e : s) rate += e;
      CHECK(rate > 0);
      CHECK(rate < double(s.size()));  // some fire, some do not
    }
  }
}

TEST_CASE("neuron backward matches the hand-unrolled chain rule (LIF and PLIF, float64)") {
  const int64_t T = 4, N = 2 * 263;
  int cfg = 0;
  for (const NeuronOptions& o : configs()) {
    INFO("config ", cfg++);
    std::vector<double> xv = rand_vec(T * N, 30 + cfg, -0.5, 2.5), gy = rand_vec(T * N, 60 + cfg, -1, 1);
    Tensor g = from_vector(gy, {T, 2, 263}, kFloat64);
    SUBCASE("lif") {
      Tensor x = from_vector(xv, {T, 2, 263}, kFloat64);
      x.set_requires_grad(true);
      Tensor y = spiking::lif(x, o);
      sum(mul(y, g)).backward();
      auto [gx, gk] = naive_backward(xv, gy, T, N, 1.0 / o.tau, o);
      CHECK_CLOSE(x.grad(), from_vector(gx, x.shape(), kFloat64), 1e-12, 1e-10);
    }
    SUBCASE("plif") {
      const double w0 = -0.4;
      const double k = 1 / (1 + std::exp(-w0));
      Tensor x = from_vector(xv, {T, 2, 263}, kFloat64);
      x.set_requires_grad(true);
      Tensor w = full({}, w0, TensorOptions(kFloat64));
      w.set_requires_grad(true);
      Tensor y = spiking::plif(x, w, o);
      sum(mul(y, g)).backward();
      auto [gx, gk] = naive_backward(xv, gy, T, N, k, o);
      CHECK_CLOSE(x.grad(), from_vector(gx, x.shape(), kFloat64), 1e-12, 1e-10);
      REQUIRE(w.grad().defined());
      CHECK(w.grad().dim() == 0);
      CHECK(w.grad().item() == doctest::Approx(gk * k * (1 - k)).epsilon(1e-10));
    }
  }
}

TEST_CASE("neuron matches the PyTorch fixtures of SpikingJelly's eager multi-step neurons") {
  struct Case {
    const char* name;
    bool plif;
    double w;
    NeuronOptions o;
  };
  auto opts = [](double tau, double vth, std::optional<double> vr, bool decay, bool detach, SurrogateKind sk) {
    NeuronOptions o;
    o.tau = tau, o.v_threshold = vth, o.v_reset = vr, o.decay_input = decay, o.detach_reset = detach;
    o.surrogate = sk;
    return o;
  };
  const auto Sig = SurrogateKind::Sigmoid, ATan = SurrogateKind::ATan;
  std::vector<Case> cases = {
      {"lif", false, 0, opts(2, 1, 0.0, true, true, Sig)},
      {"lif_attn", false, 0, opts(2, 0.5, 0.0, true, true, Sig)},
      {"lif_nodetach", false, 0, opts(2, 1, 0.0, true, false, Sig)},
      {"lif_soft", false, 0, opts(2, 1, std::nullopt, true, false, Sig)},
      {"lif_atan_nodecay", false, 0, opts(3, 1, 0.0, false, true, ATan)},
      {"lif_vreset", false, 0, opts(2, 1, -0.2, true, false, Sig)},
      {"plif", true, 0.3, opts(2, 1, 0.0, true, true, Sig)},
      {"plif_nodecay_nodetach", true, -0.2, opts(2, 1, 0.0, false, false, Sig)},
      {"plif_soft_atan", true, 0.5, opts(2, 0.5, std::nullopt, true, false, ATan)},
  };
  Tensor x0 = load("x"), gy = load("gy");
  REQUIRE(x0.shape() == Shape{4, 2, 3, 5});
  for (const Case& c : cases) {
    INFO(c.name);
    Tensor x = x0.clone();
    x.set_requires_grad(true);
    Tensor w = full({}, c.w, TensorOptions(kFloat64));
    w.set_requires_grad(true);
    Tensor y = c.plif ? spiking::plif(x, w, c.o) : spiking::lif(x, c.o);
    sum(mul(y, gy)).backward();
    std::string n = c.name;
    CHECK_CLOSE(y, load(n + "_s"), 0.0, 0.0);
    CHECK_CLOSE(x.grad(), load(n + "_gx"), 1e-12, 1e-10);
    if (c.plif) CHECK_CLOSE(w.grad(), load(n + "_gw"), 1e-12, 1e-10);
  }
}

TEST_CASE("detach_reset changes only the gradient; decay_input off and soft reset differ as expected") {
  Tensor x = load("x");
  NeuronOptions on, off;
  off.detach_reset = false;
  CHECK_CLOSE(spiking::lif(x, on), spiking::lif(x, off), 0.0, 0.0);
  CHECK(test::compare(load("lif_gx"), load("lif_nodetach_gx"), 1e-6, 0).size() > 0);
}

TEST_CASE("surrogate formulas are the derivatives of the functions they smooth") {
  // Sigmoid: d/dx sigmoid(a x); ATan: d/dx (atan(pi/2 a x) / pi + 1/2). Central differences.
  for (double x : {-1.3, -0.4, -0.05, 0.0, 0.02, 0.3, 1.1}) {
    for (double a : {2.0, 4.0, 5.5}) {
      const double e = 1e-6;
      auto sig = [&](double u) { return 1 / (1 + std::exp(-a * u)); };
      auto at = [&](double u) { return std::atan(M_PI / 2 * a * u) / M_PI + 0.5; };
      double fd_sig = (sig(x + e) - sig(x - e)) / (2 * e), fd_at = (at(x + e) - at(x - e)) / (2 * e);
      CHECK(math::SigmoidSurrogate::grad(x, a) == doctest::Approx(fd_sig).epsilon(1e-7));
      CHECK(math::ATanSurrogate::grad(x, a) == doctest::Approx(fd_at).epsilon(1e-7));
      CHECK(double(math::SigmoidSurrogate::grad(float(x), float(a))) == doctest::Approx(fd_sig).epsilon(1e-5));
      CHECK(double(math::ATanSurrogate::grad(float(x), float(a))) == doctest::Approx(fd_at).epsilon(1e-5));
    }
  }
  CHECK(math::SigmoidSurrogate::grad(0.0, 4.0) == doctest::Approx(1.0));  // alpha / 4 at the threshold
  CHECK(math::ATanSurrogate::grad(0.0, 2.0) == doctest::Approx(1.0));     // alpha / 2 at the threshold
}

TEST_CASE("T = 1: one charge from V = 0, fire on equality") {
  Tensor x = test::t64({2.0, 1.9, 2.1, -3.0, 0.0, 4.0}, {1, 6});
  x.set_requires_grad(true);
  Tensor y = spiking::lif(x);  // H = x / 2, V_th = 1
  CHECK_CLOSE(y, test::t64({1, 0, 1, 0, 0, 1}, {1, 6}), 0.0, 0.0);
  sum(y).backward();
  std::vector<double> xv = {2.0, 1.9, 2.1, -3.0, 0.0, 4.0}, gx;
  for (double v : xv) gx.push_back(surrogate_grad(v / 2 - 1, NeuronOptions{}) / 2);
  CHECK_CLOSE(x.grad(), test::t64(gx, {1, 6}), 1e-14, 1e-12);
}

TEST_CASE("float32 agrees with float64 away from the threshold") {
  Tensor x64 = test::rand64({4, 1001}, 5, -0.5, 2.5);
  Tensor g64 = test::rand64({4, 1001}, 6);
  for (bool plif : {false, true}) {
    INFO("plif ", plif);
    auto run = [&](DType dt, Tensor& gx, Tensor& gw) {
      Tensor x = x64.to(dt).clone().detach();
      x.set_requires_grad(true);
      Tensor w = full({}, 0.2, TensorOptions(dt));
      w.set_requires_grad(true);
      Tensor y = plif ? spiking::plif(x, w) : spiking::lif(x);
      sum(mul(y, g64.to(dt))).backward();
      gx = x.grad().to(kFloat64);
      gw = plif ? w.grad().to(kFloat64) : Tensor();
      return y.to(kFloat64);
    };
    Tensor gx32, gw32, gx64, gw64;
    Tensor y32 = run(kFloat32, gx32, gw32), y64 = run(kFloat64, gx64, gw64);
    CHECK_CLOSE(y32, y64, 0.0, 0.0);
    CHECK_CLOSE(gx32, gx64, 1e-5, 1e-4);
    if (plif) CHECK_CLOSE(gw32, gw64, 1e-4, 1e-4);
  }
}

TEST_CASE("the PLIF w gradient does not depend on the thread count") {
#ifdef _OPENMP
  Tensor x = test::rand64({4, 40000}, 8, -0.5, 2.5).to(kFloat32);
  Tensor g = test::rand64({4, 40000}, 9).to(kFloat32);
  auto gw = [&](int threads) {
    int prev = omp_get_max_threads();
    omp_set_num_threads(threads);
    Tensor w = full({}, 0.1, TensorOptions(kFloat32));
    w.set_requires_grad(true);
    sum(mul(spiking::plif(x, w), g)).backward();
    omp_set_num_threads(prev);
    return w.grad().item();
  };
  double a = gw(1), b = gw(2), c = gw(3);
  CHECK(a == b);
  CHECK(a == c);
#endif
}

TEST_CASE("only the inputs that require grad get one; no grad mode saves nothing") {
  Tensor x = load("x");
  Tensor w = full({}, 0.3, TensorOptions(kFloat64));
  w.set_requires_grad(true);
  sum(mul(spiking::plif(x, w), load("gy"))).backward();
  CHECK_CLOSE(w.grad(), load("plif_gw"), 1e-12, 1e-10);
  {
    NoGradGuard ng;
    Tensor xr = x.clone();
    xr.set_requires_grad(true);
    CHECK_FALSE(spiking::lif(xr).requires_grad());
  }
  kernels::NeuronForwardResult r = kernels::neuron_forward(x, 2.0, Tensor(), {}, false);
  CHECK_FALSE(r.mask.defined());
  CHECK_FALSE(r.h.defined());
}

TEST_CASE("neuron_forward writes exactly the outputs asked for, with the same values") {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = load("x").to(dt), w = full({}, 0.3, TensorOptions(dt));
    for (const Tensor& decay : {Tensor(), w}) {
      kernels::NeuronForwardResult all = kernels::neuron_forward(x, 2.0, decay, {}, true);
      const kernels::NeuronOutputs spikes_and_mask{true, true, false}, only_h{false, false, true};
      kernels::NeuronForwardResult sm = kernels::neuron_forward(x, 2.0, decay, {}, spikes_and_mask);
      kernels::NeuronForwardResult h = kernels::neuron_forward(x, 2.0, decay, {}, only_h);
      CHECK_CLOSE(sm.spikes, all.spikes, 0, 0);
      CHECK_CLOSE(sm.mask, all.mask, 0, 0);
      CHECK_FALSE(sm.h.defined());
      CHECK_CLOSE(h.h, all.h, 0, 0);
      CHECK_FALSE(h.spikes.defined());
      CHECK_FALSE(h.mask.defined());
    }
    CHECK_THROWS_WITH_AS(kernels::neuron_forward(x, 2.0, Tensor(), {}, kernels::NeuronOutputs{false, false, false}),
                         "neuron_forward: no output requested", Error);
  }
}

TEST_CASE("LIFNode and PLIFNode modules") {
  Tensor x = load("x");
  spiking::LIFNode lif;
  CHECK(std::isnan(lif.last_firing_rate()));
  Tensor y = lif(x);
  CHECK_CLOSE(y, load("lif_s"), 0.0, 0.0);
  CHECK(lif.last_firing_rate() == doctest::Approx(0.275));
  CHECK(lif.parameters().empty());

  NeuronOptions attn;
  attn.v_threshold = 0.5;
  spiking::LIFNode attn_lif(attn);
  attn_lif(x);
  CHECK(attn_lif.last_firing_rate() == doctest::Approx(mean(load("lif_attn_s")).item()));

  NeuronOptions init3;
  init3.tau = 3.0;
  spiking::PLIFNode p3(init3);
  CHECK(p3.w.dtype() == kFloat32);
  CHECK(p3.w.item() == doctest::Approx(-std::log(2.0)));

  spiking::PLIFNode plif(NeuronOptions{}, kFloat64);
  auto named = plif.named_parameters();
  REQUIRE(named.size() == 1);
  CHECK(named[0].first == "w");
  CHECK(named[0].second.dim() == 0);
  CHECK(plif.w.item() == 0.0);  // init_tau = 2: k = 0.5, same as LIF at start
  Tensor xg = x.clone();
  xg.set_requires_grad(true);
  Tensor yp = plif(xg);
  CHECK_CLOSE(yp, load("lif_s"), 0.0, 0.0);
  sum(mul(yp, load("gy"))).backward();
  CHECK_CLOSE(xg.grad(), load("lif_gx"), 1e-12, 1e-10);
  REQUIRE(plif.w.grad().defined());
  CHECK(plif.last_firing_rate() == doctest::Approx(0.275));

  Tensor x32 = x.to(kFloat32);
  spiking::PLIFNode plif32;
  CHECK_CLOSE(plif32(x32), load("lif_s"), 0.0, 0.0);
}

TEST_CASE("neuron errors name the op and the shapes") {
  Tensor x = load("x");
  CHECK_THROWS_WITH_AS(spiking::lif(x.to(kInt64)), doctest::Contains("neuron_forward"), Error);
  CHECK_THROWS_WITH_AS(spiking::lif(full({}, 1.0, TensorOptions(kFloat64))), doctest::Contains("[T, ...]"), Error);
  NeuronOptions bad;
  bad.tau = 1.0;
  CHECK_THROWS_WITH_AS(spiking::lif(x, bad), doctest::Contains("tau"), Error);
  CHECK_THROWS_WITH_AS(spiking::plif(x, full({1}, 0.0, TensorOptions(kFloat64))), doctest::Contains("0-D"), Error);
  CHECK_THROWS_WITH_AS(spiking::plif(x, full({}, 0.0, TensorOptions(kFloat32))), doctest::Contains("w ("), Error);
  CHECK_THROWS_WITH_AS(spiking::plif(x, Tensor()), doctest::Contains("plif"), Error);
  CHECK_THROWS_WITH_AS(spiking::PLIFNode{bad}, doctest::Contains("init_tau"), Error);
}
