#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_*.cpp) with clang, ASan and UBSan in build-fuzz/, then runs
# each for SECONDS seconds on its committed seed corpus fuzz/corpus/<target>/.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s, every target)
# FUZZ_SEED=N fixes libFuzzer's random seed (CI does, so that a gate run explores the same inputs
# each time; to look for new findings, run without it and for longer).
# New inputs the fuzzer finds go to build-fuzz/corpus/<target>/ (the committed seeds stay as they
# are). A crash, leak, sanitizer report or uncaught exception stops the script with a non-zero exit;
# the input that caused it is in build-fuzz/findings/<target>/ (replay: build-fuzz/bin/fuzz_<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
jobs=${FUZZ_JOBS:-$(nproc)}
if (( $# )); then targets=("$@"); else targets=($(basename -s .cpp fuzz/fuzz_*.cpp | sed 's/^fuzz_//')); fi

bash scripts/install_deps.sh
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DAUTOST_CUDA=OFF \
  -DAUTOST_FUZZ=ON -DAUTOST_TESTS=OFF >/dev/null
echo "== building ${targets[*]/#/fuzz_} in build-fuzz (log: build-fuzz/build.log)"
if ! cmake --build build-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}" >build-fuzz/build.log 2>&1; then
  grep -E "error|Error" build-fuzz/build.log | head -n 30
  exit 1
fi

for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t findings=build-fuzz/findings/$t
  mkdir -p "$work" "$findings"
  echo "== fuzz_$t: ${seconds} s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a reader that allocates what a
  # hostile header asks for shows up as an out-of-memory finding.
  if ! build-fuzz/bin/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
      -artifact_prefix="$findings/" -print_final_stats=1 "$work" "fuzz/corpus/$t" 2>build-fuzz/fuzz_"$t".log; then
    tail -n 60 build-fuzz/fuzz_"$t".log
    echo "fuzz_$t: FINDING, reproducer in $findings/" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" build-fuzz/fuzz_"$t".log | tr '\n' ' '
  echo
done
echo "fuzz: no findings (${#targets[@]} targets, ${seconds} s each)"
