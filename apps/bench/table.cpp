#include "apps/bench/table.h"

namespace autost::apps::bench {

void print_header(FILE* out) {
  std::fprintf(out, "%-18s %-26s %11s %11s %-8s %8s  %s\n", "op", "shape", "median_ms", "rate", "unit",
               "ceiling", "note");
  std::fflush(out);
}

void print_row(FILE* out, const Row& r) {
  char frac[32];
  if (r.fraction < 0)
    std::snprintf(frac, sizeof frac, "-");
  else
    std::snprintf(frac, sizeof frac, "%.1f%%", 100.0 * r.fraction);
  std::fprintf(out, "%-18s %-26s %11.3f %11.1f %-8s %8s  %s\n", r.op.c_str(), r.shape.c_str(), r.ms, r.rate, r.unit,
               frac, r.note.c_str());
  // Flushed per row: a slow table shows progress, and a crash keeps the rows already measured.
  std::fflush(out);
}

}  // namespace autost::apps::bench
