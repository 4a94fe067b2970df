#!/usr/bin/env bash
# The checks that need a GPU, in one go, for a machine that has one: build with CUDA, run the CUDA
# tests, then the kernel benchmark on the GPU and on the CPU. Meant to finish in under 5 minutes;
# exits non-zero at the first failing step.
#   tools/gpu_check.sh            (from anywhere; works in the repository root)
# BENCH_ARGS="--quick" (or "--reps 5") is passed to both benchmark runs.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "gpu_check: FAILED: $*" >&2; exit 1; }

command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: no NVIDIA driver on this machine"
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader) || fail "nvidia-smi could not query a GPU"
echo "GPU: $gpu"

if [[ -x scripts/install_deps.sh || -f scripts/install_deps.sh ]]; then
  step "dependencies (scripts/install_deps.sh)"
  bash scripts/install_deps.sh || fail "scripts/install_deps.sh"
fi

jobs=$(nproc)
step "configure build-gpu (CUDA on, Release)"
cmake -S . -B build-gpu -DAUTOST_CUDA=ON -DCMAKE_BUILD_TYPE=Release || fail "cmake configure"
step "build with $jobs jobs"
# Bounded so that a stuck compiler cannot eat the whole budget.
timeout 210 cmake --build build-gpu -j"$jobs" || fail "build (or it ran past 210 s)"

step "ctest -L cuda"
(cd build-gpu && timeout 60 ctest -L cuda --output-on-failure -j"$jobs" --timeout 30) || fail "CUDA tests"

read -r -a bench_args <<< "${BENCH_ARGS:-}"
step "autost bench kernels --device cuda ${bench_args[*]}"
timeout 60 build-gpu/bin/autost bench kernels --device cuda "${bench_args[@]}" || fail "CUDA kernel benchmark"
step "autost bench kernels --device cpu ${bench_args[*]}"
timeout 90 build-gpu/bin/autost bench kernels --device cpu "${bench_args[@]}" || fail "CPU kernel benchmark"

step "all GPU checks passed on: $gpu"
