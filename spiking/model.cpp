#include "spiking/model.h"

#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/layers/container.h"
#include "spiking/block.h"
#include "spiking/sps.h"

namespace autost::spiking {

std::vector<std::pair<std::string, double>> SpikingModel::firing_rates() {
  std::vector<std::pair<std::string, double>> out;
  for (auto& [name, m] : named_modules())
    if (auto* node = dynamic_cast<SpikingNode*>(m)) out.emplace_back(name, node->last_firing_rate());
  return out;
}

namespace {

// Both families share one skeleton: stem, blocks, mean over tokens then over time, linear head.
class TransformerModel : public SpikingModel {
 public:
  TransformerModel(const ArchConfig& a, Generator* gen, DType dtype)
      : SpikingModel(a.model == ModelKind::AutoST ? "AutoST" : "Spikformer", a) {
    // Registration follows the official __init__ (patch_embed, [pos_embed], block, [norm], head).
    patch_embed_ = register_module("patch_embed", std::make_shared<SPS>(a, gen, dtype));
    if (a.variant == Variant::Dvs) {
      // Unused by the official forward; a trunc-normal(0.02) parameter that counts and loads.
      Tensor pos = register_parameter("pos_embed", empty({1, a.tokens(), a.embed_dim}, dtype));
      nn::init::trunc_normal_(pos, 0.0, 0.02, -2.0, 2.0, gen);
    }
    blocks_ = register_module("block", std::make_shared<nn::ModuleList>());
    for (int64_t l = 0; l < a.depth; ++l) blocks_->push_back(std::make_shared<Block>(a, l, gen, dtype));
    if (a.variant == Variant::Dvs) register_module("norm", std::make_shared<nn::LayerNorm>(a.embed_dim, 1e-6, true, dtype));
    head_ = register_module("head",
                            std::make_shared<TokenLinear>(PointwiseKind::Linear, a.embed_dim, a.num_classes, true, gen, dtype));
  }

  Tensor forward(const Tensor& input) override {
    const ArchConfig& a = arch_;
    const int64_t T = a.T, C = a.in_channels, S = a.img_size;
    Tensor x;
    if (a.variant == Variant::Dvs) {
      AUTOST_CHECK(input.dim() == 5 && input.size(1) == T && input.size(2) == C && input.size(3) == S &&
                       input.size(4) == S,
                   type_name(), ": expected frames [B, ", T, ", ", C, ", ", S, ", ", S, "], got ", input.shape());
      x = input.permute({1, 0, 2, 3, 4}).contiguous();
    } else {
      AUTOST_CHECK(input.dim() == 4 && input.size(1) == C && input.size(2) == S && input.size(3) == S, type_name(),
                   ": expected images [B, ", C, ", ", S, ", ", S, "], got ", input.shape());
      // Direct encoding: the same image at every time step.
      x = input.unsqueeze(0).expand({T, input.size(0), C, S, S}).contiguous();
    }
    const int64_t B = x.size(1), N = a.tokens(), D = a.embed_dim;
    Tensor tokens = (*patch_embed_)(x.view({T * B, C, S, S}));
    for (size_t l = 0; l < blocks_->size(); ++l) tokens = blocks_->at<Block>(l)->forward_tokens(tokens, N);
    // Mean over tokens, then over time, as the official forward_features and forward do.
    Tensor features = mean(mean(tokens.view({T, B, N, D}), {2}), {0});
    return (*head_)(features);
  }

 private:
  std::shared_ptr<SPS> patch_embed_;
  std::shared_ptr<nn::ModuleList> blocks_;
  std::shared_ptr<TokenLinear> head_;
};

}  // namespace

std::shared_ptr<SpikingModel> build_model(const ArchConfig& arch, Generator* gen, DType dtype) {
  arch.validate();
  return std::make_shared<TransformerModel>(arch, gen, dtype);
}

}  // namespace autost::spiking
