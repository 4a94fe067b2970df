#pragma once
// Copies and conversions (graph-free). Kernels call these at their boundary to get contiguous
// inputs of the right dtype.
#include "tensor/tensor.h"

namespace autost {

// dst[...] = src[...] with src broadcast to dst's shape, dtype converted, across devices.
void copy_into(const Tensor& dst, const Tensor& src);
Tensor raw_contiguous(const Tensor& t);  // t itself when already contiguous
Tensor raw_clone(const Tensor& t);       // always a fresh contiguous copy
Tensor raw_to_device(const Tensor& t, Device d);
Tensor raw_to_dtype(const Tensor& t, DType d);
void raw_fill(const Tensor& t, double value);

// Launch glue, same device, shapes equal, any strides (tensor/copy.cpp, tensor/cuda/copy.cu).
void strided_copy_cpu(const Tensor& dst, const Tensor& src);
void strided_copy_cuda(const Tensor& dst, const Tensor& src);
void fill_cuda(const Tensor& t, double value);

// Coalesced (dst, src) iteration geometry shared by both backends.
struct CopyPlan {
  int ndim = 0;
  int64_t sizes[12];
  int64_t dst_strides[12];
  int64_t src_strides[12];
};
CopyPlan make_copy_plan(const Tensor& dst, const Tensor& src);

}  // namespace autost
