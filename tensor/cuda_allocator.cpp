// The caching CUDA allocator. Freed blocks go to a per-device pool keyed by their rounded size and
// are handed out again to the next request of that size; cudaMalloc is called only on a miss, and
// when it fails the pool is emptied and the call retried once. All work runs on the default stream,
// so a block freed by the host can be reused at once (stream order keeps it safe).
#include <map>
#include <mutex>
#include <vector>

#include "tensor/allocator.h"
#include "tensor/cuda_check.h"
#include "tensor/error.h"

namespace autost {

#ifdef AUTOST_WITH_CUDA
namespace {

size_t round_size(size_t n) {
  if (n < (1u << 20)) return (n + 511) / 512 * 512;        // small: 512-byte granules
  return (n + (2u << 20) - 1) / (2u << 20) * (2u << 20);  // large: 2 MiB granules
}

struct DevicePool {
  std::multimap<size_t, void*> free_blocks;  // rounded size -> block
  MemoryStats stats;
};

struct CachingAllocator {
  std::mutex mu;
  std::map<int, DevicePool> pools;

  void release_cache(int device, DevicePool& pool) {
    AUTOST_CUDA_CHECK(cudaSetDevice(device));
    for (auto& [size, p] : pool.free_blocks) {
      AUTOST_CUDA_CHECK(cudaFree(p));
      pool.stats.reserved_bytes -= static_cast<int64_t>(size);
    }
    pool.free_blocks.clear();
  }
};

// Never destroyed: freeing device memory during static destruction races the CUDA runtime's own
// teardown, and the driver reclaims everything at process exit anyway.
CachingAllocator& allocator() {
  static auto* a = new CachingAllocator;
  return *a;
}

}  // namespace

void* cuda_allocate(size_t nbytes, int device) {
  auto& a = allocator();
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  std::lock_guard<std::mutex> lock(a.mu);
  DevicePool& pool = a.pools[device];
  void* p = nullptr;
  auto it = pool.free_blocks.find(size);
  if (it != pool.free_blocks.end()) {
    p = it->second;
    pool.free_blocks.erase(it);
  } else {
    AUTOST_CUDA_CHECK(cudaSetDevice(device));
    cudaError_t err = cudaMalloc(&p, size);
    if (err != cudaSuccess) {
      cudaGetLastError();  // clear the sticky-free error state before retrying
      a.release_cache(device, pool);
      err = cudaMalloc(&p, size);
    }
    AUTOST_CHECK(err == cudaSuccess, "cuda allocator: out of memory allocating ", nbytes,
                 " bytes on cuda:", device, " (", cudaGetErrorString(err), ")");
    pool.stats.reserved_bytes += static_cast<int64_t>(size);
  }
  pool.stats.current_bytes += static_cast<int64_t>(size);
  if (pool.stats.current_bytes > pool.stats.peak_bytes) pool.stats.peak_bytes = pool.stats.current_bytes;
  return p;
}

void cuda_free(void* p, size_t nbytes, int device) {
  if (!p) return;
  auto& a = allocator();
  size_t size = round_size(nbytes == 0 ? 1 : nbytes);
  std::lock_guard<std::mutex> lock(a.mu);
  DevicePool& pool = a.pools[device];
  pool.free_blocks.emplace(size, p);
  pool.stats.current_bytes -= static_cast<int64_t>(size);
}

void cuda_empty_cache() {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  for (auto& [device, pool] : a.pools) a.release_cache(device, pool);
}

MemoryStats cuda_memory_stats(int device) {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  return a.pools[device].stats;
}

void cuda_reset_peak(int device) {
  auto& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  auto& s = a.pools[device].stats;
  s.peak_bytes = s.current_bytes;
}

#else  // built without CUDA

void* cuda_allocate(size_t, int) { AUTOST_FAIL("CUDA requested but autost was built without CUDA"); }
void cuda_free(void*, size_t, int) {}
void cuda_empty_cache() {}
MemoryStats cuda_memory_stats(int) { return {}; }
void cuda_reset_peak(int) {}

#endif

}  // namespace autost
