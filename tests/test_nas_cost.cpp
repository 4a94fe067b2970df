// The analytic cost model against SPEC.md's validated numbers (§2.7 parameter table, §3.4 worked
// scores) and against closed forms written out independently here.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "nas/cost_model.h"
#include "tensor/error.h"

using namespace autost;
using namespace autost::nas;
using spiking::ArchConfig;
using spiking::ModelKind;
using spiking::Variant;

namespace {

ArchConfig autost_arch(int64_t D, std::vector<double> ratios, int64_t heads = 8) {
  ArchConfig a;
  a.depth = static_cast<int64_t>(ratios.size());
  a.embed_dim = D;
  a.mlp_ratios = ratios;
  a.num_heads.assign(ratios.size(), heads);
  return a;  // 32x32x3, 100 classes, T = 4
}

ArchConfig spikformer(Variant v, int64_t L, int64_t D, int64_t heads, int64_t classes) {
  ArchConfig a = spiking::arch_preset(v == Variant::Cifar ? "spikformer-4-384"
                                      : v == Variant::Dvs ? "spikformer-dvs-2-256"
                                                          : "spikformer-8-512");
  a.depth = L;
  a.embed_dim = D;
  a.mlp_ratios.assign(static_cast<size_t>(L), 4);
  a.num_heads.assign(static_cast<size_t>(L), heads);
  a.num_classes = classes;
  return a;
}

double millions(int64_t n) { return static_cast<double>(n) / 1e6; }

// SPEC.md §2.7's closed form: SPS(D) = 1.125·C_in·D + 14.90625·D² + 5.75·D (+3 PLIF scalars for
// AutoST), blocks 4D² + 2DH + 15D + 3H + 7 (AutoST) or + 19D + 3H (Spikformer cifar), head D·K + K.
double spec_params(const ArchConfig& a) {
  const double D = static_cast<double>(a.embed_dim);
  const bool autost = a.model == ModelKind::AutoST;
  double n = 1.125 * static_cast<double>(a.in_channels) * D + 14.90625 * D * D + 5.75 * D + (autost ? 3 : 0);
  for (int64_t l = 0; l < a.depth; ++l) {
    const double H = static_cast<double>(a.hidden(l));
    n += 4 * D * D + 2 * D * H + 3 * H + (autost ? 15 * D + 7 : 19 * D);
  }
  return n + D * static_cast<double>(a.num_classes) + static_cast<double>(a.num_classes);
}

// SPEC.md §3.4's closed form for a cifar-variant model per image (the stem per step, T·N per block,
// the head), plus the Linear biases that syops counts once per call, divided by the batch.
double spec_syops(const ArchConfig& a, int64_t batch) {
  const double D = static_cast<double>(a.embed_dim), C = static_cast<double>(a.in_channels);
  const double S2 = static_cast<double>(a.img_size * a.img_size), T = static_cast<double>(a.T);
  const double N = S2 / 16, K = static_cast<double>(a.num_classes);
  double stem = S2 * (9 * C * D / 8) + S2 * 3 * D / 8 + S2 * 9 * D * D / 32 + S2 * 3 * D / 4 + S2 * 9 * D * D / 8 +
                S2 * 4 * D / 2 + S2 / 4 * 9 * D * D / 2 + S2 / 4 * 3 * D + N * 9 * D * D + N * 2 * D;
  if (a.model == ModelKind::Spikformer) stem += S2 / 4 * D + N * D;  // proj_lif3 and rpe_lif
  double blocks = 0, biases = K;
  for (int64_t l = 0; l < a.depth; ++l) {
    const double H = static_cast<double>(a.hidden(l));
    blocks += 4 * D * D + 2 * D * H + 16 * D + 3 * H;
    biases += 4 * D + H + D;
  }
  return T * stem + T * N * blocks + D * K + biases / static_cast<double>(batch);
}

// The dvs / imagenet variants per image: a pool after every stem stage, 1x1 convolutions in the
// blocks (q/k/v without bias, biases per position), every stage's ops written out.
double reference_syops_pooled(const ArchConfig& a, int64_t batch) {
  const double D = static_cast<double>(a.embed_dim), T = static_cast<double>(a.T);
  const double c[5] = {static_cast<double>(a.in_channels), D / 8, D / 4, D / 2, D};
  double side = static_cast<double>(a.img_size), stem = 0;
  for (int i = 1; i <= 4; ++i) {
    const double area = side * side;
    stem += 9 * c[i - 1] * c[i] * area + 2 * c[i] * area + c[i] * area + c[i] * area;  // conv, bn, lif, pool
    side /= 2;
  }
  const double N = side * side;
  stem += 9 * D * D * N + 2 * D * N + D * N;  // rpe conv, bn, lif
  double blocks = 0;
  for (int64_t l = 0; l < a.depth; ++l) {
    const double H = static_cast<double>(a.hidden(l));
    blocks += 3 * D * D + (D * D + D) + (D * H + H) + (H * D + D);  // q, k, v, proj, fc1, fc2
    blocks += 2 * (4 * D + H + D);                                  // six BatchNorms
    blocks += 5 * D + H + D;                                        // q, k, v, attn, proj, fc1, fc2 neurons
  }
  const double K = static_cast<double>(a.num_classes);
  return T * stem + T * N * blocks + D * K + K / static_cast<double>(batch);
}

std::map<std::string, double> uniform_rates(const ArchConfig& a, double rate) {
  std::map<std::string, double> rates;
  for (const LayerCost& l : layer_costs(a)) rates[l.name] = l.input == InputKind::Data ? 1.0 : rate;
  return rates;
}

}  // namespace

TEST_CASE("count_parameters matches SPEC.md §2.7's table and the paper") {
  // Spikformer (cifar rows: 10 classes), with the paper's published value beside each.
  struct Row {
    Variant v;
    int64_t L, D, heads, classes;
    double derived_m, tolerance;
  };
  const Row rows[] = {
      {Variant::Cifar, 4, 256, 16, 10, 4.159, 5e-4},     {Variant::Cifar, 2, 384, 12, 10, 5.768, 5e-4},
      {Variant::Cifar, 4, 384, 12, 10, 9.331, 5e-4},     {Variant::ImageNet, 8, 384, 8, 1000, 16.83, 5e-3},
      {Variant::ImageNet, 8, 512, 8, 1000, 29.71, 5e-3}, {Variant::ImageNet, 8, 768, 8, 1000, 66.36, 5e-3},
      {Variant::Dvs, 2, 256, 16, 10, 2.586, 5e-4},
  };
  for (const Row& r : rows) {
    const ArchConfig a = spikformer(r.v, r.L, r.D, r.heads, r.classes);
    INFO(spiking::variant_name(r.v), " ", r.L, "-", r.D);
    CHECK(std::abs(millions(count_parameters(a)) - r.derived_m) <= r.tolerance);
  }
  // AutoST, 100 classes (§3.4's worked rows and §3.5's optima).
  CHECK(std::abs(millions(count_parameters(autost_arch(384, {4, 4, 4, 4}))) - 9.3594) < 5e-5);
  CHECK(std::abs(millions(count_parameters(autost_arch(256, {4, 4, 4, 4}))) - 4.1783) < 5e-5);
  CHECK(std::abs(millions(count_parameters(autost_arch(384, {4, 4}))) - 5.7997) < 5e-5);
  CHECK(std::abs(millions(count_parameters(autost_arch(512, {3, 3, 3}))) - 11.865) < 5e-4);
  CHECK(std::abs(millions(count_parameters(autost_arch(384, {3, 3, 3, 3, 4, 4}))) - 11.735) < 5e-4);
  CHECK(std::abs(millions(count_parameters(autost_arch(448, {3, 3, 4, 4}))) - 11.917) < 5e-4);
}

TEST_CASE("count_parameters equals SPEC.md's closed form for cifar models of every shape") {
  for (ModelKind m : {ModelKind::AutoST, ModelKind::Spikformer})
    for (int64_t D : {8, 64, 136, 512})
      for (int64_t in_ch : {1, 2, 3})
        for (const std::vector<double>& ratios : std::vector<std::vector<double>>{{1}, {3, 4.5, 6}, {2.25, 5}}) {
          ArchConfig a = autost_arch(D, ratios, 8);
          a.model = m;
          a.in_channels = in_ch;
          a.num_classes = 7;
          CHECK(static_cast<double>(count_parameters(a)) == spec_params(a));
        }
}

TEST_CASE("syops_flops reproduces SPEC.md §3.4's worked scores") {
  CHECK(std::abs(syops_flops(autost_arch(384, {4, 4, 4, 4})) / 1e9 - 3.7032) < 5e-5);
  CHECK(std::abs(syops_flops(autost_arch(256, {4, 4, 4, 4})) / 1e9 - 1.6509) < 5e-5);
  CHECK(std::abs(syops_flops(autost_arch(384, {4, 4})) / 1e9 - 2.7917) < 5e-5);
  ArchConfig sf = spikformer(Variant::Cifar, 4, 384, 12, 100);
  CHECK(std::abs(syops_flops(sf) / 1e9 - 3.7036) < 5e-5);
  // §3.5's optima.
  CHECK(std::abs(syops_flops(autost_arch(512, {3, 3, 3})) / 1e9 - 5.3605) < 5e-5);
  CHECK(std::abs(syops_flops(autost_arch(512, {5, 5})) / 1e9 - 5.2246) < 5e-5);
  CHECK(std::abs(syops_flops(autost_arch(384, {3, 3, 3, 3, 4, 4})) / 1e9 - 4.3115) < 5e-5);
  CHECK(std::abs(syops_flops(autost_arch(448, {3, 3, 4, 4})) / 1e9 - 4.8298) < 5e-5);
}

TEST_CASE("syops_flops equals the closed forms exactly, bias terms and batch included") {
  for (ModelKind m : {ModelKind::AutoST, ModelKind::Spikformer})
    for (int64_t img : {8, 28, 32})
      for (int64_t batch : {1, 3, 32}) {
        ArchConfig a = autost_arch(96, {2, 3.5}, 4);
        a.model = m;
        a.img_size = img;
        a.in_channels = img == 28 ? 1 : 3;
        a.T = img == 8 ? 2 : 4;
        INFO(spiking::model_kind_name(m), " img ", img, " batch ", batch);
        CHECK(syops_flops(a, batch) == doctest::Approx(spec_syops(a, batch)).epsilon(1e-14));
      }
  for (Variant v : {Variant::Dvs, Variant::ImageNet})
    for (int64_t batch : {1, 32}) {
      ArchConfig a = spikformer(v, 2, 64, 4, 10);
      a.img_size = v == Variant::Dvs ? 128 : 64;
      a.mlp_ratios = {4, 2};
      CHECK(syops_flops(a, batch) == doctest::Approx(reference_syops_pooled(a, batch)).epsilon(1e-14));
    }
}

TEST_CASE("full_flops adds the attention matmuls and residual adds") {
  ArchConfig cifar = autost_arch(64, {4, 3}, 4);
  const double T = 4, N = 64, D = 64, L = 2;
  CHECK(full_flops(cifar) - syops_flops(cifar) == doctest::Approx(L * 2 * T * N * N * D + (2 * L + 1) * T * N * D));
  ArchConfig imagenet = spikformer(Variant::ImageNet, 2, 64, 4, 10);
  imagenet.img_size = 64;  // 4 x 4 tokens
  const double n = 16, d = 16;
  CHECK(full_flops(imagenet) - syops_flops(imagenet) ==
        doctest::Approx(L * 2 * T * n * D * d + (2 * L + 1) * T * n * D));
}

TEST_CASE("layer_costs names the official modules in forward order") {
  const std::vector<std::string> autost_names = {
      "patch_embed.proj_conv",  "patch_embed.proj_bn",    "patch_embed.proj_lif",    "patch_embed.proj_conv1",
      "patch_embed.proj_bn1",   "patch_embed.proj_lif1",  "patch_embed.proj_conv2",  "patch_embed.proj_bn2",
      "patch_embed.proj_lif2",  "patch_embed.maxpool2",   "patch_embed.proj_conv3",  "patch_embed.proj_bn3",
      "patch_embed.maxpool3",   "patch_embed.rpe_conv",   "patch_embed.rpe_bn",      "patch_embed.rpe_add",
      "block.0.attn.lif",       "block.0.attn.q_linear",  "block.0.attn.q_bn",       "block.0.attn.q_lif",
      "block.0.attn.k_linear",  "block.0.attn.k_bn",      "block.0.attn.k_lif",      "block.0.attn.v_linear",
      "block.0.attn.v_bn",      "block.0.attn.v_lif",     "block.0.attn.qk_matmul",  "block.0.attn.av_matmul",
      "block.0.attn.attn_lif",  "block.0.attn.proj_linear", "block.0.attn.proj_bn",  "block.0.attn_add",
      "block.0.mlp.fc1_lif",    "block.0.mlp.fc1_linear", "block.0.mlp.fc1_bn",      "block.0.mlp.fc2_lif",
      "block.0.mlp.fc2_linear", "block.0.mlp.fc2_bn",     "block.0.mlp_add",         "head"};
  std::vector<std::string> got;
  for (const LayerCost& l : layer_costs(autost_arch(64, {4}))) got.push_back(l.name);
  CHECK(got == autost_names);

  // Spikformer dvs: a pool after each stem stage, 1x1 convolutions, post-activation neurons.
  std::set<std::string> dvs;
  for (const LayerCost& l : layer_costs(spikformer(Variant::Dvs, 2, 64, 4, 10))) {
    CHECK(dvs.insert(l.name).second);  // unique
    if (l.kind == LayerKind::MatMul) CHECK(!l.rate_from.empty());
    CHECK(l.syops == (l.kind != LayerKind::MatMul && l.kind != LayerKind::Add));
  }
  for (const char* n : {"patch_embed.maxpool", "patch_embed.maxpool1", "patch_embed.proj_lif3", "patch_embed.rpe_lif",
                        "block.1.attn.q_conv", "block.1.attn.proj_conv", "block.1.attn.proj_lif", "block.1.mlp.fc1_conv",
                        "block.1.mlp.fc2_lif"})
    CHECK_MESSAGE(dvs.count(n), n);
  CHECK(!dvs.count("block.0.attn.lif"));
  std::set<std::string> imagenet;
  for (const LayerCost& l : layer_costs(spikformer(Variant::ImageNet, 1, 64, 4, 10))) imagenet.insert(l.name);
  CHECK(imagenet.count("block.0.attn.kv_matmul"));
  CHECK(imagenet.count("block.0.attn.q_kv_matmul"));
}

TEST_CASE("layer_costs: input kinds follow each model's neuron placement") {
  auto kinds = [](const ArchConfig& a) {
    std::map<std::string, InputKind> k;
    for (const LayerCost& l : layer_costs(a)) k[l.name] = l.input;
    return k;
  };
  auto a = kinds(autost_arch(64, {4, 4}));
  CHECK(a["patch_embed.proj_conv"] == InputKind::Data);
  CHECK(a["patch_embed.proj_conv1"] == InputKind::Spikes);
  CHECK(a["patch_embed.maxpool3"] == InputKind::Real);  // AutoST stage 3 has no neuron
  CHECK(a["patch_embed.rpe_conv"] == InputKind::Real);
  CHECK(a["block.1.attn.q_linear"] == InputKind::Spikes);
  CHECK(a["block.1.mlp.fc2_linear"] == InputKind::Spikes);
  CHECK(a["head"] == InputKind::Real);
  auto s = kinds(spikformer(Variant::Cifar, 2, 64, 4, 10));
  CHECK(s["patch_embed.maxpool3"] == InputKind::Spikes);
  CHECK(s["patch_embed.rpe_conv"] == InputKind::Spikes);
  CHECK(s["block.0.attn.q_linear"] == InputKind::SpikeCounts);  // x_feat + RPE spikes
  CHECK(s["block.1.mlp.fc1_linear"] == InputKind::SpikeCounts);
  CHECK(s["block.1.attn.proj_linear"] == InputKind::Spikes);
}

TEST_CASE("estimate_energy: both formulas from firing rates") {
  for (const ArchConfig& a : {autost_arch(64, {4, 3}), spikformer(Variant::Cifar, 2, 64, 4, 10)}) {
    double synaptic = 0, synaptic_spiking = 0, neurons = 0, syops_spiking = 0;
    for (const LayerCost& l : layer_costs(a)) {
      const double ops = static_cast<double>(l.ops) / kSyopsBatch;
      const bool spiking = l.input == InputKind::Spikes || l.input == InputKind::SpikeCounts;
      if (l.kind == LayerKind::Conv || l.kind == LayerKind::Linear || l.kind == LayerKind::MatMul) {
        synaptic += ops;
        if (spiking) synaptic_spiking += ops;
      }
      if (l.kind == LayerKind::Neuron) neurons += ops;
      else if (l.syops && (l.input == InputKind::Spikes || l.input == InputKind::Data)) syops_spiking += ops;
    }
    // Rate 1 everywhere with binary data: every op counted once, split between ACs and MACs.
    EnergyEstimate full = estimate_energy(a, uniform_rates(a, 1.0), true);
    CHECK(full.syops_acs + full.syops_macs == doctest::Approx(syops_flops(a)));
    CHECK(full.syops_acs == doctest::Approx(neurons + syops_spiking));
    CHECK(full.sops + full.macs == doctest::Approx(synaptic));
    CHECK(full.sops == doctest::Approx(synaptic_spiking));
    CHECK(full.spikformer_mj == doctest::Approx((4.6 * full.macs + 0.9 * full.sops) * 1e-9));
    CHECK(full.syops_mj == doctest::Approx((0.9 * full.syops_acs + 4.6 * full.syops_macs) * 1e-9));
    // SOPs scale with the rate; MACs do not.
    EnergyEstimate quarter = estimate_energy(a, uniform_rates(a, 0.25), false);
    CHECK(quarter.sops == doctest::Approx(0.25 * full.sops));
    CHECK(quarter.macs == doctest::Approx(full.macs));
    // Non-binary data: the first conv is a MAC for syops too.
    const double conv0 = static_cast<double>(layer_costs(a).front().ops) / kSyopsBatch;
    CHECK(quarter.syops_macs == doctest::Approx(full.syops_macs + conv0));
  }
  std::map<std::string, double> rates = uniform_rates(autost_arch(64, {4}), 0.1);
  rates.erase("block.0.attn.av_matmul");
  CHECK_THROWS_WITH_AS(estimate_energy(autost_arch(64, {4}), rates, true),
                       doctest::Contains("block.0.attn.av_matmul"), Error);
}

TEST_CASE("cost model errors name the problem") {
  ArchConfig bad = autost_arch(60, {4});
  CHECK_THROWS_WITH_AS(count_parameters(bad), doctest::Contains("EMBED_DIM 60"), Error);
  CHECK_THROWS_WITH_AS(syops_flops(autost_arch(64, {4}), 0), doctest::Contains("batch"), Error);
}
