#include "apps/bench/model_bench.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "apps/bench/vendor.h"
#include "autograd/ops.h"
#include "nn/optim/adamw.h"
#include "nn/optim/param_groups.h"
#include "spiking/model.h"
#include "tensor/allocator.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace autost::apps::bench {

namespace {
// A /proc/self/status field in bytes (VmRSS: resident now; VmHWM: the resident high-water mark).
int64_t proc_status_bytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == std::string(field) + ":") {
      int64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::getline(in, key);
  }
  return 0;
}
}  // namespace

int run_model_bench(const ModelBenchOptions& o) {
  const spiking::ArchConfig& a = o.arch;
  Generator gen(0);
  auto model = spiking::build_model(a, &gen);
  model->to(o.device);
  model->train();
  Tensor x = normal(spiking::input_shape(a, o.batch), 0.0, 1.0, kFloat32, &gen).to(o.device);
  if (a.variant == spiking::Variant::Dvs) x = abs(x).detach();  // event counts are non-negative
  std::vector<double> labels(static_cast<size_t>(o.batch));
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<double>(static_cast<int64_t>(i) % a.num_classes);
  Tensor y = from_vector(labels, {o.batch}, kInt64).to(o.device);
  nn::AdamWOptions ao;
  ao.lr = 5e-4;
  ao.weight_decay = 0.06;
  nn::AdamW opt(nn::timm_param_groups(model->named_parameters(), ao.weight_decay, ao.lr), ao);
  auto sync = [&] { device_sync(o.device); };

  // Peak memory of one training step, measured from a clean state (weights and optimizer state
  // already allocated, as in a real run after the first step).
  auto train_step = [&] {
    Tensor loss = cross_entropy((*model)(x), y);
    loss.backward();
    opt.step();
    opt.zero_grad(true);
  };
  const int64_t rss_before = proc_status_bytes("VmRSS");
  train_step();
  sync();
  reset_peak_memory(o.device);
  const int64_t base = memory_stats(o.device).current_bytes;
  train_step();
  sync();
  const int64_t peak = memory_stats(o.device).peak_bytes;
  const double train_ms = median_ms(o.timing, sync, train_step);
  double fwd_ms = 0;
  {
    NoGradGuard no_grad;
    fwd_ms = median_ms(o.timing, sync, [&] { (*model)(x); });
  }
  // Resident-set growth over the run: what the process really took, comparable with a torch run
  // measured the same way (bench/compare_torch.py).
  const int64_t rss_growth = proc_status_bytes("VmHWM") - rss_before;
  // Where a training step's time goes (medians of the phases timed separately).
  Tensor loss;
  const double phase_fwd = median_ms(o.timing, sync, [&] { loss = cross_entropy((*model)(x), y); }),
               phase_bwd = median_ms(TimingConfig{0, 1}, sync, [&] { loss.backward(); }),
               phase_opt = median_ms(o.timing, sync, [&] { opt.step(); });
  opt.zero_grad(true);
  const double fwd_ips = 1000.0 * static_cast<double>(o.batch) / fwd_ms;
  const double train_ips = 1000.0 * static_cast<double>(o.batch) / train_ms;
  const int threads = o.device.is_cuda() ? 0 : num_threads();
  if (o.json) {
    std::printf("{\"arch\": \"%s\", \"batch\": %lld, \"device\": \"%s\", \"forward_images_per_s\": %.4f, "
                "\"train_images_per_s\": %.4f, \"peak_bytes\": %lld, \"rss_growth_bytes\": %lld, \"threads\": %d, "
                "\"params\": %lld}\n",
                o.arch_name.c_str(), static_cast<long long>(o.batch), o.device.str().c_str(), fwd_ips, train_ips,
                static_cast<long long>(peak), static_cast<long long>(rss_growth), threads,
                static_cast<long long>(model->num_parameters()));
  } else {
    std::printf("model %s (%s, D %lld, depth %lld, T %lld, %lldx%lldx%lld, %lld params) batch %lld on %s, %d threads\n",
                o.arch_name.c_str(), spiking::model_kind_name(a.model), static_cast<long long>(a.embed_dim),
                static_cast<long long>(a.depth), static_cast<long long>(a.T), static_cast<long long>(a.in_channels),
                static_cast<long long>(a.img_size), static_cast<long long>(a.img_size),
                static_cast<long long>(model->num_parameters()), static_cast<long long>(o.batch), o.device.str().c_str(),
                threads);
    std::printf("  forward        %9.2f ms  %9.2f images/s\n", fwd_ms, fwd_ips);
    std::printf("  training step  %9.2f ms  %9.2f images/s  (forward + backward + AdamW)\n", train_ms, train_ips);
    std::printf("    of which    forward with graph %.2f ms, backward %.2f ms (one run), AdamW step %.2f ms\n",
                phase_fwd, phase_bwd, phase_opt);
    std::printf("  peak memory    %9.1f MiB during a training step (%.1f MiB of weights and optimizer state)\n",
                static_cast<double>(peak) / (1 << 20), static_cast<double>(base) / (1 << 20));
    std::printf("  resident set   %9.1f MiB growth from before the first step to the high-water mark\n",
                static_cast<double>(rss_growth) / (1 << 20));
  }
  return 0;
}

}  // namespace autost::apps::bench
