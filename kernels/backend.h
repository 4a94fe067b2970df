#pragma once
// AUTOST_BACKEND(device, "op", fn, args...) calls cpu::fn(args...) or cuda::fn(args...) by device;
// without CUDA support compiled in, a CUDA tensor gets a clear error instead.
#include "tensor/error.h"

namespace autost::kernels {
[[noreturn]] inline void no_cuda(const char* op) { AUTOST_FAIL(op, ": autost was built without CUDA"); }
}  // namespace autost::kernels

#ifdef AUTOST_WITH_CUDA
#define AUTOST_BACKEND(dev, name, fn, ...) ((dev).is_cuda() ? cuda::fn(__VA_ARGS__) : cpu::fn(__VA_ARGS__))
#else
#define AUTOST_BACKEND(dev, name, fn, ...) ((dev).is_cuda() ? ::autost::kernels::no_cuda(name) : cpu::fn(__VA_ARGS__))
#endif
