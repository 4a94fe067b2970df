// Modules on CUDA: to(Device) moves parameters and buffers in place (handles stay valid, leaves stay
// leaves), a model's training step on the GPU matches the same step on the CPU (outputs, parameter
// gradients, BatchNorm running stats, num_batches_tracked), and state dicts load across devices.
#include "nn/init.h"
#include "nn/layers.h"
#include "nn/metrics.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

namespace {

using A2 = std::array<int64_t, 2>;

struct Small : Module {
  std::shared_ptr<Sequential> body;
  std::shared_ptr<Linear> head;
  explicit Small(uint64_t seed) : Module("Small"), gen(seed) {
    body = register_module("body", std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
                                       std::make_shared<Conv2d>(3, 5, A2{3, 3}, A2{2, 2}, A2{1, 1}, A2{1, 1}, true, &gen),
                                       std::make_shared<BatchNorm2d>(5), std::make_shared<ReLU>(),
                                       std::make_shared<MaxPool2d>(A2{3, 3}, A2{2, 2}, A2{1, 1}),
                                       std::make_shared<AvgPool2d>(A2{2, 2})}));
    norm = register_module("norm", std::make_shared<LayerNorm>(5));
    head = register_module("head", std::make_shared<Linear>(5, 7, true, &gen));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = body->forward(x);                          // [N, 5, 2, 2] for 13x15 input
    h = mean(h, {2, 3});                                   // [N, 5]
    return head->forward(norm->forward(h));
  }
  Generator gen;
  std::shared_ptr<LayerNorm> norm;
};

}  // namespace

TEST_CASE("to(cuda) moves every tensor in place and a training step matches the CPU's") {
  Small cpu(1), gpu(1);
  Tensor w = gpu.head->weight;
  gpu.to(Device::cuda());
  CHECK(w.is_cuda());
  CHECK(gpu.head->weight.same(w));
  for (auto& [name, t] : gpu.state_dict()) {
    INFO(name);
    CHECK(t.is_cuda());
  }
  for (const Tensor& p : gpu.parameters()) CHECK((p.requires_grad() && p.is_leaf()));

  Generator g(2);
  Tensor x = randn({4, 3, 13, 15}, {}, &g);
  Tensor target = from_vector({0, 6, 3, 3}, {4}, kInt64);
  Tensor loss_cpu = cross_entropy(cpu.forward(x), target);
  Tensor loss_gpu = cross_entropy(gpu.forward(x.to(Device::cuda())), target.to(Device::cuda()));
  loss_cpu.backward();
  loss_gpu.backward();
  CHECK(loss_gpu.item() == doctest::Approx(loss_cpu.item()).epsilon(1e-4));
  auto pc = cpu.named_parameters(), pg = gpu.named_parameters();
  for (size_t i = 0; i < pc.size(); ++i) {
    INFO(pc[i].first);
    REQUIRE(pg[i].second.grad().defined());
    CHECK(pg[i].second.grad().is_cuda());
    CHECK_CLOSE(pg[i].second.grad().cpu(), pc[i].second.grad(), 1e-4, 1e-3);
  }
  auto sc = cpu.state_dict(), sg = gpu.state_dict();
  for (size_t i = 0; i < sc.size(); ++i) {
    INFO(sc[i].first);
    CHECK_CLOSE(sg[i].second.cpu(), sc[i].second, 1e-5, 1e-4);
  }

  // Gradients move with the module; zero_grad clears them on the device.
  gpu.to(Device::cpu());
  CHECK(gpu.head->weight.grad().device().is_cpu());
  gpu.to(Device::cuda());
  CHECK(gpu.head->weight.grad().is_cuda());
  gpu.zero_grad();
  CHECK(!gpu.head->weight.grad().defined());
  CHECK(topk_accuracy(gpu.forward(x.to(Device::cuda())), target.to(Device::cuda()), 5) >= 0.0);
}

TEST_CASE("state dicts load across devices, and init fills CUDA tensors deterministically") {
  Small a(3), b(4);
  b.to(Device::cuda());
  b.load_state_dict(a.state_dict());  // CPU values into CUDA tensors
  for (auto& [name, t] : b.state_dict()) CHECK(t.is_cuda());
  Small c(5);
  c.load_state_dict(b.state_dict());  // and back
  auto sa = a.state_dict(), sc = c.state_dict();
  for (size_t i = 0; i < sa.size(); ++i) CHECK_CLOSE(sc[i].second, sa[i].second, 0.0, 0.0);

  Generator g1(8), g2(8);
  Tensor on_gpu = empty({1000}, Device::cuda()), on_cpu = empty({1000});
  init::trunc_normal_(on_gpu, 0.0, 0.02, -0.04, 0.04, &g1);
  init::trunc_normal_(on_cpu, 0.0, 0.02, -0.04, 0.04, &g2);
  CHECK_CLOSE(on_gpu.cpu(), on_cpu, 0.0, 0.0);
}
