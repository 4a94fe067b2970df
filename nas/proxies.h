#pragma once
// Training-free proxies: a score per architecture, higher meaning "predicted better". FLOPs is
// AutoST's (syops ops[0] / 1e9, plus λ / NASWOT when λ != 0); params is the parameter count in
// millions. Each is a deterministic function of (architecture, data batch, seed).
#include <cstdint>
#include <string>

#include "nas/evolution.h"
#include "spiking/arch.h"
#include "tensor/tensor.h"

namespace autost::nas {

enum class ProxyKind { Flops, Params, Naswot, Synflow, Snip };

ProxyKind parse_proxy(const std::string& name);  // "flops", "params", "naswot", "synflow", "snip"
const char* proxy_name(ProxyKind kind);
// Whether the score depends on the heads and the order of the MLP ratios (exhaustive search then
// has to enumerate them): true for the proxies that run the model.
bool proxy_uses_model(ProxyKind kind);

struct ProxyOptions {
  double lambda = 0;  // AutoST's --ld: the FLOPs score adds lambda / NASWOT
  Tensor batch;       // [B, C, H, W] images for the proxies that run the model
  Tensor labels;      // [B] int64 class labels (SNIP)
  uint64_t seed = 0;  // initial weights of the models the proxies build
};

// AutoST's indicator: FLOPs in G plus lambda / NASWOT (the NASWOT term only when lambda != 0).
double flops_proxy(const spiking::ArchConfig& arch, const ProxyOptions& options = {});
double params_proxy(const spiking::ArchConfig& arch);

// The proxy as the search's scorer.
Scorer make_scorer(ProxyKind kind, const ProxyOptions& options = {});

}  // namespace autost::nas
