#pragma once
// Return-code checks for the CUDA runtime. Every call into CUDA goes through one of these, so a
// failure becomes an autost::Error naming the call and the site instead of silent garbage.
#ifdef AUTOST_WITH_CUDA
#include <cuda_runtime.h>

#include "tensor/error.h"

#define AUTOST_CUDA_CHECK(expr)                                                              \
  do {                                                                                       \
    cudaError_t autost_err_ = (expr);                                                        \
    if (autost_err_ != cudaSuccess)                                                          \
      AUTOST_FAIL("CUDA error: ", cudaGetErrorString(autost_err_), " in ", #expr, " at ",    \
                  __FILE__, ":", __LINE__);                                                  \
  } while (0)

// After a kernel launch: catches bad launch configurations at the launch site.
#define AUTOST_CUDA_CHECK_LAUNCH() AUTOST_CUDA_CHECK(cudaGetLastError())
#endif
