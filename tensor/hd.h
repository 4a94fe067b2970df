#pragma once
// AUTOST_HD marks the scalar math that both backends share: compiled for the host by the C++
// compiler, and for host and device by nvcc. Kernels differ only in how they launch it.
#if defined(__CUDACC__)
#define AUTOST_HD __host__ __device__ __forceinline__
#else
// Always inlined: a call left out of line inside a loop (GCC declines some) stops vectorisation.
#define AUTOST_HD inline __attribute__((always_inline))
#endif
