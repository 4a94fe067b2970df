#pragma once
// Per-element math of dropout and the index geometry of gather, shared by both backends.
#include <cstdint>

#include "tensor/hd.h"
#include "tensor/philox.h"

namespace autost::math {

// Element i survives when its Philox uniform is >= p. The uniform is always the float one (whatever
// x's dtype), so a seed drops the same elements for float32 and float64, on CPU and CUDA.
AUTOST_HD bool dropout_keep(uint64_t seed, uint64_t offset, int64_t i, float p) {
  return philox_uniform<float>(seed, offset, i) >= p;
}
// 1 / (1 - p), and 0 when everything is dropped (no division by zero).
AUTOST_HD double dropout_scale(double p) { return p < 1.0 ? 1.0 / (1.0 - p) : 0.0; }

// gather over an index (= output) of shape `sizes`, along `dim`, into a contiguous x with strides
// `x_strides`. A "line" is every index element that shares all coordinates but dim's: index
// element (o, j, i) (outer, along-dim, inner) reads x at line_base(line) + index * x_strides[dim].
// Different lines touch disjoint parts of x, so a scatter-add per line needs no atomics.
struct GatherGeom {
  static constexpr int kMaxDims = 12;
  int ndim = 0, dim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t x_strides[kMaxDims] = {};
  int64_t len = 1, inner = 1, lines = 0;  // len = sizes[dim]; lines = numel / len

  AUTOST_HD int64_t line_base(int64_t line) const {
    int64_t o = line / inner, i = line % inner, off = 0;
    for (int d = ndim - 1; d > dim; --d) {
      off += (i % sizes[d]) * x_strides[d];
      i /= sizes[d];
    }
    for (int d = dim - 1; d >= 0; --d) {
      off += (o % sizes[d]) * x_strides[d];
      o /= sizes[d];
    }
    return off;
  }
  // Contiguous offset in the index/output of element j of `line`.
  AUTOST_HD int64_t index_offset(int64_t line, int64_t j) const {
    return ((line / inner) * len + j) * inner + line % inner;
  }
};

}  // namespace autost::math
