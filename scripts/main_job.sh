#!/usr/bin/env bash
# The main job (README command one), on the CPU: installs what is missing (Fashion-MNIST included),
# builds the autost program, runs an AutoST search over nas/spaces/cpu_demo.yaml for Fashion-MNIST
# (28x28x1, 10 classes), trains the best architecture with apps/configs/fashion_mnist.yaml, and prints
# the searched architecture, the test accuracy and the run folder.
#   scripts/main_job.sh [RUN_DIR]      (default runs/main-<date>-<time>; an existing folder is refused)
# AUTOST_BUILD_DIR picks the build folder (default build, shared with scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bdir=${AUTOST_BUILD_DIR:-build}
cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$bdir" -j"$(nproc)" --target autost
autost="$bdir/bin/autost"

run=${1:-runs/main-$(date +%Y%m%d-%H%M%S)}
if [[ -e "$run" ]]; then
  echo "main_job: $run already exists; give another folder (nothing was overwritten)" >&2
  exit 2
fi
mkdir -p "$run"
run_abs=$(cd "$run" && pwd)  # the recipe resolves a relative arch path against its own folder
start=$SECONDS

# The search scores candidates for the input and T the recipe trains them with. The parameter range
# keeps the winner (the most FLOPs the budget allows) trainable within the job's time on 2 cores.
T=$(sed -n 's/^T: *//p' apps/configs/fashion_mnist.yaml)
echo "== search: nas/spaces/cpu_demo.yaml, 28x28x1, 10 classes, T $T"
"$autost" search --space nas/spaces/cpu_demo.yaml --img 28 --in-ch 1 --classes 10 --T "$T" \
  --param-min 0.08 --param-max 0.12 --seed 0 --out "$run/search" | tail -n 3
search_s=$((SECONDS - start))

echo "== train: apps/configs/fashion_mnist.yaml with $run/search/config_1.yaml"
"$autost" train --config apps/configs/fashion_mnist.yaml --set arch="$run_abs/search/config_1.yaml" \
  --out "$run/train"

best=$(sed -n 's/.*"test_top1":\([0-9.]*\).*/\1/p' "$run/train/metrics.jsonl" | sort -g | tail -n 1)
echo
echo "== main job finished in $((SECONDS - start)) s (search ${search_s} s)"
echo "searched architecture ($run/search/config_1.yaml):"
sed -n '/^RETRAIN:/,/^[A-Z]/p' "$run/search/config_1.yaml" | grep -v '^[A-Z][A-Z]*: ' | sed 's/^/  /'
echo "best test accuracy: ${best} %"
echo "run folder: $run (search: $run/search, training: $run/train)"
