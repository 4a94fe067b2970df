#pragma once
// `autost bench data`: throughput of the dataset readers. Without a dataset, every reader runs on a
// synthetic file made in a temporary folder (a 500,000-event DVS recording, a CIFAR batch, a gzipped
// IDX file, a 500x375 JPEG); with --dataset and --root, the named reader runs on the real files.
#include <cstdint>
#include <string>

#include "apps/bench/timer.h"

namespace autost::apps::bench {

struct DataBenchOptions {
  std::string dataset;    // empty: synthetic inputs for every reader
  std::string root;
  int64_t samples = 200;  // real datasets read file by file (cifar10-dvs, imagenet): how many
  TimingConfig timing{1, 5};
};

// Prints the table to stdout; returns the process exit code.
int run_data_bench(const DataBenchOptions& opts);

}  // namespace autost::apps::bench
