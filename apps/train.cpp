// `autost train`: reads the recipe and its overrides, then runs apps/train/trainer.h.
#include "apps/train.h"

#include <cstdio>
#include <string>

#include "apps/args.h"
#include "apps/train/recipe.h"
#include "apps/train/trainer.h"
#include "tensor/error.h"

namespace autost::apps {
namespace {

void usage(FILE* out) {
  std::string keys;
  for (const std::string& k : train::recipe_keys()) keys += (keys.empty() ? "" : ", ") + k;
  std::fprintf(out,
               "usage: autost train --config FILE.yaml [--set key=value ...] --out DIR [--device cpu|cuda] [--resume]\n"
               "                    [--sync-bn]\n"
               "       autost train --out DIR --resume      continue a run with its own config.yaml\n"
               "       mpirun -np N autost train ...        data-parallel on N ranks (README: multi-process training)\n"
               "  --config FILE     a recipe (flat YAML, e.g. apps/configs/cifar10.yaml)\n"
               "  --set key=value   override one recipe key (repeatable); the value is YAML (lists: [a, b])\n"
               "  --out DIR         the run folder: config.yaml, metrics.jsonl, last.safetensors,\n"
               "                    best.safetensors, loss.png, accuracy.png; an existing run is not overwritten\n"
               "  --device D        cpu (default), cuda or cuda:N\n"
               "  --resume          continue the run in DIR from its last checkpoint (same recipe required)\n"
               "  --sync-bn         under mpirun: BatchNorm statistics over all ranks' batches (SyncBatchNorm);\n"
               "                    batch_size is per rank, rank 0 writes DIR, rank i uses cuda:i of its node\n"
               "recipe keys: %s\n",
               keys.c_str());
}

}  // namespace

int train_main(int argc, char** argv) {
  Args args(argc, argv, {"--config", "--out", "--device"}, {"--resume", "--sync-bn"}, {"--set"});
  if (args.help()) {
    usage(stdout);
    return 0;
  }
  AUTOST_CHECK(args.positionals().empty(), "train: unexpected argument '", args.positionals()[0],
               "' (see autost train --help)");
  train::TrainOptions o;
  o.out_dir = args.required("--out");
  o.resume = args.flag("--resume");
  o.device = Device::parse(args.get("--device", "cpu"));
  o.sync_bn = args.flag("--sync-bn");
  AUTOST_CHECK(args.has("--config") || o.resume, "train: --config is required (or --resume to continue a run)");
  train::Recipe recipe =
      args.has("--config") ? train::load_recipe(args.required("--config")) : train::load_run_recipe(o.out_dir);
  for (const std::string& s : args.all("--set")) train::apply_override(recipe, s);
  train::train(recipe, o);
  return 0;
}

}  // namespace autost::apps
