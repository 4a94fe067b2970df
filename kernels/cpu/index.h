#pragma once
// Dropout and indexing backends. Tensors are contiguous; index tensors are int64 and already
// range-checked (index_in_range) unless said otherwise. index_select sees x as [outer, size, inner]
// and the output as [outer, k, inner], k = index.numel(). Backward outputs arrive zero-filled.
#include "kernels/math/index.h"
#include "tensor/tensor.h"

namespace autost::kernels {
// Selection only moves elements, so it dispatches on the element size, not the dtype: every dtype
// (bool, bfloat16, int64, ...) is served by four instantiations.
template <class F>
decltype(auto) dispatch_bytes(DType d, const char* op, F&& fn) {
  switch (itemsize(d)) {
    case 1: return fn(type_tag<uint8_t>{});
    case 2: return fn(type_tag<uint16_t>{});
    case 4: return fn(type_tag<uint32_t>{});
    case 8: return fn(type_tag<uint64_t>{});
    default: AUTOST_FAIL(op, ": unsupported element size for dtype ", dtype_name(d));
  }
}
}  // namespace autost::kernels

namespace autost::kernels::cpu {
void dropout(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed, uint64_t offset);
void dropout_backward(const Tensor& gx, const Tensor& grad, const Tensor& mask, double p);
bool index_in_range(const Tensor& index, int64_t size);  // every value in [0, size)
void index_select(const Tensor& out, const Tensor& x, const Tensor& index, int64_t outer, int64_t size, int64_t inner);
void index_select_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, int64_t outer, int64_t size,
                           int64_t inner);
void gather(const Tensor& out, const Tensor& x, const Tensor& index, const math::GatherGeom& geom);
void gather_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, const math::GatherGeom& geom);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void dropout(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed, uint64_t offset);
void dropout_backward(const Tensor& gx, const Tensor& grad, const Tensor& mask, double p);
bool index_in_range(const Tensor& index, int64_t size);
void index_select(const Tensor& out, const Tensor& x, const Tensor& index, int64_t outer, int64_t size, int64_t inner);
void index_select_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, int64_t outer, int64_t size,
                           int64_t inner);
void gather(const Tensor& out, const Tensor& x, const Tensor& index, const math::GatherGeom& geom);
void gather_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, const math::GatherGeom& geom);
}  // namespace autost::kernels::cuda
