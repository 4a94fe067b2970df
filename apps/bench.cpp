#include "apps/bench.h"

#include <cstdio>

namespace autost::apps {
int bench_main(int, char**) {
  std::fprintf(stderr, "autost bench: not built yet\n");
  return 2;
}
}  // namespace autost::apps
