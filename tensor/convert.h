#pragma once
// Element conversion between dtypes, used by the CPU and CUDA copy kernels alike. bfloat16 goes
// through float; anything non-zero becomes true.
#include <type_traits>

#include "tensor/dtype.h"
#include "tensor/hd.h"

namespace autost {

template <class D, class S>
AUTOST_HD D convert_value(S v) {
  if constexpr (std::is_same_v<S, bfloat16>) {
    return convert_value<D>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (std::is_same_v<D, bfloat16>) {
    return bfloat16(static_cast<float>(v));
  } else {
    return static_cast<D>(v);
  }
}

}  // namespace autost
