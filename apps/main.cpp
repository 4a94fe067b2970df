// The autost command-line program. Subcommands are added by the apps layer; errors are one line on
// stderr with exit code 2.
#include <cstdio>
#include <cstring>
#include <string>

#include "apps/bench.h"
#include "nn/distributed/process_group.h"
#include "tensor/error.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost <command> [options]\n"
               "commands:\n"
               "  bench kernels [--device cpu|cuda] [--reps N]   kernel benchmark table\n"
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
