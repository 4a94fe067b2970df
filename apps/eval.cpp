// `autost eval`: top-1/top-5 of a trained model on a dataset's test split, optionally dumping logits.
#include "apps/eval.h"

#include <cstdio>
#include <string>

#include "apps/args.h"
#include "apps/train/datasets.h"
#include "apps/train/evaluate.h"
#include "apps/train/recipe.h"
#include "nn/safetensors.h"
#include "spiking/model.h"
#include "tensor/error.h"
#include "tensor/npy.h"

namespace autost::apps {
namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost eval --arch FILE.yaml|PRESET --checkpoint FILE.safetensors --dataset NAME [--root DIR]\n"
               "                   [--T T] [--batch B] [--workers N] [--device cpu|cuda] [--dump-logits FILE.npy]\n"
               "  --checkpoint F    a model state dict (best.safetensors) or a training checkpoint (last.safetensors)\n"
               "  --dataset NAME    fashion-mnist, mnist, cifar10, cifar100, cifar10-dvs or imagenet (test split)\n"
               "  --root DIR        the dataset folder (default: the dataset's standard place, if it has one)\n"
               "  --T T             time steps (default: the architecture's)\n"
               "  --batch B         batch size (default 128)\n"
               "  --dump-logits F   write float32 logits [N, classes] in dataset order as .npy\n");
}

// A training checkpoint holds the optimizer's tensors under "optimizer."; a model's names never
// start that way (the checkpoint writer refuses them), so dropping them leaves the state dict.
nn::NamedTensors model_state(const std::string& path) {
  nn::NamedTensors state;
  for (auto& [name, t] : nn::load_safetensors(path).tensors)
    if (name.rfind("optimizer.", 0) != 0) state.emplace_back(name, t);
  return state;
}

}  // namespace

int eval_main(int argc, char** argv) {
  Args args(argc, argv,
            {"--arch", "--checkpoint", "--dataset", "--root", "--T", "--batch", "--workers", "--device",
             "--dump-logits"},
            {});
  if (args.help()) {
    usage(stdout);
    return 0;
  }
  AUTOST_CHECK(args.positionals().empty(), "eval: unexpected argument '", args.positionals()[0],
               "' (see autost eval --help)");
  train::Recipe r;
  r.source = "autost eval";
  r.arch = args.required("--arch");
  r.dataset = args.required("--dataset");
  r.root = args.get("--root", "");
  r.val_batch_size = args.get_positive_int("--batch", r.val_batch_size);
  r.workers = args.get_int("--workers", r.workers);
  r = train::resolve_recipe(r);
  r.T = args.get_positive_int("--T", r.architecture->T);
  const spiking::ArchConfig arch = train::recipe_arch(r);
  const Device device = Device::parse(args.get("--device", "cpu"));
  const std::string checkpoint = args.required("--checkpoint");

  auto model = spiking::build_model(arch);
  try {
    model->load_state_dict(model_state(checkpoint));
  } catch (const Error& e) {
    AUTOST_FAIL(checkpoint, ": ", e.what());
  }
  model->to(device);
  data::LoaderOptions lo;
  lo.batch_size = r.val_batch_size;
  lo.shuffle = false;
  lo.num_workers = static_cast<int>(r.workers);
  data::Loader loader(train::open_split(r, data::Split::Test), train::eval_pipeline(r), lo);
  const bool dump = args.has("--dump-logits");
  train::EvalResult ev = train::evaluate(*model, loader, device, dump);
  if (dump) write_npy(args.required("--dump-logits"), ev.logits);
  std::printf("%s test: top-1 %.2f  top-5 %.2f  loss %.4f  (%lld samples)\n", r.dataset.c_str(), ev.top1, ev.top5,
              ev.loss, static_cast<long long>(ev.samples));
  return 0;
}

}  // namespace autost::apps
