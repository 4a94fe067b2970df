// Spikformer and AutoST against their PyTorch twin (tests/reference/models.py): the twin's initial
// weights load under the official names, and one training-mode forward and backward give the same
// logits, loss, per-layer spike counts and parameter gradients. Also the parameter counts of
// SPEC.md §2.7, the architecture YAML, and the errors for impossible architectures.
#include <algorithm>

#include "tests/model_twin.h"

using namespace autost;
using namespace autost::spiking;

TEST_CASE("models match the PyTorch twin in float64: logits, loss, spike counts, every gradient") {
  for (std::string name : {"autost_cifar", "spikformer_cifar", "spikformer_dvs", "spikformer_imagenet"}) {
    INFO("case ", name);
    autost::test::check_model_twin(name, kFloat64);
  }
}

TEST_CASE("models match the PyTorch twin in float32") {
  for (std::string name : {"autost_cifar", "spikformer_cifar", "spikformer_dvs", "spikformer_imagenet"}) {
    INFO("case ", name);
    autost::test::check_model_twin(name, kFloat32);
  }
}

TEST_CASE("input_shape: dvs clips carry T, images do not") {
  CHECK(input_shape(arch_preset("spikformer-dvs-2-256"), 3) == std::vector<int64_t>{3, 16, 2, 128, 128});
  CHECK(input_shape(arch_preset("spikformer-4-384"), 5) == std::vector<int64_t>{5, 3, 32, 32});
  CHECK(input_shape(arch_preset("spikformer-8-512"), 1) == std::vector<int64_t>{1, 3, 224, 224});
}

TEST_CASE("parameter counts equal SPEC.md §2.7") {
  // Spikformer-4-384, 10 classes: SPS 2,201,520 + 4 blocks of 1,781,376 + head 3,850.
  CHECK(build_model(arch_preset("spikformer-4-384"))->num_parameters() == 9330874);
  // AutoST 384 / 4 / ratio 4, 100 classes (3 + 7 per block PLIF scalars): the paper's 9.3594 M.
  CHECK(build_model(arch_preset("autost-4-384"))->num_parameters() == 9359411);
  // Spikformer-2-384 (5.768 M) and 4-256 (4.159 M, SPS 979,232 + 4 x 794,368 + 2,570) on CIFAR-10.
  CHECK(build_model(arch_preset("spikformer-2-384"))->num_parameters() == 5768122);
  CHECK(build_model(arch_preset("spikformer-4-256"))->num_parameters() == 4159274);
  // DVS 2-256: q/k/v convolutions have no bias, plus pos_embed and the final LayerNorm: 2.586 M.
  CHECK(build_model(arch_preset("spikformer-dvs-2-256"))->num_parameters() == 2585610);
  // The closed forms of §2.7 for an uneven AutoST: per block 4D^2 + 2DH + 15D + 3H + 7.
  ArchConfig a = arch_preset("autost-4-384");
  a.depth = 3;
  a.embed_dim = 256;
  a.mlp_ratios = {3, 4.5, 5};
  a.num_heads = {4, 8, 16};
  a.num_classes = 10;
  const int64_t D = 256;
  int64_t expected = static_cast<int64_t>(1.125 * 3 * D + 14.90625 * D * D + 5.75 * D) + 3 + D * 10 + 10;
  for (int64_t l = 0; l < 3; ++l) expected += 4 * D * D + 2 * D * a.hidden(l) + 15 * D + 3 * a.hidden(l) + 7;
  CHECK(build_model(a)->num_parameters() == expected);
}

TEST_CASE("state dict names follow the official models") {
  auto sd = build_model(arch_preset("autost-4-384"))->state_dict();
  std::vector<std::string> names;
  for (auto& [n, t] : sd) names.push_back(n);
  CHECK(names.front() == "patch_embed.proj_conv.weight");
  CHECK(std::find(names.begin(), names.end(), "block.3.attn.lif.w") != names.end());
  CHECK(std::find(names.begin(), names.end(), "block.0.mlp.fc2_bn.num_batches_tracked") != names.end());
  CHECK(std::find(names.begin(), names.end(), "patch_embed.proj_lif3.w") == names.end());  // no stage-3 neuron
  CHECK(names.back() == "head.bias");
  auto dvs = build_model(arch_preset("spikformer-dvs-2-256"))->state_dict();
  CHECK(dvs.front().first == "pos_embed");
  CHECK(dvs.front().second.shape() == Shape{1, 64, 256});
  bool has_q_conv = false;
  for (auto& [n, t] : dvs)
    if (n == "block.1.attn.q_conv.weight") has_q_conv = t.shape() == Shape{256, 256, 1};
  CHECK(has_q_conv);
}

TEST_CASE("architecture YAML: RETRAIN format round trip and clear errors") {
  const std::string text =
      "RETRAIN:\n  MLP_RATIO:\n  - 3\n  - 4\n  NUM_HEADS:\n  - 4\n  - 8\n  DEPTH: 2\n  EMBED_DIM: 64\n"
      "INDICATOR: 1.5\nPARAMETER: 0.2\nFLOPS: 1.5\n";
  ArchConfig a = parse_arch_yaml(text, "config_1.yaml");
  CHECK(a.model == ModelKind::AutoST);
  CHECK(a.variant == Variant::Cifar);
  CHECK(a.depth == 2);
  CHECK(a.embed_dim == 64);
  CHECK(a.mlp_ratios == std::vector<double>{3, 4});
  CHECK(a.num_heads == std::vector<int64_t>{4, 8});
  ArchConfig b = parse_arch_yaml(arch_to_yaml(a), "round trip");
  CHECK(b.depth == a.depth);
  CHECK(b.mlp_ratios == a.mlp_ratios);
  CHECK(b.num_heads == a.num_heads);
  ArchConfig s = parse_arch_yaml(text + "MODEL: spikformer\nVARIANT: dvs\n", "x.yaml");
  CHECK(s.model == ModelKind::Spikformer);
  CHECK(s.variant == Variant::Dvs);
  CHECK(s.in_channels == 2);

  auto err = [](const std::string& t) {
    try {
      parse_arch_yaml(t, "bad.yaml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err("RETRAIN:\n  DEPTH: 2\n  EMBED_DIM: 64\n  MLP_RATIO: [3]\n  NUM_HEADS: [4, 8]\n") ==
        "bad.yaml: MLP_RATIO has 1 entries but DEPTH is 2");
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 60\n  MLP_RATIO: [3]\n  NUM_HEADS: [4]\n") ==
        "bad.yaml: EMBED_DIM 60 is not divisible by 8 (the stem's widths are D/8, D/4, D/2)");
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 64\n  MLP_RATIO: [3]\n  NUM_HEADS: [3]\n") ==
        "bad.yaml: EMBED_DIM 64 is not divisible by NUM_HEADS[0] = 3");
  CHECK(err("RETRAIN:\n  DEPTH: 0\n  EMBED_DIM: 64\n  MLP_RATIO: []\n  NUM_HEADS: []\n") ==
        "bad.yaml: DEPTH must be positive, got 0");
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 64\n  MLP_RATIO: [-1]\n  NUM_HEADS: [4]\n") ==
        "bad.yaml: MLP_RATIO[0] must be positive, got -1");
  // Found by fuzz_arch_yaml: a huge ratio overflowed the int64 hidden width (undefined behaviour).
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 64\n  MLP_RATIO: [4e25]\n  NUM_HEADS: [4]\n") ==
        "bad.yaml: MLP_RATIO[0] = 4e+25 makes the MLP wider than 2^31 for EMBED_DIM 64");
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 4000000000\n  MLP_RATIO: [1]\n  NUM_HEADS: [4]\n") ==
        "bad.yaml: size 4000000000 is too large (limit 2^31)");
  CHECK(err("RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 1048576\n  MLP_RATIO: [1000]\n  NUM_HEADS: [4]\n")
            .rfind("bad.yaml: the blocks would hold ", 0) == 0);
  CHECK(err("RETRAIN:\n  DEPTH: 1.5\n  EMBED_DIM: 64\n  MLP_RATIO: [3]\n  NUM_HEADS: [4]\n") ==
        "bad.yaml: RETRAIN.DEPTH must be an integer, got '1.5'");
  CHECK(err("RETRAIN:\n  EMBED_DIM: 64\n  MLP_RATIO: [3]\n  NUM_HEADS: [4]\n") == "bad.yaml: missing key RETRAIN.DEPTH");
  CHECK(err("SEARCH_SPACE: {}\n").rfind("bad.yaml: missing key RETRAIN", 0) == 0);
  CHECK(err("RETRAIN: [1, 2\n").rfind("bad.yaml: not valid YAML", 0) == 0);
  CHECK(err(text + "MODEL: resnet\n") == "bad.yaml: MODEL must be autost or spikformer, got 'resnet'");
  CHECK(err(text + "VARIANT: dvs\n") ==
        "bad.yaml: the AutoST model exists only in the cifar variant (VARIANT dvs)");
  CHECK_THROWS_WITH_AS(load_arch_yaml("/nonexistent/arch.yaml"), doctest::Contains("/nonexistent/arch.yaml"), Error);
}

TEST_CASE("model input errors name the expected shape") {
  ArchConfig a = arch_preset("autost-4-384");
  a.depth = 1;
  a.embed_dim = 32;
  a.mlp_ratios = {2};
  a.num_heads = {4};
  auto m = build_model(a);
  CHECK_THROWS_WITH_AS((*m)(zeros({2, 1, 32, 32})), "AutoST: expected images [B, 3, 32, 32], got [2, 1, 32, 32]",
                       Error);
}
