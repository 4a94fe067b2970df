#pragma once
// The exact cost of an architecture, computed from its description without building it (SPEC.md
// §2.7, §3.4, §6): the parameter count, syops' dense op count (the AutoST score), a complete count
// that adds the tensor ops syops does not hook, a per-layer breakdown named by module path, and the
// energy estimates of both papers from measured firing rates. Both model families and every
// variant, for any image size, channels, classes and T.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spiking/arch.h"

namespace autost::nas {

using spiking::ArchConfig;

// The AutoST search counts ops on one batch of 32 all-ones images and divides by 32.
inline constexpr int64_t kSyopsBatch = 32;

enum class LayerKind { Conv, Linear, BatchNorm, MaxPool, Neuron, MatMul, Add };
// What a layer's input holds: the network's input data, real values, binary spikes, or sums of
// spikes (the Spikformer residual stream: non-negative integers, one accumulate per unit).
enum class InputKind { Data, Real, Spikes, SpikeCounts };

const char* layer_kind_name(LayerKind kind);  // "conv", "linear", "batchnorm", "maxpool", "neuron", "matmul", "add"
const char* input_kind_name(InputKind kind);  // "data", "real", "spikes", "spike_counts"

struct LayerCost {
  // The module's path in the model ("patch_embed.proj_conv", "block.0.attn.q_linear", "head"). The
  // tensor ops syops cannot see are named inside the module that runs them:
  // "<block>.attn.qk_matmul" / "av_matmul" (imagenet: "kv_matmul" / "q_kv_matmul"),
  // "patch_embed.rpe_add", "block.<l>.attn_add", "block.<l>.mlp_add".
  std::string name;
  LayerKind kind = LayerKind::Conv;
  InputKind input = InputKind::Real;
  // syops' count for one forward pass on `batch` images (all T steps): conv k·C_in·C_out per output
  // position (+ C_out per position with a bias), linear numel(input)·out + out (the bias once per
  // call), batchnorm 2·numel, maxpool numel(input), neuron numel(input). Matmuls count
  // multiply-accumulates and adds count elements.
  int64_t ops = 0;
  bool syops = true;  // hooked by syops (every module above); matmuls and adds are not
  // Matmuls only: the neuron module whose output is the spike operand (its firing rate weights the
  // matmul's synaptic ops): q for q·kᵀ, v for attn·v, k for kᵀ·v, q for q·(kᵀv).
  std::string rate_from;
};

// Every counted layer in forward order, for one forward on `batch` images. arch.validate() runs first.
std::vector<LayerCost> layer_costs(const ArchConfig& arch, int64_t batch = kSyopsBatch);

// Trainable parameters of build_model(arch), as the official models have them: AutoST's PLIF scalars,
// Spikformer's unused LayerNorms, the DVS variant's unused pos_embed and final norm.
int64_t count_parameters(const ArchConfig& arch);

// syops' ops[0] per image (the AutoST score is this / 1e9): the hooked layers' ops on `batch` images
// divided by `batch`. Includes the T factor.
double syops_flops(const ArchConfig& arch, int64_t batch = kSyopsBatch);
// The complete count per image: syops_flops plus the attention matmuls and the residual adds.
double full_flops(const ArchConfig& arch, int64_t batch = kSyopsBatch);

// ---- energy (SPEC.md §6), 45 nm ----
inline constexpr double kMacPicojoules = 4.6;
inline constexpr double kAcPicojoules = 0.9;

struct EnergyEstimate {
  // Spikformer (App. C.2): SOPs = Σ rate·ops over the convs, linears and attention matmuls whose
  // input is spikes (or spike counts); the ones on data or real values are MACs.
  double sops = 0;
  double macs = 0;
  double spikformer_mj = 0;  // 4.6 pJ·macs + 0.9 pJ·sops
  // syops: every hooked layer with a binary spike input is rate-weighted ACs, every neuron update an
  // AC, everything else MACs; matmuls are not counted.
  double syops_acs = 0;
  double syops_macs = 0;
  double syops_mj = 0;  // 0.9 pJ·acs + 4.6 pJ·macs
};

// Per image. input_rates maps a layer name to the mean of its spike input, for every layer whose
// input is spikes or spike counts (a matmul's entry is its rate_from neuron's output rate); a
// missing entry is an error naming the layer. data_is_binary says whether the network's input is
// itself 0/1 (syops then counts the first conv as ACs weighted by input_rates of that conv, as it
// does for the all-ones image of the search).
EnergyEstimate estimate_energy(const ArchConfig& arch, const std::map<std::string, double>& input_rates,
                               bool data_is_binary, int64_t batch = kSyopsBatch);

}  // namespace autost::nas
