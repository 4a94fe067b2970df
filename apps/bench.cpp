// `autost bench <what> [options]`: argument parsing and dispatch; the benchmarks live in apps/bench/.
#include "apps/bench.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "apps/args.h"
#include "apps/bench/data_bench.h"
#include "apps/bench/kernels_bench.h"
#include "apps/bench/model_bench.h"
#include "apps/train/datasets.h"
#include "spiking/arch.h"
#include "tensor/error.h"

namespace autost::apps {
namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost bench kernels [--device cpu|cuda] [--reps N] [--quick]\n"
               "       autost bench model (--arch FILE.yaml | --preset NAME) [--batch B] [--device cpu|cuda]\n"
               "                          [--img S] [--in-ch C] [--classes K] [--T T] [--reps N] [--json]\n"
               "  kernels      time matmul, conv2d, elementwise and reduction kernels at Spikformer-4-384\n"
               "               CIFAR shapes against an sgemm and a memcpy ceiling measured in the same run\n"
               "  --device D   cpu (default), cuda or cuda:N\n"
               "  --reps N     timed runs per row, median reported (default 10)\n"
               "  --quick      1 warm-up run and 3 timed runs (unless --reps is given)\n"
               "  model        forward and training-step (forward + backward + AdamW) images/s and peak\n"
               "               memory of an architecture (a RETRAIN YAML file or a preset such as\n"
               "               spikformer-4-384); --img/--in-ch/--classes/--T override its input\n"
               "               (default 32x32x3, 100 classes, T 4; batch 16; 1 warm-up, 5 timed steps)\n"
               "       autost bench data [--dataset NAME --root DIR] [--samples N] [--reps N] [--quick]\n"
               "  data         reader throughput: decoded samples/s per reader, events/s for AEDAT/npz decoding\n"
               "               and framing, the CIFAR10-DVS frame cache; synthetic files unless a dataset is named\n"
               "  --dataset D  fashion-mnist, mnist, cifar10, cifar100, cifar10-dvs or imagenet (needs --root)\n"
               "  --samples N  recordings or images read from a real cifar10-dvs / imagenet (default 200)\n");
}

int parse_reps(const std::string& s) {
  const int64_t n = parse_int(s, "--reps");  // apps/args.h: the whole string must be the number
  AUTOST_CHECK(n > 0 && n <= 1000000, "--reps wants a positive integer, got '", s, "'");
  return static_cast<int>(n);
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

int model_main(int argc, char** argv) {
  Args args(argc, argv, {"--arch", "--preset", "--batch", "--device", "--img", "--in-ch", "--classes", "--T", "--reps"},
            {"--json"});
  if (args.help()) {
    usage(stdout);
    return 0;
  }
  bench::ModelBenchOptions o;
  AUTOST_CHECK(args.has("--arch") != args.has("--preset"), "bench model: give exactly one of --arch FILE.yaml or --preset NAME");
  if (args.has("--arch")) {
    o.arch_name = args.required("--arch");
    o.arch = spiking::load_arch_yaml(o.arch_name);
  } else {
    o.arch_name = args.required("--preset");
    o.arch = spiking::arch_preset(o.arch_name);
  }
  o.arch.img_size = args.get_positive_int("--img", o.arch.img_size);
  o.arch.in_channels = args.get_positive_int("--in-ch", o.arch.in_channels);
  o.arch.num_classes = args.get_positive_int("--classes", o.arch.num_classes);
  o.arch.T = args.get_positive_int("--T", o.arch.T);
  o.arch.validate(o.arch_name);
  o.batch = args.get_positive_int("--batch", o.batch);
  o.device = Device::parse(args.get("--device", "cpu"));
  o.timing.reps = static_cast<int>(args.get_positive_int("--reps", o.timing.reps));
  o.json = args.flag("--json");
  return bench::run_model_bench(o);
}

int data_bench_main(int argc, char** argv) {
  std::vector<char*> named(argv, argv + argc);
  char name[] = "bench data";  // for Args' messages: "see autost bench data --help"
  named[0] = name;
  const Args args(argc, named.data(), {"--dataset", "--root", "--samples", "--reps"}, {"--quick"});
  if (args.help()) {
    usage(stdout);
    return 0;
  }
  bench::DataBenchOptions o;
  o.dataset = args.get("--dataset", "");
  if (!o.dataset.empty()) {
    const train::DatasetInfo& info = train::known_dataset("bench data", o.dataset);
    o.root = info.default_root.empty() ? args.required("--root") : args.get("--root", info.default_root);
  }
  o.samples = args.get_positive_int("--samples", o.samples);
  if (args.flag("--quick")) o.timing = {1, 3};  // as for kernels
  o.timing.reps = int(args.get_positive_int("--reps", o.timing.reps));
  return bench::run_data_bench(o);
}

}  // namespace

int bench_main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string what = argv[1];
  if (what == "kernels") return kernels_main(argc - 1, argv + 1);
  if (what == "model") return model_main(argc - 1, argv + 1);
  if (what == "data") return data_bench_main(argc - 1, argv + 1);
  AUTOST_FAIL("unknown benchmark '", what, "' (expected: kernels, model or data)");
}

}  // namespace autost::apps
