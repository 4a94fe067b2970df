#pragma once
// cuDNN return-code checks and the per-device cuDNN handle (created once, kept for the process).
#include <cudnn.h>

#include "tensor/error.h"

#define AUTOST_CUDNN_CHECK(expr)                                                                   \
  do {                                                                                             \
    cudnnStatus_t autost_st_ = (expr);                                                             \
    if (autost_st_ != CUDNN_STATUS_SUCCESS)                                                        \
      AUTOST_FAIL("cuDNN error: ", cudnnGetErrorString(autost_st_), " in ", #expr, " at ", __FILE__, ":", \
                  __LINE__);                                                                       \
  } while (0)

namespace autost::kernels::cuda {
cudnnHandle_t cudnn_handle(int device);  // `device` must be current
}  // namespace autost::kernels::cuda
