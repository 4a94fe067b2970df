// Module: PyTorch's dotted names and order, state dict round trips, strict loading, modes, grads.
#include <string>
#include <vector>

#include "nn/layers.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

namespace {

// The torch twin is in tests/reference/nn_layers.py (names()); the expected lists below are what it
// prints.
struct Block : Module {
  std::shared_ptr<Linear> fc1, fc2;
  std::shared_ptr<BatchNorm1d> bn;
  explicit Block(Generator* g) : Module("Block") {
    fc1 = register_module("fc1", std::make_shared<Linear>(4, 8, true, g));
    bn = register_module("bn", std::make_shared<BatchNorm1d>(8));
    fc2 = register_module("fc2", std::make_shared<Linear>(8, 4, false, g));
  }
  Tensor forward(const Tensor& x) override { return fc2->forward(relu(bn->forward(fc1->forward(x)))); }
};

struct Net : Module {
  std::shared_ptr<Conv2d> stem;
  std::shared_ptr<ModuleList> blocks;
  std::shared_ptr<Sequential> head;
  Tensor cls_token, scale;
  explicit Net(uint64_t seed = 0) : Module("Net"), gen(seed) {
    stem = register_module("stem", std::make_shared<Conv2d>(3, 4, std::array<int64_t, 2>{3, 3},
                                                            std::array<int64_t, 2>{1, 1}, std::array<int64_t, 2>{0, 0},
                                                            std::array<int64_t, 2>{1, 1}, true, &gen));
    blocks = register_module("blocks", std::make_shared<ModuleList>());
    blocks->push_back(std::make_shared<Block>(&gen));
    blocks->push_back(std::make_shared<Block>(&gen));
    cls_token = register_parameter("cls_token", zeros({1, 4}));
    scale = register_buffer("scale", ones({1}));
    head = register_module("head", std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
                                        std::make_shared<LayerNorm>(4), std::make_shared<Dropout>(0.1),
                                        std::make_shared<Linear>(4, 3, true, &gen)}));
  }
  // x [N, 4]: the blocks and the head (the stem only contributes names here).
  Tensor forward(const Tensor& x) override {
    Tensor h = add(x, cls_token);
    for (const auto& b : *blocks) h = b->forward(h);
    return head->forward(mul(h, scale));
  }
  Generator gen;
};

Tensor sevens(const Tensor& t) { return full(t.shape(), 7.0, TensorOptions(t.dtype())); }

std::vector<std::string> keys(const NamedTensors& v) {
  std::vector<std::string> out;
  for (const auto& [n, t] : v) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("a nested model lists parameters, buffers and state as torch does") {
  Net net;
  const std::vector<std::string> params = {
      "cls_token",          "stem.weight",        "stem.bias",          "blocks.0.fc1.weight", "blocks.0.fc1.bias",
      "blocks.0.bn.weight", "blocks.0.bn.bias",   "blocks.0.fc2.weight", "blocks.1.fc1.weight", "blocks.1.fc1.bias",
      "blocks.1.bn.weight", "blocks.1.bn.bias",   "blocks.1.fc2.weight", "head.0.weight",       "head.0.bias",
      "head.2.weight",      "head.2.bias"};
  const std::vector<std::string> buffers = {
      "scale",
      "blocks.0.bn.running_mean",
      "blocks.0.bn.running_var",
      "blocks.0.bn.num_batches_tracked",
      "blocks.1.bn.running_mean",
      "blocks.1.bn.running_var",
      "blocks.1.bn.num_batches_tracked"};
  const std::vector<std::string> state = {"cls_token",
                                          "scale",
                                          "stem.weight",
                                          "stem.bias",
                                          "blocks.0.fc1.weight",
                                          "blocks.0.fc1.bias",
                                          "blocks.0.bn.weight",
                                          "blocks.0.bn.bias",
                                          "blocks.0.bn.running_mean",
                                          "blocks.0.bn.running_var",
                                          "blocks.0.bn.num_batches_tracked",
                                          "blocks.0.fc2.weight",
                                          "blocks.1.fc1.weight",
                                          "blocks.1.fc1.bias",
                                          "blocks.1.bn.weight",
                                          "blocks.1.bn.bias",
                                          "blocks.1.bn.running_mean",
                                          "blocks.1.bn.running_var",
                                          "blocks.1.bn.num_batches_tracked",
                                          "blocks.1.fc2.weight",
                                          "head.0.weight",
                                          "head.0.bias",
                                          "head.2.weight",
                                          "head.2.bias"};
  CHECK(keys(net.named_parameters()) == params);
  CHECK(keys(net.named_buffers()) == buffers);
  CHECK(keys(net.state_dict()) == state);
  CHECK(net.num_parameters() == 315);
  CHECK(net.parameters().size() == params.size());
  for (const Tensor& p : net.parameters()) {
    CHECK(p.requires_grad());
    CHECK(p.is_leaf());
  }
  Tensor nbt = net.blocks->at<Block>(0)->bn->num_batches_tracked;
  CHECK(nbt.dtype() == kInt64);
  CHECK(nbt.dim() == 0);
  CHECK(nbt.item<int64_t>() == 0);

  std::vector<std::string> modules;
  for (auto& [name, m] : net.named_modules()) modules.push_back(name + ":" + m->type_name());
  CHECK(modules == std::vector<std::string>{":Net", "stem:Conv2d", "blocks:ModuleList", "blocks.0:Block",
                                            "blocks.0.fc1:Linear", "blocks.0.bn:BatchNorm1d", "blocks.0.fc2:Linear",
                                            "blocks.1:Block", "blocks.1.fc1:Linear", "blocks.1.bn:BatchNorm1d",
                                            "blocks.1.fc2:Linear", "head:Sequential", "head.0:LayerNorm",
                                            "head.1:Dropout", "head.2:Linear"});
}

TEST_CASE("registration refuses bad and duplicate names") {
  Module m("M");
  m.register_parameter("w", zeros({2}));
  CHECK_THROWS_WITH_AS(m.register_parameter("w", zeros({2})), doctest::Contains("'w' is already registered"), Error);
  CHECK_THROWS_WITH_AS(m.register_buffer("w", zeros({2})), doctest::Contains("already registered"), Error);
  CHECK_THROWS_WITH_AS(m.register_parameter("a.b", zeros({2})), doctest::Contains("no '.'"), Error);
  CHECK_THROWS_WITH_AS(m.register_module("", std::make_shared<Identity>()), doctest::Contains("non-empty"), Error);
  CHECK_THROWS_WITH_AS(m.forward(zeros({1})), doctest::Contains("M: this module has no single-input forward"), Error);
}

TEST_CASE("a shared parameter is listed once by named_parameters, under every name by state_dict") {
  Module m("M");
  auto a = m.register_module("a", std::make_shared<Linear>(2, 2, false));
  auto b = m.register_module("b", std::make_shared<Module>("Tied"));
  b->register_parameter("weight", a->weight);
  CHECK(keys(m.named_parameters()) == std::vector<std::string>{"a.weight"});
  CHECK(keys(m.state_dict()) == std::vector<std::string>{"a.weight", "b.weight"});
  CHECK(m.num_parameters() == 4);
}

TEST_CASE("state_dict round trip into a fresh model gives the same values and outputs") {
  Net src(1), dst(2);
  Generator g(5);
  Tensor x = randn({6, 4}, {}, &g);
  src.train();
  (void)src.forward(x);  // moves running stats and num_batches_tracked off their defaults
  (void)src.forward(x);
  src.eval();
  dst.eval();
  Tensor before = src.forward(x);
  CHECK(test::compare(dst.forward(x), before, 1e-6, 1e-6) != "");  // different seeds, different models

  // The loaded tensors must be copies: change the source afterwards and dst must not follow.
  dst.load_state_dict(src.state_dict());
  NamedTensors s = src.state_dict(), d = dst.state_dict();
  REQUIRE(s.size() == d.size());
  for (size_t i = 0; i < s.size(); ++i) {
    INFO(s[i].first);
    CHECK(s[i].first == d[i].first);
    CHECK(s[i].second.data_ptr() != d[i].second.data_ptr());
    CHECK_CLOSE(d[i].second, s[i].second, 0.0, 0.0);
  }
  CHECK(dst.blocks->at<Block>(1)->bn->num_batches_tracked.item<int64_t>() == 2);
  CHECK_CLOSE(dst.forward(x), before, 0.0, 0.0);
  // Parameters stay trainable leaves after a load.
  for (const Tensor& p : dst.parameters()) CHECK((p.requires_grad() && p.is_leaf()));
  // The host copy of num_batches_tracked follows the load: the next training step counts from 2.
  dst.train();
  (void)dst.forward(x);
  CHECK(dst.blocks->at<Block>(0)->bn->num_batches_tracked.item<int64_t>() == 3);
}

TEST_CASE("strict load_state_dict names missing, unexpected and mismatched tensors") {
  Net net;
  NamedTensors full = net.state_dict();

  NamedTensors missing;
  for (auto& e : full)
    if (e.first != "blocks.1.bn.running_var") missing.push_back(e);
  CHECK_THROWS_WITH_AS(net.load_state_dict(missing), doctest::Contains("missing keys: blocks.1.bn.running_var"), Error);

  NamedTensors extra = full;
  extra.emplace_back("head.3.weight", zeros({3}));
  CHECK_THROWS_WITH_AS(net.load_state_dict(extra), doctest::Contains("unexpected keys: head.3.weight"), Error);

  NamedTensors wrong_shape = full;
  for (auto& e : wrong_shape)
    if (e.first == "head.2.weight") e.second = zeros({4, 3});
  CHECK_THROWS_WITH_AS(net.load_state_dict(wrong_shape),
                       doctest::Contains("head.2.weight (shape [4, 3] in the state dict, [3, 4] in the model)"), Error);
  // Shapes must match even when not strict, as in torch.
  CHECK_THROWS_WITH_AS(net.load_state_dict(wrong_shape, false), doctest::Contains("head.2.weight"), Error);

  NamedTensors wrong_dtype = full;
  for (auto& e : wrong_dtype)
    if (e.first == "stem.bias") e.second = zeros({4}, kFloat64);
  CHECK_THROWS_WITH_AS(net.load_state_dict(wrong_dtype), doctest::Contains("stem.bias (dtype float64"), Error);

  NamedTensors dup = full;
  dup.push_back(full[0]);
  CHECK_THROWS_WITH_AS(net.load_state_dict(dup), doctest::Contains("duplicate keys: cls_token"), Error);

  // Nothing is written when a load fails.
  Tensor w = net.head->at<Linear>(2)->weight;
  std::vector<double> before = w.to_vector<double>();
  NamedTensors poisoned = full;
  for (auto& e : poisoned) {
    if (e.first == "head.2.weight") e.second = sevens(e.second);
    if (e.first == "stem.bias") e.second = zeros({5});
  }
  CHECK_THROWS_AS(net.load_state_dict(poisoned), Error);
  CHECK(w.to_vector<double>() == before);

  // Non-strict loading ignores missing and unexpected keys and loads the rest.
  NamedTensors partial = {{"head.2.bias", sevens(net.head->at<Linear>(2)->bias)}, {"nonsense", zeros({1})}};
  net.load_state_dict(partial, false);
  CHECK(net.head->at<Linear>(2)->bias.to_vector<double>() == std::vector<double>{7.0, 7.0, 7.0});
}

TEST_CASE("train and eval switch BatchNorm and Dropout in every descendant") {
  Net net;
  auto bn = net.blocks->at<Block>(0)->bn;
  auto drop = net.head->at<Dropout>(1);
  CHECK(net.is_training());
  net.eval();
  for (auto& [name, m] : net.named_modules()) CHECK(!m->is_training());
  net.train();
  for (auto& [name, m] : net.named_modules()) CHECK(m->is_training());

  Generator g(3);
  Tensor x = add(mul(randn({16, 8}, {}, &g), 2.0), 1.0);
  // Training: batch statistics normalise (per-channel mean 0), running stats and the count move.
  Tensor y = bn->forward(x);
  CHECK_CLOSE(mean(y, {0}), zeros({8}), 1e-5, 0.0);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
  CHECK_CLOSE(bn->running_mean, mul(mean(x, {0}), 0.1), 1e-6, 1e-6);
  // Eval: running stats normalise and nothing is updated.
  bn->eval();
  Tensor rm = bn->running_mean.clone(), rv = bn->running_var.clone();
  Tensor ye = bn->forward(x);
  CHECK_CLOSE(ye, div(sub(x, rm), sqrt(add(rv, 1e-5))), 1e-5, 1e-5);
  CHECK_CLOSE(bn->running_mean, rm, 0.0, 0.0);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);

  // Dropout: identity in eval mode, zeroes some elements (scaling the rest) in training mode.
  Tensor ones_in = ones({1000});
  drop->eval();
  CHECK_CLOSE(drop->forward(ones_in), ones_in, 0.0, 0.0);
  drop->train();
  std::vector<double> v = drop->forward(ones_in).to_vector<double>();
  int zeros_seen = 0;
  for (double e : v) {
    CHECK((e == 0.0 || std::abs(e - 1.0 / 0.9) < 1e-6));
    zeros_seen += e == 0.0;
  }
  CHECK(zeros_seen > 50);
  CHECK(zeros_seen < 160);
}

TEST_CASE("zero_grad leaves every gradient undefined") {
  Net net;
  net.eval();
  Generator g(4);
  sum(net.forward(randn({3, 4}, {}, &g))).backward();
  int with_grad = 0;
  for (auto& [name, p] : net.named_parameters()) with_grad += p.grad().defined();
  CHECK(with_grad == 15);  // every parameter but the stem's two (the stem is unused by forward)
  net.zero_grad();
  for (auto& [name, p] : net.named_parameters()) {
    INFO(name);
    CHECK(!p.grad().defined());
  }
}

TEST_CASE("to(Device) keeps handles and leaves; an unusable CUDA device is a clear error") {
  Net net;
  Tensor w = net.stem->weight;
  const void* ptr = w.data_ptr();
  net.to(Device::cpu());  // same device: nothing moves
  CHECK(w.data_ptr() == ptr);
  CHECK(net.stem->weight.same(w));
  if (!cuda_available()) {
    CHECK_THROWS_WITH_AS(net.to(Device::cuda()), doctest::Contains("device cuda:0 requested but"), Error);
    CHECK(w.device().is_cpu());
    CHECK(w.data_ptr() == ptr);
  } else {
    net.to(Device::cuda());
    CHECK(w.is_cuda());
    CHECK(w.requires_grad());
    CHECK(w.is_leaf());
    CHECK(net.blocks->at<Block>(0)->bn->num_batches_tracked.is_cuda());
    net.to(Device::cpu());
    CHECK(w.device().is_cpu());
  }
}
