// The autost command-line program. Subcommands are added by the apps layer; errors are one line on
// stderr with exit code 2.
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/bench.h"
#include "apps/correlate.h"
#include "apps/count.h"
#include "apps/search.h"
#include "apps/eval.h"
#include "apps/train.h"
#include "apps/data_cmd.h"
#include "nn/distributed/process_group.h"
#include "tensor/error.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost <command> [options]\n"
               "commands:\n"
               "  bench kernels|model [options]                  kernel, model and data-reader benchmarks\n"
               "  count --arch FILE.yaml [--json]                parameters and FLOPs of an architecture\n"
               "  search --space FILE.yaml --out DIR [--json]    AutoST's evolutionary architecture search\n"
               "  correlate --space F --recipe F --n N --out DIR proxies against trained accuracy (tau, rho)\n"
               "  train --config FILE.yaml --out DIR [options]   train a model from a recipe (or --resume a run)\n"
               "  eval --arch A --checkpoint F --dataset D       test accuracy of a trained model, logits dump\n"
               "  data check --dataset NAME --root DIR           validate a dataset, count samples per class\n"
               "run 'autost <command> --help' for a command's options\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "bench") return autost::apps::bench_main(argc - 1, argv + 1);
    if (cmd == "count") return autost::apps::count_main(argc - 1, argv + 1);
    if (cmd == "search") return autost::apps::search_main(argc - 1, argv + 1);
    if (cmd == "correlate") return autost::apps::correlate_main(argc - 1, argv + 1);
    if (cmd == "train") return autost::apps::train_main(argc - 1, argv + 1);
    if (cmd == "eval") return autost::apps::eval_main(argc - 1, argv + 1);
    if (cmd == "data") return autost::apps::data_main(argc - 1, argv + 1);
    std::fprintf(stderr, "autost: unknown command '%s'\n", cmd.c_str());
    usage(stderr);
    return 2;
  } catch (const autost::Error& e) {
    std::fprintf(stderr, "autost %s: %s\n", cmd.c_str(), e.what());
    // Under mpirun one rank's error ends every rank; the others would wait in a collective forever.
    autost::nn::ProcessGroup::abort_job_if_distributed(2);
    return 2;
  }
}
