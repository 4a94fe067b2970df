#!/usr/bin/env bash
# Runs `autost bench kernels` and its PyTorch twin (bench/kernels_torch.py) one after the other in
# the same run, prints both tables, then one line per row shared by both: ours/torch time (below 1:
# autost is faster).
#   bench/compare_kernels.sh [--reps N] [--quick]      (CPU only: Debian's torch has no CUDA)
# AUTOST=path/to/autost overrides build/bin/autost. PyTorch gets OpenBLAS when libopenblas0-pthread
# is installed, with its AVX-512 kernels forced on AVX-512 CPUs that OpenBLAS may mis-detect
# (DESIGN.md §8); set TORCH_BLAS=system to keep the system's libblas.so.3 instead, or set
# OPENBLAS_CORETYPE yourself to override the core.
set -euo pipefail
cd "$(dirname "$0")/.."
autost=${AUTOST:-build/bin/autost}
[[ -x "$autost" ]] || { echo "compare_kernels: $autost not built (cmake --build build --target autost)" >&2; exit 2; }

torch_env=()
openblas_dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
if [[ "${TORCH_BLAS:-openblas}" != system && -e "$openblas_dir/libblas.so.3" ]]; then
  torch_env+=("LD_LIBRARY_PATH=$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && grep -qw avx512f /proc/cpuinfo; then
    torch_env+=("OPENBLAS_CORETYPE=SKYLAKEX")
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== autost ($autost bench kernels --device cpu $*)"
"$autost" bench kernels --device cpu "$@" | tee "$tmp/ours"
echo
echo "== PyTorch (${torch_env[*]:-system BLAS} /usr/bin/python3 bench/kernels_torch.py $*)"
env "${torch_env[@]}" /usr/bin/python3 bench/kernels_torch.py "$@" | tee "$tmp/torch"
echo

# Pair rows by (op, shape); the ceiling rows are named differently in the two tables.
awk '
  function key(op, shape) {
    if (op == "dnnl_sgemm" || op == "ceiling_sgemm") op = "ceiling_sgemm"
    if (op == "memcpy" || op == "ceiling_memcpy") op = "ceiling_memcpy"
    return op " " shape
  }
  /^#/ || NF < 6 || $1 == "op" { next }
  FNR == NR { ours[key($1, $2)] = $3; order[++n] = key($1, $2); next }
  { torch[key($1, $2)] = $3 }
  END {
    printf "== ours/torch time per row (below 1: autost faster)\n"
    printf "%-18s %-26s %11s %11s %9s\n", "op", "shape", "autost_ms", "torch_ms", "ours/torch"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, " ")
      if (k in torch && torch[k] > 0)
        printf "%-18s %-26s %11.3f %11.3f %9.2f\n", p[1], p[2], ours[k], torch[k], ours[k] / torch[k]
      else
        printf "%-18s %-26s %11.3f %11s %9s\n", p[1], p[2], ours[k], "-", "-"
    }
  }' "$tmp/ours" "$tmp/torch"
