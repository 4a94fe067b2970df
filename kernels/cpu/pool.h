#pragma once
// Pooling backends over contiguous [planes, H, W] inputs (planes = N * C); shapes and the geometry
// are checked by kernels/pool.cpp. Max pooling's `indices` hold the argmax as int64 flat plane
// indices or as uint8 window offsets (kernels/math/pool.h); the backends tell them by dtype.
#include "kernels/math/pool.h"
#include "tensor/tensor.h"

namespace autost::kernels::cpu {
void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g);
void max_pool2d_backward(const Tensor& gx, const Tensor& grad, const Tensor& indices, const math::PoolGeom& g);
void avg_pool2d(const Tensor& y, const Tensor& x, const math::PoolGeom& g);
void avg_pool2d_backward(const Tensor& gx, const Tensor& grad, const math::PoolGeom& g);
}  // namespace autost::kernels::cpu
namespace autost::kernels::cuda {
void max_pool2d(const Tensor& y, const Tensor& indices, const Tensor& x, const math::PoolGeom& g);
void max_pool2d_backward(const Tensor& gx, const Tensor& grad, const Tensor& indices, const math::PoolGeom& g);
void avg_pool2d(const Tensor& y, const Tensor& x, const math::PoolGeom& g);
void avg_pool2d_backward(const Tensor& gx, const Tensor& grad, const math::PoolGeom& g);
}  // namespace autost::kernels::cuda
