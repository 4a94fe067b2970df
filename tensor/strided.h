#pragma once
// Maps a linear element index of a (coalesced) shape to element offsets in N strided operands.
// Used by copies and by broadcasting kernels on both backends.
#include <cstdint>

#include "tensor/hd.h"

namespace autost {

inline constexpr int kMaxDims = 12;

template <int N>
struct OffsetCalc {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  // Offsets (in elements) of linear index `i`; the last dimension varies fastest.
  AUTOST_HD void get(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t idx = i % sizes[d];
      i /= sizes[d];
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
  }
};

}  // namespace autost
