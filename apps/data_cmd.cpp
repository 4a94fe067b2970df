// `autost data check --dataset NAME --root DIR`: opens a dataset with the same readers training
// uses, validates every file, and prints the sample count of each split and class. Any problem is
// an autost::Error, which main prints as one line before exiting 2.
#include "apps/data_cmd.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "apps/args.h"
#include "apps/train/datasets.h"
#include "data/cifar10dvs.h"
#include "data/image_folder.h"
#include "data/mnist.h"
#include "tensor/error.h"

namespace autost::apps {
namespace {

using namespace autost::data;

constexpr int64_t kImagenetTrain = 1281167;  // DATA_FORMATS.md §3.1
constexpr int64_t kImagenetValPerClass = 50;

void usage(FILE* out) {
  std::fprintf(out,
               "usage: autost data check --dataset NAME --root DIR [--loose] [--no-decode] [--threads N]\n"
               "  Validates every file of a dataset with the readers training uses and prints the number of\n"
               "  samples per split and per class. Exit 0 when all is well; one line and exit 2 otherwise.\n"
               "  --dataset NAME  fashion-mnist, mnist, cifar10, cifar100, cifar10-dvs or imagenet\n"
               "  --root DIR      the dataset folder (fashion-mnist: default %s)\n"
               "  --loose         accept a cut-down copy (no check of the official file and sample counts)\n"
               "  --no-decode     cifar10-dvs, imagenet: check the folder layout and names only\n"
               "  --threads N     decoding threads (default: all cores)\n",
               kFashionMnistRoot);
}

// fn(i) for every i in [0, n) on `threads` threads. Every index runs; the error of the lowest
// failing index is rethrown, so the report does not depend on scheduling.
template <class F>
void for_each_index(int64_t n, int threads, F&& fn) {
  std::atomic<int64_t> next{0};
  std::mutex mu;
  int64_t failed_at = std::numeric_limits<int64_t>::max();
  std::string failure;
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (const std::exception& e) {  // Error, or bad_alloc: either must not end the thread
        std::lock_guard<std::mutex> lock(mu);
        if (i < failed_at) failed_at = i, failure = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (!failure.empty()) throw Error(failure);
}

void print_classes(const char* split, const std::vector<int64_t>& labels, const std::vector<std::string>& names) {
  std::vector<int64_t> count(names.size(), 0);
  for (int64_t l : labels) ++count.at(size_t(l));
  std::printf("%s: %lld samples, %zu classes\n", split, static_cast<long long>(labels.size()), names.size());
  for (size_t c = 0; c < names.size(); ++c)
    std::printf("  %4zu %-32s %lld\n", c, names[c].c_str(), static_cast<long long>(count[c]));
}

int64_t check_in_memory(const std::string& dataset, const std::string& root, bool loose) {
  int64_t total = 0;
  for (Split split : {Split::Train, Split::Test}) {
    const Dataset ds = train::load_in_memory(dataset, root, split, !loose);
    print_classes(split_name(split), ds.labels.to_vector<int64_t>(), ds.class_names);
    total += ds.size();
  }
  return total;
}

int64_t check_dvs(const std::string& root, bool loose, bool decode, int threads) {
  Cifar10DvsOptions opts;
  opts.strict_counts = !loose;
  opts.use_cache = false;
  const Cifar10Dvs ds(root, opts);
  const std::vector<int64_t> labels = ds.labels();
  std::printf("recordings in %s\n", ds.events_dir().c_str());
  print_classes("all", labels, ds.class_names());
  // CIFAR10-DVS has no official split; this is Spikformer's (first 90% of each class in file order).
  const TrainTestIndices split = ds.spikformer_split();
  for (const auto& [name, idx] : {std::pair{"train (Spikformer split)", &split.train},
                                  std::pair{"test (Spikformer split)", &split.test}}) {
    std::vector<int64_t> l;
    for (int64_t i : *idx) l.push_back(labels[size_t(i)]);
    print_classes(name, l, ds.class_names());
  }
  if (!decode) return ds.size();
  std::atomic<int64_t> events{0}, min_events{std::numeric_limits<int64_t>::max()}, max_events{0};
  std::atomic<int64_t> unsorted{0}, wraps{0}, foreign{0};
  for_each_index(ds.size(), threads, [&](int64_t i) {
    const EventStream ev = ds.events(i);
    events += ev.size();
    for (int64_t m = min_events; ev.size() < m && !min_events.compare_exchange_weak(m, ev.size());) {}
    for (int64_t m = max_events; ev.size() > m && !max_events.compare_exchange_weak(m, ev.size());) {}
    unsorted += !ev.time_sorted();
    wraps += ev.wraps;
    foreign += ev.foreign_addresses;
  });
  std::printf("events: %lld in all, %lld to %lld per recording\n", static_cast<long long>(events.load()),
              static_cast<long long>(min_events.load()), static_cast<long long>(max_events.load()));
  std::printf("timestamps: %lld recordings go backwards (fine for frames split by number, refused by time), "
              "%lld 32-bit wraps undone\n",
              static_cast<long long>(unsorted.load()), static_cast<long long>(wraps.load()));
  std::printf("addresses outside the DVS128 layout (masked like SpikingJelly): %lld\n",
              static_cast<long long>(foreign.load()));
  return ds.size();
}

int64_t check_imagenet(const std::string& root, int64_t classes, bool loose, bool decode, int threads) {
  int64_t total = 0;
  for (Split split : {Split::Train, Split::Test}) {
    const ImageFolder ds(root, split, ImageFolderOptions{loose ? 0 : classes, false});
    std::vector<int64_t> labels;
    for (const ImageSample& s : ds.samples()) labels.push_back(s.label);
    const char* name = split == Split::Train ? "train" : "val";
    print_classes(name, labels, ds.class_names());
    if (ds.ignored_files() > 0)
      std::printf("%s: %lld files without an image extension ignored\n", name, static_cast<long long>(ds.ignored_files()));
    if (!loose && split == Split::Train)
      AUTOST_CHECK(ds.size() == kImagenetTrain, "imagenet: ", root, "/train: ", ds.size(), " images, expected ",
                   kImagenetTrain, " (use --loose for a subset)");
    if (!loose && split == Split::Test) {
      std::vector<int64_t> count(size_t(ds.num_classes()), 0);
      for (int64_t l : labels) ++count[size_t(l)];
      for (size_t c = 0; c < count.size(); ++c)
        AUTOST_CHECK(count[c] == kImagenetValPerClass, "imagenet: ", root, "/val/", ds.class_names()[c], ": ",
                     count[c], " images, expected 50 (use --loose for a subset)");
    }
    if (decode) for_each_index(ds.size(), threads, [&](int64_t i) { ds.decode(i); });
    total += ds.size();
  }
  return total;
}

int check_main(int argc, char** argv) {
  std::vector<char*> named(argv, argv + argc);
  char name[] = "data check";  // for Args' messages: "see autost data check --help"
  named[0] = name;
  const Args args(argc, named.data(), {"--dataset", "--root", "--threads"}, {"--loose", "--no-decode"});
  if (args.help()) {
    usage(stdout);
    return 0;
  }
  AUTOST_CHECK(args.positionals().empty(), "data check: unexpected argument '", args.positionals()[0], "'");
  const std::string dataset = args.required("--dataset");
  const train::DatasetInfo& info = train::known_dataset("data check", dataset);
  const bool loose = args.flag("--loose"), decode = !args.flag("--no-decode");
  const int threads = int(args.get_positive_int("--threads", std::max(1u, std::thread::hardware_concurrency())));
  const std::string root = info.default_root.empty() ? args.required("--root") : args.get("--root", info.default_root);
  std::printf("# autost data check: %s at %s\n", dataset.c_str(), root.c_str());
  int64_t total = 0;
  if (train::loads_in_memory(dataset))
    total = check_in_memory(dataset, root, loose);
  else if (dataset == "cifar10-dvs")
    total = check_dvs(root, loose, decode, threads);
  else
    total = check_imagenet(root, info.num_classes, loose, decode, threads);
  std::printf("ok: %lld samples, %s\n", static_cast<long long>(total),
              decode ? "every file read and valid" : "layout and names valid (files not decoded)");
  return 0;
}

}  // namespace

int data_main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string what = argv[1];
  if (what == "check") return check_main(argc - 1, argv + 1);
  AUTOST_FAIL("unknown data command '", what, "' (expected: check)");
}

}  // namespace autost::apps
