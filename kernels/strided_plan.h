#pragma once
// Iteration geometry for elementwise ops over N operands that share one logical shape (inputs
// already expanded to it, so broadcast dims have stride 0). Size-1 dims are dropped and neighbours
// that are contiguous in every operand are merged, so a plain contiguous op becomes one flat loop.
#include <array>

#include "tensor/parallel.h"
#include "tensor/strided.h"
#include "tensor/tensor.h"

namespace autost::kernels {

template <int N>
struct StridedPlan {
  OffsetCalc<N> dims;  // all coalesced dims (CUDA indexes with this directly)
  int64_t numel = 0;
  bool all_contiguous = false;  // every operand is dense in the same order: index i is offset i

  int64_t inner() const { return dims.sizes[dims.ndim - 1]; }
};

template <int N>
StridedPlan<N> make_strided_plan(const Shape& shape, const std::array<const Shape*, N>& strides) {
  StridedPlan<N> p;
  p.numel = shape_numel(shape);
  OffsetCalc<N>& c = p.dims;
  // Walk from the innermost dim outwards so merging compares against the dim just inside.
  int64_t sizes[kMaxDims];
  int64_t st[N][kMaxDims];
  int n = 0;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    bool merge = n > 0;
    for (int k = 0; k < N && merge; ++k) merge = (*strides[k])[d] == st[k][n - 1] * sizes[n - 1];
    if (merge) {
      sizes[n - 1] *= shape[d];
      continue;
    }
    AUTOST_CHECK(n < kMaxDims, "elementwise: more than ", kMaxDims, " non-mergeable dimensions");
    sizes[n] = shape[d];
    for (int k = 0; k < N; ++k) st[k][n] = (*strides[k])[d];
    ++n;
  }
  if (n == 0) {
    sizes[0] = 1;
    for (int k = 0; k < N; ++k) st[k][0] = 1;
    n = 1;
  }
  c.ndim = n;
  for (int i = 0; i < n; ++i) {  // store outermost first
    c.sizes[i] = sizes[n - 1 - i];
    for (int k = 0; k < N; ++k) c.strides[k][i] = st[k][n - 1 - i];
  }
  p.all_contiguous = (n == 1);
  for (int k = 0; k < N && p.all_contiguous; ++k) p.all_contiguous = c.strides[k][0] == 1;
  return p;
}

// Plan for operands that are all tensors of `shape` (typically: output first, then inputs expanded).
template <int N>
StridedPlan<N> make_strided_plan(const std::array<Tensor, N>& ops) {
  std::array<const Shape*, N> st;
  for (int k = 0; k < N; ++k) st[k] = &ops[k].strides();
  return make_strided_plan<N>(ops[0].shape(), st);
}

// CPU traversal: splits [0, numel) over threads; each piece is walked as runs along the innermost
// dim, calling body(offsets, run_length, inner_strides) with element offsets of the run's start.
template <int N, class Body>
void for_each_run(const StridedPlan<N>& p, Body&& body) {
  const int64_t inner = p.inner();
  const int last = p.dims.ndim - 1;
  int64_t inner_st[N];
  for (int k = 0; k < N; ++k) inner_st[k] = p.dims.strides[k][last];
  OffsetCalc<N> outer = p.dims;
  outer.ndim = last;
  parallel_for(p.numel, kGrainElementwise, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    while (i < end) {
      int64_t row = i / inner, col = i % inner;
      int64_t off[N];
      outer.get(row, off);
      for (int k = 0; k < N; ++k) off[k] += col * inner_st[k];
      int64_t len = std::min(inner - col, end - i);
      body(off, len, inner_st);
      i += len;
    }
  });
}

}  // namespace autost::kernels
