#include "apps/train/trainer.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "apps/train/datasets.h"
#include "apps/train/evaluate.h"
#include "apps/train/plot.h"
#include "apps/train/progress.h"
#include "apps/train/run_folder.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/checkpoint.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "nn/optim/param_groups.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"
#include "nn/safetensors.h"
#include "spiking/model.h"
#include "tensor/allocator.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace autost::apps::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Doubles travel through checkpoint metadata as hex floats, which read back exactly.
std::string exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}
double parse_exact(const std::map<std::string, std::string>& extra, const std::string& key, const std::string& path) {
  auto it = extra.find(key);
  AUTOST_CHECK(it != extra.end(), path, ": checkpoint lacks '", key, "' (not written by autost train?)");
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  AUTOST_CHECK(!it->second.empty() && *end == '\0', path, ": checkpoint field '", key, "' is not a number: '",
               it->second, "'");
  return v;
}

std::unique_ptr<nn::Optimizer> make_optimizer(const Recipe& r, spiking::SpikingModel& model) {
  auto groups = nn::timm_param_groups(model.named_parameters(), r.weight_decay, r.lr);
  if (r.opt == "sgd") {
    nn::SGDOptions o;
    o.momentum = r.momentum;
    return std::make_unique<nn::SGD>(std::move(groups), o);
  }
  return std::make_unique<nn::AdamW>(std::move(groups), nn::AdamWOptions{});  // betas, eps: torch defaults
}

Json json_number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json rates_json(const std::vector<std::pair<std::string, double>>& rates) {
  Json j = Json::object();
  for (const auto& [name, rate] : rates) j[name] = json_number(rate);
  return j;
}

double metric(const Json& line, const char* key) {
  auto it = line.find(key);
  return it != line.end() && it->is_number() ? it->get<double>() : NAN;
}

void write_plots(const RunFolder& run, const std::vector<Json>& lines) {
  Series train_loss{"train loss", {}, {}}, test_loss{"test loss", {}, {}}, top1{"test top-1", {}, {}},
      top5{"test top-5", {}, {}};
  for (const Json& l : lines) {
    const double e = l["epoch"].get<double>();
    for (auto [s, key] : {std::pair{&train_loss, "train_loss"}, std::pair{&test_loss, "test_loss"},
                          std::pair{&top1, "test_top1"}, std::pair{&top5, "test_top5"}}) {
      s->x.push_back(e);
      s->y.push_back(metric(l, key));
    }
  }
  write_line_plot(run.loss_plot_path(), "loss", "epoch", {train_loss, test_loss});
  write_line_plot(run.accuracy_plot_path(), "test accuracy (%)", "epoch", {top1, top5});
}

// Where a run stands: what a checkpoint saves besides the model and the optimizer.
struct Position {
  int64_t epoch = 0;        // epochs completed
  int64_t batch = 0;        // batches of the current epoch completed
  int64_t step = 0;         // optimizer steps
  double loss_sum = 0;      // the current epoch's sum of (batch loss x batch size) so far
  int64_t loss_samples = 0;
  double best_top1 = -1;
  int64_t best_epoch = -1;
};

void save_checkpoint(const RunFolder& run, spiking::SpikingModel& model, nn::Optimizer& opt, const Position& p) {
  nn::TrainingState s;
  s.epoch = p.epoch;
  s.step = p.step;
  s.scheduler_epoch = p.epoch;
  nn::capture_default_rng(s);
  s.extra = {{"batch", std::to_string(p.batch)},
             {"loss_sum", exact(p.loss_sum)},
             {"loss_samples", std::to_string(p.loss_samples)},
             {"best_top1", exact(p.best_top1)},
             {"best_epoch", std::to_string(p.best_epoch)}};
  nn::save_training_checkpoint(run.last_path(), model.state_dict(), opt.state_tensors(), s);
}

Position load_checkpoint(const RunFolder& run, spiking::SpikingModel& model, nn::Optimizer& opt) {
  const std::string path = run.last_path();
  nn::TrainingCheckpoint ck = nn::load_training_checkpoint(path);
  model.load_state_dict(ck.model);
  opt.load_state_tensors(ck.optimizer);
  nn::restore_default_rng(ck.state);
  Position p;
  p.epoch = ck.state.epoch;
  p.step = ck.state.step;
  p.batch = static_cast<int64_t>(parse_exact(ck.state.extra, "batch", path));
  p.loss_sum = parse_exact(ck.state.extra, "loss_sum", path);
  p.loss_samples = static_cast<int64_t>(parse_exact(ck.state.extra, "loss_samples", path));
  p.best_top1 = parse_exact(ck.state.extra, "best_top1", path);
  p.best_epoch = static_cast<int64_t>(parse_exact(ck.state.extra, "best_epoch", path));
  return p;
}

}  // namespace

Recipe load_run_recipe(const std::string& out_dir) {
  RunFolder run(out_dir);
  return load_recipe(run.config_path());
}

TrainResult train(const Recipe& recipe_in, const TrainOptions& o) {
  const Recipe r = resolve_recipe(recipe_in);
  const spiking::ArchConfig arch = recipe_arch(r);
  const std::string config = recipe_to_yaml(r);
  RunFolder run(o.out_dir);
  if (o.resume) run.check_resume(config);
  else run.check_new();
  check_device_usable(o.device);
  omp_set_num_threads(r.threads > 0 ? static_cast<int>(r.threads) : omp_get_num_procs());

  // The data before the run folder: a missing dataset leaves no half-started run behind.
  auto train_source = open_split(r, data::Split::Train);
  auto test_source = open_split(r, data::Split::Test);
  data::LoaderOptions lo;
  lo.batch_size = r.batch_size;
  lo.shuffle = true;
  lo.drop_last = true;  // timm's training loader
  lo.num_workers = static_cast<int>(r.workers);
  lo.prefetch_batches = std::max(4, 2 * lo.num_workers);
  lo.seed = static_cast<uint64_t>(r.seed);
  data::Loader train_loader(train_source, train_pipeline(r), lo);
  AUTOST_CHECK(train_loader.num_batches() > 0, r.source, ": the training set's ", train_source->size(),
               " samples make no full batch of batch_size ", r.batch_size);
  data::LoaderOptions eo = lo;
  eo.batch_size = r.val_batch_size;
  eo.shuffle = false;
  eo.drop_last = false;
  data::Loader test_loader(test_source, eval_pipeline(r), eo);
  if (!o.resume) run.start(config);

  manual_seed(static_cast<uint64_t>(r.seed));
  Generator init(static_cast<uint64_t>(r.seed));
  std::shared_ptr<spiking::SpikingModel> model = spiking::build_model(arch, &init);
  model->to(o.device);
  std::unique_ptr<nn::Optimizer> opt = make_optimizer(r, *model);
  nn::CosineLR schedule(*opt, {r.epochs, r.min_lr, r.warmup_epochs, r.warmup_lr});
  const std::vector<Tensor> params = model->parameters();

  Position pos;
  std::vector<Json> metrics;
  if (o.resume && run.has_checkpoint()) {
    pos = load_checkpoint(run, *model, *opt);
    for (Json& line : run.read_metrics())
      if (line["epoch"].get<int64_t>() < pos.epoch) metrics.push_back(std::move(line));
    run.write_metrics(metrics);
  } else if (o.resume) {
    run.write_metrics({});  // killed before the first checkpoint: start over
  }

  const int64_t total_epochs = r.epochs + r.cooldown_epochs;
  const int64_t nb = train_loader.num_batches();
  const bool mixing = uses_mixing(r);
  Progress progress(o.progress);
  TrainResult result;
  int64_t steps_this_call = 0;
  auto finish_result = [&](bool finished) {
    result.best_top1 = pos.best_top1;
    result.best_epoch = pos.best_epoch;
    result.epochs_done = pos.epoch;
    result.steps = pos.step;
    result.finished = finished;
    return result;
  };

  for (int64_t epoch = pos.epoch; epoch < total_epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    schedule.step(epoch);
    model->train();
    reset_peak_memory(o.device);
    const int64_t first_batch = pos.batch;
    train_loader.start_epoch(epoch, first_batch);
    progress.start("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(total_epochs), nb, first_batch);
    // The running loss stays on the device: reading it back is a sync, done only when shown.
    Tensor loss_sum = scalar_tensor(pos.loss_sum, TensorOptions(kFloat64).device(o.device));
    Tensor last_loss;
    int64_t images = 0;
    while (std::optional<data::Batch> b = train_loader.next()) {
      const Tensor x = b->images.to(o.device);
      const int64_t n = b->labels.numel();
      Tensor loss = mixing ? soft_cross_entropy((*model)(x), b->targets.to(o.device))
                           : cross_entropy((*model)(x), b->labels.to(o.device), r.smoothing);
      opt->zero_grad(/*set_to_none=*/true);
      loss.backward();
      if (r.clip_grad > 0) nn::clip_grad_norm_(params, r.clip_grad);
      opt->step();
      {
        NoGradGuard no_grad;
        last_loss = loss.detach();
        loss_sum = add(loss_sum, mul(last_loss.to(kFloat64), static_cast<double>(n)));
      }
      pos.loss_samples += n;
      images += n;
      ++pos.batch;
      ++pos.step;
      ++steps_this_call;
      if (progress.due(pos.batch)) progress.update(pos.batch, images, last_loss.item());
      if (r.checkpoint_every > 0 && pos.step % r.checkpoint_every == 0 && pos.batch < nb) {
        pos.loss_sum = loss_sum.item();
        save_checkpoint(run, *model, *opt, pos);
      }
      if (o.stop_after_steps >= 0 && steps_this_call >= o.stop_after_steps) {
        progress.finish();
        return finish_result(false);
      }
    }
    progress.finish();
    const double train_seconds = seconds_since(epoch_start);
    const double train_loss = pos.loss_samples > 0 ? loss_sum.item() / static_cast<double>(pos.loss_samples) : NAN;

    Json line;
    line["epoch"] = epoch;
    line["train_loss"] = json_number(train_loss);
    const bool eval_now = (epoch + 1) % r.eval_every == 0 || epoch + 1 == total_epochs;
    std::vector<std::pair<std::string, double>> rates;
    bool improved = false;
    if (eval_now) {
      EvalResult ev = evaluate(*model, test_loader, o.device, false, epoch);
      line["test_top1"] = ev.top1;
      line["test_top5"] = ev.top5;
      line["test_loss"] = json_number(ev.loss);
      rates = std::move(ev.firing_rates);
      if (ev.top1 > pos.best_top1) {
        pos.best_top1 = ev.top1;
        pos.best_epoch = epoch;
        improved = true;
      }
    } else {
      line["test_top1"] = nullptr;
      line["test_top5"] = nullptr;
      line["test_loss"] = nullptr;
      rates = model->firing_rates();  // the epoch's last training batch
    }
    line["lr"] = opt->lr(0);
    line["images_per_s"] = train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0.0;
    line["seconds"] = seconds_since(epoch_start);
    line["peak_memory_bytes"] = memory_stats(o.device).peak_bytes;
    line["firing_rates"] = rates_json(rates);

    if (improved)
      nn::save_safetensors(run.best_path(), model->state_dict(),
                           {{"epoch", std::to_string(epoch)}, {"test_top1", exact(pos.best_top1)}});
    metrics.push_back(line);
    run.write_metrics(metrics);
    write_plots(run, metrics);
    pos.epoch = epoch + 1;
    pos.batch = 0;
    pos.loss_sum = 0;
    pos.loss_samples = 0;
    save_checkpoint(run, *model, *opt, pos);

    if (o.print_epochs) {
      std::printf("epoch %lld/%lld  train_loss %.4f", static_cast<long long>(epoch + 1),
                  static_cast<long long>(total_epochs), train_loss);
      if (eval_now)
        std::printf("  test_top1 %.2f  test_top5 %.2f  test_loss %.4f", line["test_top1"].get<double>(),
                    line["test_top5"].get<double>(), metric(line, "test_loss"));
      std::printf("  lr %.3g  %.1f img/s  %.1f s\n", opt->lr(0), line["images_per_s"].get<double>(),
                  line["seconds"].get<double>());
      std::fflush(stdout);
    }
  }
  if (o.print_epochs) {
    std::printf("best test top-1 %.2f (epoch %lld); run folder %s\n", pos.best_top1,
                static_cast<long long>(pos.best_epoch + 1), run.dir().c_str());
    std::fflush(stdout);
  }
  return finish_result(true);
}

}  // namespace autost::apps::train
