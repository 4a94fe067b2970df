#!/usr/bin/env bash
# The test command (README): installs what is missing, builds everything (with the CUDA backend
# when a CUDA toolkit is found), and runs every test with CTest. Tests labelled `cuda` are reported
# as skipped where no GPU exists. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
cd build
# CTest runs test programs side by side, each with OpenMP's default team of $jobs threads; with the
# cores oversubscribed, spinning OpenMP waits make tests several times slower, so waiting threads sleep.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
ctest --output-on-failure -j"$jobs"
