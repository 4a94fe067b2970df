#pragma once
// Training-free proxies: a score per architecture, higher meaning "predicted better". Each is a
// deterministic function of (architecture, data batch, seed); the seed draws the initial weights of
// the model the model-based proxies build (spiking/model.h).
//  - flops: AutoST's indicator, syops ops[0] / 1e9 (+ lambda / NASWOT when lambda != 0).
//  - params: the parameter count in millions.
//  - naswot: Mellor et al.'s log|det K| with K[i][j] = N_A - Hamming(c_i, c_j), where c_i is image
//    i's binary spike code over every neuron layer and time step (N_A units); training mode, so
//    BatchNorm normalises with the batch's statistics as at the start of training.
//  - synflow: Tanaka et al.'s sum |theta * dR/dtheta| with every parameter replaced by its absolute
//    value, float64, eval mode, one all-ones input, R = sum of the logits; gradients through the
//    spikes are the neurons' surrogate gradients.
//  - snip: Lee et al.'s sum |theta * dL/dtheta| for the cross-entropy of the batch (training mode).
#include <cstdint>
#include <string>
#include <vector>

#include "nas/evolution.h"
#include "spiking/arch.h"
#include "spiking/model.h"
#include "tensor/tensor.h"

namespace autost::nas {

enum class ProxyKind { Flops, Params, Naswot, Synflow, Snip };

ProxyKind parse_proxy(const std::string& name);  // "flops", "params", "naswot", "synflow", "snip"
const char* proxy_name(ProxyKind kind);

struct ProxyOptions {
  double lambda = 0;  // AutoST's --ld: the FLOPs score adds lambda / NASWOT
  Tensor batch;       // [B, C, H, W] images for the proxies that run the model
  Tensor labels;      // [B] int64 class labels (SNIP)
  uint64_t seed = 0;  // initial weights of the models the proxies build
};

// Whether the score depends on the heads and the order of the MLP ratios (exhaustive search then
// has to enumerate them): true for the proxies that run the model, FLOPs included when lambda != 0
// (its NASWOT term runs the model).
bool proxy_uses_model(ProxyKind kind, const ProxyOptions& options = {});
// Whether the proxy needs options.batch: naswot, snip, and FLOPs when lambda != 0. Apps ask this
// before loading a batch; make_scorer checks it.
bool proxy_needs_batch(ProxyKind kind, const ProxyOptions& options = {});

// AutoST's indicator: FLOPs in G plus lambda / NASWOT (the NASWOT term only when lambda != 0).
double flops_proxy(const spiking::ArchConfig& arch, const ProxyOptions& options = {});
double params_proxy(const spiking::ArchConfig& arch);
double naswot_proxy(const spiking::ArchConfig& arch, const Tensor& batch, uint64_t seed);
double synflow_proxy(const spiking::ArchConfig& arch, uint64_t seed);
double snip_proxy(const spiking::ArchConfig& arch, const Tensor& batch, const Tensor& labels, uint64_t seed);

// NASWOT's kernel for a built model: K (row-major [B, B]) over the binary outputs of every neuron
// layer, and the number of units N_A (K's diagonal).
struct NaswotKernel {
  std::vector<double> K;
  int64_t batch = 0;
  int64_t units = 0;
};
NaswotKernel naswot_kernel(spiking::SpikingModel& model, const Tensor& batch);
// log|det A| of a row-major n x n matrix by LU with partial pivoting; -inf when A is singular.
double log_abs_det(std::vector<double> a, int64_t n);

// The proxy as the search's scorer.
Scorer make_scorer(ProxyKind kind, const ProxyOptions& options = {});

}  // namespace autost::nas
