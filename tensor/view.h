#pragma once
// Raw (graph-free) views: each returns a tensor sharing the input's storage. The differentiable
// Tensor methods in autograd/tensor_methods.cpp wrap these.
#include <optional>

#include "tensor/tensor.h"

namespace autost {

Tensor make_tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype);
Tensor as_strided(const Tensor& t, Shape shape, Shape strides, int64_t offset);

// Replaces a single -1 by the size that keeps numel; checks the total. `op` names the caller.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op);
// Strides that view (shape, strides) as new_shape without copying, if such strides exist.
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape);

Tensor raw_view(const Tensor& t, const Shape& shape);  // error if a copy would be needed
Tensor raw_permute(const Tensor& t, const std::vector<int64_t>& dims);
Tensor raw_transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor raw_slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor raw_expand(const Tensor& t, const Shape& shape);
Tensor raw_squeeze(const Tensor& t, std::optional<int64_t> dim);
Tensor raw_unsqueeze(const Tensor& t, int64_t dim);
// t's values as uint8 from its storage's byte shadow (Storage::byte_shadow), with t's geometry;
// undefined when the storage has none.
Tensor raw_byte_shadow(const Tensor& t);

// Broadcast shape of a and b (numpy rules); error names `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace autost
