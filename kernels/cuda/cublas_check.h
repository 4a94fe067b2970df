#pragma once
// cuBLAS return-code checks and the per-device cuBLAS handle (created once, kept for the process).
#include <cublas_v2.h>

#include "tensor/error.h"

#define AUTOST_CUBLAS_CHECK(expr)                                                                  \
  do {                                                                                             \
    cublasStatus_t autost_st_ = (expr);                                                            \
    if (autost_st_ != CUBLAS_STATUS_SUCCESS)                                                       \
      AUTOST_FAIL("cuBLAS error: ", cublasGetStatusString(autost_st_), " in ", #expr, " at ", __FILE__, \
                  ":", __LINE__);                                                                  \
  } while (0)

namespace autost::kernels::cuda {
// The handle for `device` (which must be current). Its math mode is pedantic fp32: no TF32, so
// results match the CPU to float32 rounding.
cublasHandle_t cublas_handle(int device);
}  // namespace autost::kernels::cuda
