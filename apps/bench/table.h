#pragma once
// One fixed text format for benchmark tables, shared with bench/kernels_torch.py so that
// bench/compare_kernels.sh can pair rows by (op, shape): whitespace-separated columns, no spaces
// inside op or shape, rows after the header line that starts with "op".
#include <cstdio>
#include <string>

namespace autost::apps::bench {

struct Row {
  std::string op;
  std::string shape;
  double ms = 0;
  double rate = 0;           // `unit` per second
  const char* unit = "";     // "GFLOP/s" or "GB/s"
  double fraction = -1;      // of the matching ceiling; negative prints as "-"
  std::string note;          // free text at the end of the line
};

void print_header(FILE* out);
void print_row(FILE* out, const Row& r);

}  // namespace autost::apps::bench
