// The main of the programs in tests/mpi/, which CTest runs under mpirun. Every test case there is
// collective: all ranks run the same cases in the same order, and checks do not end a case early
// (CHECK rather than REQUIRE), so one rank's failure never leaves the others waiting in a
// collective. Rank 0 reports; the other ranks print failures only. Built without MPI the program
// exits 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "nn/distributed/process_group.h"
#include "tensor/error.h"

int main(int argc, char** argv) {
  using autost::nn::ProcessGroup;
  if (!ProcessGroup::mpi_built()) {
    std::printf("%s: skipped, autost was built without MPI\n", argv[0]);
    return 77;
  }
  try {
    ProcessGroup& pg = ProcessGroup::world();
    if (pg.world_size() < 2) {
      std::fprintf(stderr, "%s: run under mpirun with 2 or more ranks; this process is alone\n", argv[0]);
      return 2;
    }
    doctest::Context context(argc, argv);
    if (pg.rank() != 0) context.setOption("minimal", true);  // one report, not one per rank
    return context.run();
  } catch (const autost::Error& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 2;
  }
}
