#include "spiking/attention.h"

#include "autograd/ops.h"
#include "nn/layers/dropout.h"
#include "spiking/bn_fire.h"

namespace autost::spiking {

SSA::SSA(const ArchConfig& a, int64_t heads, Generator* gen, DType dtype)
    : Module("SSA"), num_heads(heads), scale(a.variant == Variant::Dvs ? 0.25 : 0.125), T_(a.T) {
  const bool autost = a.model == ModelKind::AutoST;
  const int64_t D = a.embed_dim;
  // CIFAR (both families): Linear with bias for q/k/v/proj. DVS and ImageNet: Conv1d(k=1), q/k/v
  // without bias, proj with bias.
  const bool conv = a.variant != Variant::Cifar;
  const PointwiseKind kind = conv ? PointwiseKind::Conv1d : PointwiseKind::Linear;
  const std::string lin = conv ? "_conv" : "_linear";
  auto branch = [&](const std::string& n, std::shared_ptr<TokenLinear>& l, std::shared_ptr<nn::Module>& bn,
                    std::shared_ptr<SpikingNode>& lif) {
    l = register_module(n + lin, std::make_shared<TokenLinear>(kind, D, D, !conv, gen, dtype));
    bn = register_module(n + "_bn", token_batch_norm(D, false, dtype));
    lif = register_module(n + "_lif", make_neuron(autost, 1.0, dtype));
  };
  branch("q", q_, q_bn_, q_lif_);
  branch("k", k_, k_bn_, k_lif_);
  branch("v", v_, v_bn_, v_lif_);
  if (a.variant == Variant::Dvs) {
    // Constructed and never used by the official DVS model; kept so names and module lists match.
    register_module("attn_drop", std::make_shared<nn::Dropout>(0.2));
    register_module("res_lif", make_neuron(false, 1.0, dtype));
  }
  attn_lif_ = register_module("attn_lif", make_neuron(autost, 0.5, dtype));
  proj_ = register_module("proj" + lin, std::make_shared<TokenLinear>(kind, D, D, true, gen, dtype));
  proj_bn_ = register_module("proj_bn", token_batch_norm(D, false, dtype));
  if (autost) pre_lif_ = register_module("lif", make_neuron(true, 1.0, dtype));
  else proj_lif_ = register_module("proj_lif", make_neuron(false, 1.0, dtype));
}

Tensor SSA::project(TokenLinear& lin, nn::Module& bn, nn::Module& lif, const Tensor& s) {
  return normalise_and_fire(bn, lif, lin(s), T_);
}

Tensor spiking_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads, double scale) {
  const int64_t TB = q.size(0), N = q.size(1), D = q.size(2), d = D / heads;
  auto split = [&](const Tensor& t) { return t.view({TB, N, heads, d}).permute({0, 2, 1, 3}).contiguous(); };
  Tensor qh = split(q), kh = split(k), vh = split(v);  // [TB, h, N, d]
  Tensor y = d < N ? matmul(qh, matmul(kh.transpose(2, 3), vh)) : matmul(matmul(qh, kh.transpose(2, 3)), vh);
  y = mul(y, scale);
  return y.permute({0, 2, 1, 3}).contiguous().view({TB, N, D});
}

Tensor SSA::forward_tokens(const Tensor& x, int64_t n_tokens) {
  const int64_t rows = x.size(0), D = x.size(1), TB = rows / n_tokens;
  Tensor s = pre_lif_ ? fire(*pre_lif_, x, T_) : x;
  Tensor q = project(*q_, *q_bn_, *q_lif_, s), k = project(*k_, *k_bn_, *k_lif_, s),
         v = project(*v_, *v_bn_, *v_lif_, s);
  Tensor y = spiking_attention(q.view({TB, n_tokens, D}), k.view({TB, n_tokens, D}), v.view({TB, n_tokens, D}),
                               num_heads, scale)
                 .view({rows, D});
  y = fire(*attn_lif_, y, T_);
  y = (*proj_)(y);
  return proj_lif_ ? normalise_and_fire(*proj_bn_, *proj_lif_, y, T_) : apply_token_batch_norm(*proj_bn_, y);
}

}  // namespace autost::spiking
