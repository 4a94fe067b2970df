#!/usr/bin/env bash
# Installs the Debian packages autost builds with, when any is missing. Nothing is downloaded from
# anywhere else; the CUDA toolkit (nvcc, cuBLAS, cuDNN) is expected at /usr/local/cuda when present
# and is optional (the CPU build works without it).
#   scripts/install_deps.sh             build and test dependencies
#   scripts/install_deps.sh --fixtures  also PyTorch, NumPy, Pillow and torchvision, to regenerate
#                                       tests/fixtures from tests/reference
set -euo pipefail

packages=(
  cmake g++ make          # the build
  libdnnl-dev             # oneDNN: CPU GEMM and convolution
  ocl-icd-opencl-dev      # oneDNN's CMake package looks for OpenCL (a recommends, so named here)
  doctest-dev             # the test framework
  nlohmann-json3-dev      # JSON: safetensors headers
  zlib1g-dev              # gzipped IDX datasets
  libyaml-cpp-dev         # YAML: architectures, search spaces, recipes
  libstb-dev              # stb_image: JPEG/PNG decoding, PNG plots
  dataset-fashion-mnist   # the embedded default dataset: the main job trains on it; tests check it
  clang libclang-rt-14-dev libomp-dev  # scripts/fuzz.sh (run by CI): libFuzzer targets need clang, its
                                       # fuzzer runtime, and clang's OpenMP
  libopenmpi-dev          # MPI: multi-process data-parallel training (nn/distributed*); optional at build time
  openmpi-bin             # mpirun: launches the ranks, and the 2-rank test (tests/mpi/test_ddp_ranks.cpp)
)
if [[ "${1:-}" == "--fixtures" ]]; then
  # Pillow and torchvision: the reference transforms behind tests/fixtures/transforms
  # (tests/reference/transforms.py) and the grayscale/CMYK JPEG fixtures (tests/reference/make_jpeg.py).
  packages+=(python3-torch python3-numpy python3-pil python3-torchvision)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
