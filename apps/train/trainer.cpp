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
#include "nn/distributed.h"
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

// How the run is spread over ranks; a resume must match (the shards and the statistics depend on it).
struct Parallelism {
  int world_size = 1;
  bool sync_bn = false;
};

double parse_optional(const std::map<std::string, std::string>& extra, const std::string& key, double fallback,
                      const std::string& path) {
  return extra.count(key) ? parse_exact(extra, key, path) : fallback;
}

// `p` holds the loss sums of all ranks (global_position).
void save_checkpoint(const RunFolder& run, spiking::SpikingModel& model, nn::Optimizer& opt, const Position& p,
                     const Parallelism& par) {
  nn::TrainingState s;
  s.epoch = p.epoch;
  s.step = p.step;
  s.scheduler_epoch = p.epoch;
  nn::capture_default_rng(s);
  s.extra = {{"batch", std::to_string(p.batch)},
             {"loss_sum", exact(p.loss_sum)},
             {"loss_samples", std::to_string(p.loss_samples)},
             {"best_top1", exact(p.best_top1)},
             {"best_epoch", std::to_string(p.best_epoch)},
             {"world_size", std::to_string(par.world_size)},
             {"sync_bn", par.sync_bn ? "1" : "0"}};
  nn::save_training_checkpoint(run.last_path(), model.state_dict(), opt.state_tensors(), s);
}

// Every rank loads the same checkpoint; the epoch's running loss sums (all ranks') go to rank 0.
Position load_checkpoint(const RunFolder& run, spiking::SpikingModel& model, nn::Optimizer& opt, const Parallelism& par,
                         int rank) {
  const std::string path = run.last_path();
  nn::TrainingCheckpoint ck = nn::load_training_checkpoint(path);
  const double world = parse_optional(ck.state.extra, "world_size", 1, path);
  AUTOST_CHECK(world == par.world_size, path, ": the run was trained on ", world, " ranks; resume it on as many (",
               par.world_size, " now)");
  const bool sync = parse_optional(ck.state.extra, "sync_bn", 0, path) != 0;
  AUTOST_CHECK(sync == par.sync_bn, path, ": the run was trained ", sync ? "with" : "without",
               " --sync-bn; resume it the same way");
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
  if (rank != 0) {
    p.loss_sum = 0;
    p.loss_samples = 0;
  }
  return p;
}

// The position with the running loss sums of all ranks, as a checkpoint records it.
Position global_position(Position p, nn::ProcessGroup& group) {
  const std::vector<double> sums = sum_over_ranks({p.loss_sum, static_cast<double>(p.loss_samples)}, group);
  p.loss_sum = sums[0];
  p.loss_samples = static_cast<int64_t>(sums[1]);
  return p;
}

// One GPU per rank: rank i of a node takes the i-th device from the one asked for.
Device rank_device(Device asked, const nn::ProcessGroup& group) {
  return asked.is_cuda() && group.is_distributed() ? Device::cuda(asked.index + group.local_rank()) : asked;
}

}  // namespace

Recipe load_run_recipe(const std::string& out_dir) {
  RunFolder run(out_dir);
  return load_recipe(run.config_path());
}

TrainResult train(const Recipe& recipe_in, const TrainOptions& o) {
  nn::ProcessGroup& pg = o.group ? *o.group : nn::ProcessGroup::world();
  const bool lead = pg.rank() == 0;  // writes the run folder and prints
  const Parallelism par{pg.world_size(), o.sync_bn};
  const Recipe r = resolve_recipe(recipe_in);
  const spiking::ArchConfig arch = recipe_arch(r);
  const std::string config = recipe_to_yaml(r);
  const Device device = rank_device(o.device, pg);
  RunFolder run(o.out_dir);
  // The ranks of a node share its cores.
  omp_set_num_threads(r.threads > 0 ? static_cast<int>(r.threads)
                                    : std::max(1, omp_get_num_procs() / pg.local_world_size()));

  // The data before the run folder: a missing dataset leaves no half-started run behind. A step
  // that fails on one rank stops all of them (all_ranks_or_none), so none waits for it.
  std::shared_ptr<const data::SampleSource> train_source, test_source;
  std::unique_ptr<data::Loader> train_loader, test_loader;
  nn::all_ranks_or_none(pg, [&] {
    if (o.resume) run.check_resume(config);
    else if (lead) run.check_new();
    check_device_usable(device);
    train_source = open_split(r, data::Split::Train);
    test_source = open_split(r, data::Split::Test);
    data::LoaderOptions lo;
    lo.batch_size = r.batch_size;
    lo.shuffle = true;
    lo.drop_last = true;  // timm's training loader
    lo.num_workers = static_cast<int>(r.workers);
    lo.prefetch_batches = std::max(4, 2 * lo.num_workers);
    lo.seed = static_cast<uint64_t>(r.seed);
    data::LoaderOptions eo = lo;
    lo.rank = pg.rank();
    lo.world_size = pg.world_size();
    train_loader = std::make_unique<data::Loader>(train_source, train_pipeline(r), lo);
    AUTOST_CHECK(train_loader->num_batches() > 0, r.source, ": the training set's ", train_source->size(),
                 " samples make no full batch of batch_size ", r.batch_size, " on each of ", pg.world_size(),
                 " rank(s)");
    // Each rank evaluates a contiguous share, without the repeats a sharded loader pads with.
    const int64_t nt = test_source->size(), begin = nt * pg.rank() / pg.world_size(),
                  end = nt * (pg.rank() + 1) / pg.world_size();
    eo.batch_size = r.val_batch_size;
    eo.shuffle = false;
    eo.drop_last = false;
    test_loader = std::make_unique<data::Loader>(std::make_shared<data::RangeSource>(test_source, begin, end - begin),
                                                 eval_pipeline(r), eo);
  });

  manual_seed(static_cast<uint64_t>(r.seed));
  Generator init(static_cast<uint64_t>(r.seed));
  std::shared_ptr<spiking::SpikingModel> model;
  std::unique_ptr<nn::Optimizer> opt;
  Position pos;
  std::vector<Json> metrics;
  nn::all_ranks_or_none(pg, [&] {
    if (!o.resume && lead) run.start(config);
    model = spiking::build_model(arch, &init);
    model->to(device);
    if (o.sync_bn) nn::convert_sync_batchnorm(*model, pg);
    opt = make_optimizer(r, *model);
    if (o.resume && run.has_checkpoint()) {
      pos = load_checkpoint(run, *model, *opt, par, pg.rank());
      if (lead) {
        for (Json& line : run.read_metrics())
          if (line["epoch"].get<int64_t>() < pos.epoch) metrics.push_back(std::move(line));
        run.write_metrics(metrics);
      }
    } else if (o.resume && lead) {
      run.write_metrics({});  // killed before the first checkpoint: start over
    }
  });
  nn::broadcast_module(*model, pg);  // the same seed made the same model; this guarantees it
  nn::CosineLR schedule(*opt, {r.epochs, r.min_lr, r.warmup_epochs, r.warmup_lr});
  const std::vector<Tensor> params = model->parameters();

  const int64_t total_epochs = r.epochs + r.cooldown_epochs;
  const int64_t nb = train_loader->num_batches();
  const bool mixing = uses_mixing(r);
  Progress progress(o.progress && lead);
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
    reset_peak_memory(device);
    const int64_t first_batch = pos.batch;
    train_loader->start_epoch(epoch, first_batch);
    progress.start("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(total_epochs), nb, first_batch);
    // The running loss stays on the device: reading it back is a sync, done only when shown.
    Tensor loss_sum = scalar_tensor(pos.loss_sum, TensorOptions(kFloat64).device(device));
    Tensor last_loss;
    int64_t images = 0;
    while (std::optional<data::Batch> b = train_loader->next()) {
      const Tensor x = b->images.to(device);
      const int64_t n = b->labels.numel();
      Tensor loss = mixing ? soft_cross_entropy((*model)(x), b->targets.to(device))
                           : cross_entropy((*model)(x), b->labels.to(device), r.smoothing);
      opt->zero_grad(/*set_to_none=*/true);
      loss.backward();
      nn::allreduce_gradients(params, pg);  // the mean over ranks: every rank takes the same step
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
      // Every rank steps through as many images as rank 0, which alone shows progress.
      if (progress.due(pos.batch)) progress.update(pos.batch, images * pg.world_size(), last_loss.item());
      if (r.checkpoint_every > 0 && pos.step % r.checkpoint_every == 0 && pos.batch < nb) {
        pos.loss_sum = loss_sum.item();
        const Position all = global_position(pos, pg);
        if (lead) save_checkpoint(run, *model, *opt, all, par);
      }
      if (o.stop_after_steps >= 0 && steps_this_call >= o.stop_after_steps) {
        progress.finish();
        return finish_result(false);
      }
    }
    progress.finish();
    const double train_seconds = seconds_since(epoch_start);
    const std::vector<double> totals =
        sum_over_ranks({loss_sum.item(), static_cast<double>(pos.loss_samples), static_cast<double>(images)}, pg);
    const double train_loss = totals[1] > 0 ? totals[0] / totals[1] : NAN;

    Json line;
    line["epoch"] = epoch;
    line["train_loss"] = json_number(train_loss);
    const bool eval_now = (epoch + 1) % r.eval_every == 0 || epoch + 1 == total_epochs;
    std::vector<std::pair<std::string, double>> rates;
    bool improved = false;
    if (eval_now) {
      nn::broadcast_buffers(*model, pg);  // every rank evaluates the model rank 0 saves
      std::vector<std::string> layers;
      for (const auto& [name, rate] : model->firing_rates()) layers.push_back(name);
      EvalResult ev = combine_over_ranks(evaluate(*model, *test_loader, device, false, epoch), layers, pg);
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
    line["images_per_s"] = train_seconds > 0 ? totals[2] / train_seconds : 0.0;  // all ranks' images
    line["seconds"] = seconds_since(epoch_start);
    line["peak_memory_bytes"] = memory_stats(device).peak_bytes;
    line["firing_rates"] = rates_json(rates);

    pos.epoch = epoch + 1;
    pos.batch = 0;
    pos.loss_sum = 0;
    pos.loss_samples = 0;
    if (lead) {
      if (improved)
        nn::save_safetensors(run.best_path(), model->state_dict(),
                             {{"epoch", std::to_string(epoch)}, {"test_top1", exact(pos.best_top1)}});
      metrics.push_back(line);
      run.write_metrics(metrics);
      write_plots(run, metrics);
      save_checkpoint(run, *model, *opt, pos, par);
    }

    if (o.print_epochs && lead) {
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
  if (o.print_epochs && lead) {
    std::printf("best test top-1 %.2f (epoch %lld); run folder %s\n", pos.best_top1,
                static_cast<long long>(pos.best_epoch + 1), run.dir().c_str());
    std::fflush(stdout);
  }
  return finish_result(true);
}

}  // namespace autost::apps::train
