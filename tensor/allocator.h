#pragma once
// Allocators. CPU memory is 64-byte aligned (one cache line, one AVX-512 vector). CUDA memory goes
// through a caching allocator so that the many short-lived activations of a training step reuse
// blocks instead of calling cudaMalloc/cudaFree each time. Both keep current and peak byte counts
// (what benchmarks print as peak memory).
#include <cstddef>
#include <cstdint>

#include "tensor/device.h"

namespace autost {

struct MemoryStats {
  int64_t current_bytes = 0;  // held by live tensors
  int64_t peak_bytes = 0;     // max of current_bytes since the last reset_peak
  int64_t reserved_bytes = 0; // obtained from the system (CUDA: includes the cache)
};

// CPU blocks of 256 KiB and more are mapped directly and cached by size for reuse, the idle ones
// bounded so that the cache never takes the footprint past the high-water mark of live tensors.
void* cpu_allocate(size_t nbytes);
void cpu_free(void* p, size_t nbytes);
void cpu_empty_cache();
// False in AddressSanitizer builds, where every CPU block goes straight back to the system.
bool cpu_cache_enabled();

// CUDA caching allocator; both throw autost::Error when built without CUDA.
void* cuda_allocate(size_t nbytes, int device);
void cuda_free(void* p, size_t nbytes, int device);
// Returns cached (unused) blocks to the driver.
void cuda_empty_cache();

MemoryStats memory_stats(const Device& d);
void reset_peak_memory(const Device& d);

}  // namespace autost
