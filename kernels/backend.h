#pragma once
// AUTOST_BACKEND(device, "op", fn, args...) calls cpu::fn(args...) or cuda::fn(args...) by device;
// without CUDA support compiled in, a CUDA tensor gets a clear error instead.
//
// check_floating(op, x) is the input check every float-only op boundary shares.
#include "tensor/error.h"
#include "tensor/tensor.h"

namespace autost::kernels {
[[noreturn]] inline void no_cuda(const char* op) { AUTOST_FAIL(op, ": autost was built without CUDA"); }

inline void check_floating(const char* op, const Tensor& x) {
  AUTOST_CHECK(x.defined(), op, ": undefined input");
  AUTOST_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, op, ": dtype ", dtype_name(x.dtype()),
               " not supported (float32 or float64), shape ", x.shape());
}
}  // namespace autost::kernels

#ifdef AUTOST_WITH_CUDA
#define AUTOST_BACKEND(dev, name, fn, ...) ((dev).is_cuda() ? cuda::fn(__VA_ARGS__) : cpu::fn(__VA_ARGS__))
#else
#define AUTOST_BACKEND(dev, name, fn, ...) ((dev).is_cuda() ? ::autost::kernels::no_cuda(name) : cpu::fn(__VA_ARGS__))
#endif
