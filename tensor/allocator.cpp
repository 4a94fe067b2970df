#include "tensor/allocator.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "tensor/error.h"

namespace autost {
namespace {

std::atomic<int64_t> g_cpu_current{0};
std::atomic<int64_t> g_cpu_peak{0};

void note_alloc(int64_t n) {
  int64_t now = g_cpu_current.fetch_add(n) + n;
  int64_t peak = g_cpu_peak.load();
  while (now > peak && !g_cpu_peak.compare_exchange_weak(peak, now)) {
  }
}

}  // namespace

// Large blocks are cached by size and reused: a fresh multi-megabyte block from the system is
// mapped lazily, so every first write to each of its pages faults, which halves the speed of a
// memory-bound op that writes into a new output. Small blocks go straight to malloc, which already
// recycles them cheaply.
namespace {

constexpr size_t kCacheMinBytes = 256 * 1024;
constexpr size_t kCacheMaxBytes = size_t{4} << 30;  // beyond this much idle memory, give it back

struct CpuCache {
  std::mutex mu;
  std::multimap<size_t, void*> blocks;
  size_t cached_bytes = 0;
};

CpuCache& cpu_cache() {
  static auto* c = new CpuCache;  // never destroyed: tensors may be freed during static destruction
  return *c;
}

size_t cpu_round(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  if (nbytes < kCacheMinBytes) return (nbytes + 63) / 64 * 64;  // aligned_alloc needs a multiple of 64
  return (nbytes + 4095) / 4096 * 4096;
}

}  // namespace

void* cpu_allocate(size_t nbytes) {
  size_t size = cpu_round(nbytes);
  void* p = nullptr;
  if (size >= kCacheMinBytes) {
    CpuCache& c = cpu_cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.blocks.find(size);
    if (it != c.blocks.end()) {
      p = it->second;
      c.blocks.erase(it);
      c.cached_bytes -= size;
    }
  }
  if (!p) p = std::aligned_alloc(64, size);
  if (!p) {  // release the cache and try once more
    cpu_empty_cache();
    p = std::aligned_alloc(64, size);
  }
  AUTOST_CHECK(p != nullptr, "cpu allocator: out of memory allocating ", nbytes, " bytes");
  note_alloc(static_cast<int64_t>(size));
  return p;
}

void cpu_free(void* p, size_t nbytes) {
  if (!p) return;
  size_t size = cpu_round(nbytes);
  g_cpu_current.fetch_sub(static_cast<int64_t>(size));
  if (size >= kCacheMinBytes) {
    CpuCache& c = cpu_cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached_bytes + size <= kCacheMaxBytes) {
      c.blocks.emplace(size, p);
      c.cached_bytes += size;
      return;
    }
  }
  std::free(p);
}

void cpu_empty_cache() {
  CpuCache& c = cpu_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, p] : c.blocks) std::free(p);
  c.blocks.clear();
  c.cached_bytes = 0;
}

namespace {
int64_t cpu_cached_bytes() {
  CpuCache& c = cpu_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return static_cast<int64_t>(c.cached_bytes);
}
}  // namespace

MemoryStats cpu_memory_stats() {
  MemoryStats s;
  s.current_bytes = g_cpu_current.load();
  s.peak_bytes = g_cpu_peak.load();
  s.reserved_bytes = s.current_bytes + cpu_cached_bytes();
  return s;
}

MemoryStats cuda_memory_stats(int device);  // cuda_allocator.cpp
void cuda_reset_peak(int device);

MemoryStats memory_stats(const Device& d) {
  return d.is_cpu() ? cpu_memory_stats() : cuda_memory_stats(d.index);
}

void reset_peak_memory(const Device& d) {
  if (d.is_cpu())
    g_cpu_peak.store(g_cpu_current.load());
  else
    cuda_reset_peak(d.index);
}

}  // namespace autost
