#pragma once
// The machine's own fast paths, called directly with no autost code in between: they are the
// ceilings the kernel table is measured against. CPU: oneDNN's dnnl_sgemm and std::memcpy on every
// thread. CUDA: cuBLAS sgemm and cudaMemcpy device-to-device.
#include <cstddef>
#include <cstdint>

#include "tensor/device.h"

namespace autost::apps::bench {

// Waits for queued device work (cudaDeviceSynchronize); nothing to wait for on CPU.
void device_sync(const Device& dev);

// Row-major C[M, N] = op(A) op(B), op = transpose when the flag is set; A, B, C live on `dev`.
void vendor_sgemm(const Device& dev, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                  const float* B, float* C);

// Copies n bytes between two buffers on `dev`.
void vendor_copy(const Device& dev, void* dst, const void* src, size_t n);

// Short name of what vendor_sgemm calls, for the table.
const char* vendor_sgemm_name(const Device& dev);

}  // namespace autost::apps::bench
