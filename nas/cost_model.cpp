#include "nas/cost_model.h"

#include "tensor/error.h"

namespace autost::nas {

using spiking::ModelKind;
using spiking::Variant;

const char* layer_kind_name(LayerKind kind) {
  switch (kind) {
    case LayerKind::Conv: return "conv";
    case LayerKind::Linear: return "linear";
    case LayerKind::BatchNorm: return "batchnorm";
    case LayerKind::MaxPool: return "maxpool";
    case LayerKind::Neuron: return "neuron";
    case LayerKind::MatMul: return "matmul";
    case LayerKind::Add: return "add";
  }
  return "?";
}

const char* input_kind_name(InputKind kind) {
  switch (kind) {
    case InputKind::Data: return "data";
    case InputKind::Real: return "real";
    case InputKind::Spikes: return "spikes";
    case InputKind::SpikeCounts: return "spike_counts";
  }
  return "?";
}

namespace {

// A layer's path, kept as pieces so that the totals never build strings: block < 0 is outside the
// blocks ("patch_embed.<leaf>" when sub is set, else "<leaf>"); otherwise "block.<l>[.<sub>].<leaf>".
struct Name {
  int64_t block = -1;
  const char* sub = nullptr;
  const char* leaf = "";
  std::string str() const {
    std::string s = block < 0 ? "" : "block." + std::to_string(block) + ".";
    if (sub) s += std::string(sub) + ".";
    return s + leaf;
  }
};

struct Layer {
  Name name;
  LayerKind kind;
  InputKind input;
  int64_t ops;
  Name rate_from;  // matmuls only
};

// One walk over the forward pass of SPEC.md §2 (and the official model.py files) that both the
// breakdown and the fast totals use; emit(const Layer&) sees every counted op in forward order.
template <class Emit>
void walk(const ArchConfig& a, int64_t batch, Emit&& emit) {
  const bool autost = a.model == ModelKind::AutoST;
  const int64_t D = a.embed_dim, TB = a.T * batch;
  const auto pooled = [](int64_t s) { return (s - 1) / 2 + 1; };  // 3x3, stride 2, pad 1
  auto layer = [&](Name n, LayerKind k, InputKind in, int64_t ops, Name from = {}) {
    emit(Layer{n, k, in, ops, from});
  };
  auto conv = [&](Name n, InputKind in, int64_t cin, int64_t cout, int64_t kernel, int64_t positions, bool bias) {
    layer(n, LayerKind::Conv, in, (kernel * cin * cout + (bias ? cout : 0)) * positions * TB);
  };
  auto linear = [&](Name n, InputKind in, int64_t rows, int64_t fin, int64_t fout) {
    layer(n, LayerKind::Linear, in, rows * fin * fout + fout);  // bias counted once per call
  };
  auto bn = [&](Name n, int64_t numel) { layer(n, LayerKind::BatchNorm, InputKind::Real, 2 * numel); };
  auto neuron = [&](Name n, int64_t numel) { layer(n, LayerKind::Neuron, InputKind::Real, numel); };
  auto pool = [&](Name n, InputKind in, int64_t numel) { layer(n, LayerKind::MaxPool, in, numel); };
  auto stem = [](const char* leaf) { return Name{-1, "patch_embed", leaf}; };

  // ---- SPS stem ----
  const int64_t widths[4] = {D / 8, D / 4, D / 2, D};
  static const char* const convs[4] = {"proj_conv", "proj_conv1", "proj_conv2", "proj_conv3"};
  static const char* const bns[4] = {"proj_bn", "proj_bn1", "proj_bn2", "proj_bn3"};
  static const char* const lifs[4] = {"proj_lif", "proj_lif1", "proj_lif2", "proj_lif3"};
  static const char* const pools[4] = {"maxpool", "maxpool1", "maxpool2", "maxpool3"};
  int64_t side = a.img_size, channels = a.in_channels;
  InputKind in = InputKind::Data;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t c = widths[stage], area = side * side;
    conv(stem(convs[stage]), in, channels, c, 9, area, false);
    bn(stem(bns[stage]), TB * c * area);
    // AutoST's stage 3 has no neuron: its pooled output is real-valued.
    const bool fires = !(autost && stage == 3);
    if (fires) neuron(stem(lifs[stage]), TB * c * area);
    const bool pools_here = a.variant != Variant::Cifar || stage >= 2;
    in = fires ? InputKind::Spikes : InputKind::Real;
    if (pools_here) {
      pool(stem(pools[stage]), in, TB * c * area);
      side = pooled(side);
    }
    channels = c;
  }
  const int64_t N = side * side, M = TB * N;  // tokens, and token rows over T·B
  conv(stem("rpe_conv"), in, D, D, 9, N, false);
  bn(stem("rpe_bn"), M * D);
  if (!autost) neuron(stem("rpe_lif"), M * D);
  layer(stem("rpe_add"), LayerKind::Add, in, M * D);

  // ---- encoder blocks ----
  // A block's input: AutoST's residual stream is real; Spikformer's holds sums of spikes.
  const InputKind stream = autost ? InputKind::Real : InputKind::SpikeCounts;
  const bool convs1d = a.variant != Variant::Cifar;  // dvs and imagenet use 1x1 convolutions
  for (int64_t l = 0; l < a.depth; ++l) {
    const int64_t H = a.hidden(l), h = a.num_heads.at(static_cast<size_t>(l)), d = D / h;
    auto at = [&](const char* leaf) { return Name{l, "attn", leaf}; };
    auto mp = [&](const char* leaf) { return Name{l, "mlp", leaf}; };
    // A token-wise projection: Linear on [TB, N, in] (cifar) or a k=1 convolution on [TB, in, N].
    auto project = [&](Name n, InputKind input, int64_t fin, int64_t fout, bool conv_bias) {
      if (convs1d) conv(n, input, fin, fout, 1, N, conv_bias);
      else linear(n, input, M, fin, fout);
    };
    InputKind qkv_in = stream;
    if (autost) {
      neuron(at("lif"), M * D);
      qkv_in = InputKind::Spikes;
    }
    const char* names[3][3] = {{"q_linear", "q_bn", "q_lif"}, {"k_linear", "k_bn", "k_lif"},
                               {"v_linear", "v_bn", "v_lif"}};
    if (convs1d) {
      names[0][0] = "q_conv";
      names[1][0] = "k_conv";
      names[2][0] = "v_conv";
    }
    for (auto& qkv : names) {
      project(at(qkv[0]), qkv_in, D, D, false);  // the 1x1 q/k/v convolutions have no bias
      bn(at(qkv[1]), M * D);
      neuron(at(qkv[2]), M * D);
    }
    if (a.variant == Variant::ImageNet) {
      // kᵀ·v first ([d, N]·[N, d] per head), then q·(kᵀv).
      layer(at("kv_matmul"), LayerKind::MatMul, InputKind::Spikes, TB * h * d * N * d, at("k_lif"));
      layer(at("q_kv_matmul"), LayerKind::MatMul, InputKind::Spikes, TB * h * N * d * d, at("q_lif"));
    } else {
      layer(at("qk_matmul"), LayerKind::MatMul, InputKind::Spikes, TB * h * N * N * d, at("q_lif"));
      layer(at("av_matmul"), LayerKind::MatMul, InputKind::Spikes, TB * h * N * N * d, at("v_lif"));
    }
    neuron(at("attn_lif"), M * D);
    project(at(convs1d ? "proj_conv" : "proj_linear"), InputKind::Spikes, D, D, true);
    bn(at("proj_bn"), M * D);
    if (!autost) neuron(at("proj_lif"), M * D);
    layer(Name{l, nullptr, "attn_add"}, LayerKind::Add, stream, M * D);

    if (autost) {
      neuron(mp("fc1_lif"), M * D);
      project(mp("fc1_linear"), InputKind::Spikes, D, H, true);
      bn(mp("fc1_bn"), M * H);
      neuron(mp("fc2_lif"), M * H);
      project(mp("fc2_linear"), InputKind::Spikes, H, D, true);
      bn(mp("fc2_bn"), M * D);
    } else {
      project(mp(convs1d ? "fc1_conv" : "fc1_linear"), stream, D, H, true);
      bn(mp("fc1_bn"), M * H);
      neuron(mp("fc1_lif"), M * H);
      project(mp(convs1d ? "fc2_conv" : "fc2_linear"), InputKind::Spikes, H, D, true);
      bn(mp("fc2_bn"), M * D);
      neuron(mp("fc2_lif"), M * D);
    }
    layer(Name{l, nullptr, "mlp_add"}, LayerKind::Add, stream, M * D);
  }

  // ---- head: Linear on the [B, D] mean over tokens and steps ----
  linear(Name{-1, nullptr, "head"}, InputKind::Real, batch, D, a.num_classes);
}

bool hooked_by_syops(LayerKind k) { return k != LayerKind::MatMul && k != LayerKind::Add; }

void check_batch(int64_t batch) { AUTOST_CHECK(batch > 0, "cost model: batch must be positive, got ", batch); }

}  // namespace

std::vector<LayerCost> layer_costs(const ArchConfig& arch, int64_t batch) {
  arch.validate();
  check_batch(batch);
  std::vector<LayerCost> out;
  walk(arch, batch, [&](const Layer& l) {
    out.push_back(LayerCost{l.name.str(), l.kind, l.input, l.ops, hooked_by_syops(l.kind),
                            l.kind == LayerKind::MatMul ? l.rate_from.str() : std::string()});
  });
  return out;
}

int64_t count_parameters(const ArchConfig& a) {
  a.validate();
  const bool autost = a.model == ModelKind::AutoST;
  const int64_t D = a.embed_dim;
  // SPS: four 3x3 convs without bias (C_in -> D/8 -> D/4 -> D/2 -> D), the 3x3 RPE conv D -> D, and
  // a BatchNorm (weight and bias) after each; AutoST's first three PLIF layers add a scalar each.
  int64_t n = 9 * (a.in_channels * D / 8 + (D / 8) * (D / 4) + (D / 4) * (D / 2) + (D / 2) * D + D * D) +
              2 * (D / 8 + D / 4 + D / 2 + D + D) + (autost ? 3 : 0);
  for (int64_t l = 0; l < a.depth; ++l) {
    const int64_t H = a.hidden(l);
    // q, k, v, proj: weights D·D; biases on all four (cifar Linear) or on proj only (1x1 convs).
    const int64_t qkvp_bias = a.variant == Variant::Cifar ? 4 * D : D;
    n += 4 * D * D + qkvp_bias + 4 * 2 * D;            // + the four BatchNorms
    n += (D * H + H) + 2 * H + (H * D + D) + 2 * D;    // fc1, fc1_bn, fc2, fc2_bn
    n += autost ? 7 : 4 * D;  // AutoST: 7 PLIF scalars; Spikformer: norm1, norm2 (unused LayerNorms)
  }
  // The DVS model's unused pos_embed [1, (img/16)², D] and final LayerNorm.
  if (a.variant == Variant::Dvs) n += (a.img_size / 16) * (a.img_size / 16) * D + 2 * D;
  return n + D * a.num_classes + a.num_classes;
}

namespace {
// Σ ops on `batch` images (exact integers), then per image as double like syops' division.
double per_image(const ArchConfig& arch, int64_t batch, bool all_ops) {
  arch.validate();
  check_batch(batch);
  int64_t total = 0;
  walk(arch, batch, [&](const Layer& l) {
    if (all_ops || hooked_by_syops(l.kind)) total += l.ops;
  });
  return static_cast<double>(total) / static_cast<double>(batch);
}
}  // namespace

double syops_flops(const ArchConfig& arch, int64_t batch) { return per_image(arch, batch, false); }
double full_flops(const ArchConfig& arch, int64_t batch) { return per_image(arch, batch, true); }

EnergyEstimate estimate_energy(const ArchConfig& arch, const std::map<std::string, double>& input_rates,
                               bool data_is_binary, int64_t batch) {
  EnergyEstimate e;
  auto rate_of = [&](const LayerCost& l) {
    auto it = input_rates.find(l.name);
    AUTOST_CHECK(it != input_rates.end(), "energy: no firing rate for layer ", l.name, " (its input is ",
                 input_kind_name(l.input), ")");
    AUTOST_CHECK(it->second >= 0, "energy: firing rate of ", l.name, " must be non-negative, got ", it->second);
    return it->second;
  };
  const double B = static_cast<double>(batch);
  for (const LayerCost& l : layer_costs(arch, batch)) {
    const double ops = static_cast<double>(l.ops) / B;
    const bool spiking = l.input == InputKind::Spikes || l.input == InputKind::SpikeCounts;
    // Spikformer's formula: synaptic layers only (BN is fused, pools and neurons are free).
    if (l.kind == LayerKind::Conv || l.kind == LayerKind::Linear || l.kind == LayerKind::MatMul) {
      if (spiking) e.sops += rate_of(l) * ops;
      else e.macs += ops;
    }
    // syops: hooked modules; binary inputs are rate-weighted ACs (spike counts hold 2s: MACs).
    if (!l.syops) continue;
    if (l.kind == LayerKind::Neuron) e.syops_acs += ops;
    else if (l.input == InputKind::Spikes || (l.input == InputKind::Data && data_is_binary)) e.syops_acs += rate_of(l) * ops;
    else e.syops_macs += ops;
  }
  constexpr double pj_to_mj = 1e-9;
  e.spikformer_mj = (kMacPicojoules * e.macs + kAcPicojoules * e.sops) * pj_to_mj;
  e.syops_mj = (kAcPicojoules * e.syops_acs + kMacPicojoules * e.syops_macs) * pj_to_mj;
  return e;
}

}  // namespace autost::nas
