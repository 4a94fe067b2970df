#include "nas/proxies.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nas/cost_model.h"
#include "spiking/neuron.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace autost::nas {

ProxyKind parse_proxy(const std::string& name) {
  if (name == "flops") return ProxyKind::Flops;
  if (name == "params") return ProxyKind::Params;
  if (name == "naswot") return ProxyKind::Naswot;
  if (name == "synflow") return ProxyKind::Synflow;
  if (name == "snip") return ProxyKind::Snip;
  AUTOST_FAIL("unknown proxy '", name, "' (known: flops, params, naswot, synflow, snip)");
}

const char* proxy_name(ProxyKind kind) {
  switch (kind) {
    case ProxyKind::Flops: return "flops";
    case ProxyKind::Params: return "params";
    case ProxyKind::Naswot: return "naswot";
    case ProxyKind::Synflow: return "synflow";
    case ProxyKind::Snip: return "snip";
  }
  return "?";
}

bool proxy_uses_model(ProxyKind kind, const ProxyOptions& options) {
  if (kind == ProxyKind::Flops) return options.lambda != 0;
  return kind != ProxyKind::Params;
}

bool proxy_needs_batch(ProxyKind kind, const ProxyOptions& options) {
  if (kind == ProxyKind::Flops) return options.lambda != 0;
  return kind == ProxyKind::Naswot || kind == ProxyKind::Snip;
}

double log_abs_det(std::vector<double> a, int64_t n) {
  AUTOST_CHECK(n >= 0 && static_cast<int64_t>(a.size()) == n * n, "log_abs_det: expected ", n * n, " entries, got ",
               a.size());
  auto at = [&](int64_t r, int64_t c) -> double& { return a[static_cast<size_t>(r * n + c)]; };
  double log_det = 0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t pivot = k;
    for (int64_t r = k + 1; r < n; ++r)
      if (std::abs(at(r, k)) > std::abs(at(pivot, k))) pivot = r;
    if (at(pivot, k) == 0.0) return -std::numeric_limits<double>::infinity();
    if (pivot != k)
      for (int64_t c = 0; c < n; ++c) std::swap(at(k, c), at(pivot, c));
    log_det += std::log(std::abs(at(k, k)));
    for (int64_t r = k + 1; r < n; ++r) {
      const double f = at(r, k) / at(k, k);
      for (int64_t c = k; c < n; ++c) at(r, c) -= f * at(k, c);
    }
  }
  return log_det;
}

NaswotKernel naswot_kernel(spiking::SpikingModel& model, const Tensor& batch) {
  const int64_t B = batch.size(0), T = model.arch().T;
  NaswotKernel k;
  k.batch = B;
  k.K.assign(static_cast<size_t>(B * B), 0.0);
  NoGradGuard no_grad;
  nn::ForwardHookGuard hook([&](const nn::Module& m, const Tensor&, const Tensor& y) {
    if (!dynamic_cast<const spiking::SpikingNode*>(&m)) return;
    // Neuron outputs are [T, ...] with the batch next (the models keep T*B outermost), so each step
    // is a [B, U] block of 0/1 codes.
    const int64_t U = y.numel() / (T * B);
    AUTOST_CHECK(U * T * B == y.numel(), "naswot: ", m.type_name(), " output ", y.shape(), " does not split into T = ",
                 T, " steps of batch ", B);
    const Tensor steps = y.reshape({T, B, U});
    for (int64_t t = 0; t < T; ++t) {
      // Matches between codes i and j: both fire (S Sᵀ) or both stay silent (U - a_i - a_j + S Sᵀ).
      // Sums of 0/1 products below 2^24 are exact in float32.
      Tensor s = steps.select(0, t);
      if (U >= (int64_t{1} << 24) || s.dtype() != kFloat32) s = s.to(kFloat64);
      const std::vector<double> both = matmul(s, s.transpose(0, 1)).to_vector<double>();
      const std::vector<double> fired = sum(s, {1}).to_vector<double>();
      for (int64_t i = 0; i < B; ++i)
        for (int64_t j = 0; j < B; ++j)
          k.K[static_cast<size_t>(i * B + j)] +=
              2 * both[static_cast<size_t>(i * B + j)] + static_cast<double>(U) - fired[static_cast<size_t>(i)] -
              fired[static_cast<size_t>(j)];
      k.units += U;
    }
  });
  model(batch);
  return k;
}

namespace {

std::shared_ptr<spiking::SpikingModel> seeded_model(const spiking::ArchConfig& arch, uint64_t seed,
                                                    DType dtype = kFloat32) {
  Generator gen(seed);
  return spiking::build_model(arch, &gen, dtype);
}

// Σ |θ · ∂/∂θ| over every parameter the last backward reached.
double saliency(const spiking::SpikingModel& model) {
  NoGradGuard no_grad;
  double total = 0;
  for (const auto& [name, p] : model.named_parameters())
    if (p.grad().defined()) total += sum(abs(mul(p.detach(), p.grad()))).item();
  return total;
}

void check_batch(const Tensor& batch, const char* proxy) {
  AUTOST_CHECK(batch.defined() && batch.dim() >= 1 && batch.size(0) > 0, "proxy ", proxy, " needs a data batch");
}

}  // namespace

double naswot_proxy(const spiking::ArchConfig& arch, const Tensor& batch, uint64_t seed) {
  check_batch(batch, "naswot");
  auto model = seeded_model(arch, seed);
  model->train();
  const NaswotKernel k = naswot_kernel(*model, batch);
  return log_abs_det(k.K, k.batch);
}

double synflow_proxy(const spiking::ArchConfig& arch, uint64_t seed) {
  auto model = seeded_model(arch, seed, kFloat64);
  model->eval();
  {
    NoGradGuard no_grad;
    for (const auto& [name, p] : model->named_parameters()) p.detach().copy_(abs(p.detach()));
  }
  sum((*model)(ones(spiking::input_shape(arch, 1), kFloat64))).backward();
  return saliency(*model);
}

double snip_proxy(const spiking::ArchConfig& arch, const Tensor& batch, const Tensor& labels, uint64_t seed) {
  check_batch(batch, "snip");
  AUTOST_CHECK(labels.defined() && labels.numel() == batch.size(0), "proxy snip needs one label per image");
  auto model = seeded_model(arch, seed);
  model->train();
  cross_entropy((*model)(batch), labels).backward();
  return saliency(*model);
}

double flops_proxy(const spiking::ArchConfig& arch, const ProxyOptions& options) {
  const double flops_g = syops_flops(arch) / 1e9;
  if (options.lambda == 0) return flops_g;
  return flops_g + options.lambda / naswot_proxy(arch, options.batch, options.seed);
}

double params_proxy(const spiking::ArchConfig& arch) { return static_cast<double>(count_parameters(arch)) / 1e6; }

Scorer make_scorer(ProxyKind kind, const ProxyOptions& o) {
  if (proxy_needs_batch(kind, o)) check_batch(o.batch, kind == ProxyKind::Snip ? "snip" : "naswot");
  switch (kind) {
    case ProxyKind::Flops: return [o](const spiking::ArchConfig& a) { return flops_proxy(a, o); };
    case ProxyKind::Params: return [](const spiking::ArchConfig& a) { return params_proxy(a); };
    case ProxyKind::Naswot: return [o](const spiking::ArchConfig& a) { return naswot_proxy(a, o.batch, o.seed); };
    case ProxyKind::Synflow: return [o](const spiking::ArchConfig& a) { return synflow_proxy(a, o.seed); };
    case ProxyKind::Snip:
      return [o](const spiking::ArchConfig& a) { return snip_proxy(a, o.batch, o.labels, o.seed); };
  }
  AUTOST_FAIL("make_scorer: unknown proxy");
}

}  // namespace autost::nas
