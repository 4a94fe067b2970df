#include "nas/proxies.h"

#include "nas/cost_model.h"
#include "tensor/error.h"

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

bool proxy_uses_model(ProxyKind kind) { return kind != ProxyKind::Flops && kind != ProxyKind::Params; }

namespace {
[[noreturn]] void needs_model(const char* what) {
  AUTOST_FAIL("proxy ", what, " runs the spiking model, which this build does not have yet (spiking/model.cpp)");
}
}  // namespace

double flops_proxy(const spiking::ArchConfig& arch, const ProxyOptions& options) {
  const double flops_g = syops_flops(arch) / 1e9;
  if (options.lambda == 0) return flops_g;
  needs_model("flops with lambda != 0 (its NASWOT term)");
}

double params_proxy(const spiking::ArchConfig& arch) { return static_cast<double>(count_parameters(arch)) / 1e6; }

Scorer make_scorer(ProxyKind kind, const ProxyOptions& options) {
  switch (kind) {
    case ProxyKind::Flops: return [options](const spiking::ArchConfig& a) { return flops_proxy(a, options); };
    case ProxyKind::Params: return [](const spiking::ArchConfig& a) { return params_proxy(a); };
    default: needs_model(proxy_name(kind));
  }
}

}  // namespace autost::nas
