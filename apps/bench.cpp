// `autost bench <what> [options]`: argument parsing and dispatch; the benchmarks live in apps/bench/.
#include "apps/bench.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "apps/bench/kernels_bench.h"
#include "tensor/error.h"

namespace autost::apps {
namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost bench kernels [--device cpu|cuda] [--reps N] [--quick]\n"
               "  kernels      time matmul, conv2d, elementwise and reduction kernels at Spikformer-4-384\n"
               "               CIFAR shapes against an sgemm and a memcpy ceiling measured in the same run\n"
               "  --device D   cpu (default), cuda or cuda:N\n"
               "  --reps N     timed runs per row, median reported (default 10)\n"
               "  --quick      1 warm-up run and 3 timed runs (unless --reps is given)\n");
}

int parse_reps(const std::string& s) {
  size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  AUTOST_CHECK(used == s.size() && n > 0, "--reps wants a positive integer, got '", s, "'");
  return n;
}

int kernels_main(int argc, char** argv) {
  bench::KernelsOptions o;
  bool quick = false, reps_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      AUTOST_CHECK(i + 1 < argc, a, " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a == "--device") {
      o.device = Device::parse(value());
    } else if (a == "--reps") {
      o.timing.reps = parse_reps(value());
      reps_given = true;
    } else if (a == "--quick") {
      quick = true;
    } else {
      AUTOST_FAIL("unknown option '", a, "' (see autost bench --help)");
    }
  }
  if (quick) {
    o.timing.warmup = 1;
    if (!reps_given) o.timing.reps = 3;
  }
  return bench::run_kernels_bench(o);
}

}  // namespace

int bench_main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string what = argv[1];
  if (what == "kernels") return kernels_main(argc - 1, argv + 1);
  AUTOST_FAIL("unknown benchmark '", what, "' (expected: kernels)");
}

}  // namespace autost::apps
