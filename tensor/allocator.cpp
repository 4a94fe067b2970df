#include "tensor/allocator.h"

#include <sys/mman.h>

#include <algorithm>
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

void raise_to(std::atomic<int64_t>& mark, int64_t now) {
  int64_t seen = mark.load();
  while (now > seen && !mark.compare_exchange_weak(seen, now)) {
  }
}

}  // namespace

// Large blocks are mapped from the system directly and cached by size for reuse: a fresh
// multi-megabyte block is mapped lazily, so every first write to each of its pages faults, which
// halves the speed of a memory-bound op that writes into a new output. The cache must not grow the
// footprint, though: idle blocks of one size cannot serve another, so on a miss idle blocks are
// unmapped (largest first) until live + idle + the new block fit under the most memory tensors
// have ever held at once. The resident set then tracks that high-water mark instead of the sum of
// every size's peak. Small blocks go straight to malloc, which recycles them cheaply.
//
// Under AddressSanitizer every block comes from aligned_alloc and goes straight back, so that
// out-of-bounds and use-after-free accesses to tensor memory are reported.
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPlainMalloc = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kPlainMalloc = true;
#else
constexpr bool kPlainMalloc = false;
#endif
#else
constexpr bool kPlainMalloc = false;
#endif

constexpr size_t kCacheMinBytes = 256 * 1024;
constexpr size_t kHugePageBytes = size_t{2} << 20;

std::atomic<int64_t> g_cpu_high_water{0};  // like the peak, but never reset

struct CpuCache {
  std::mutex mu;
  std::multimap<size_t, void*> blocks;
  size_t cached_bytes = 0;
};

CpuCache& cpu_cache() {
  static auto* c = new CpuCache;  // never destroyed: tensors may be freed during static destruction
  return *c;
}

bool is_large(size_t size) { return !kPlainMalloc && size >= kCacheMinBytes; }

size_t cpu_round(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  if (nbytes < kCacheMinBytes) return (nbytes + 63) / 64 * 64;  // aligned_alloc needs a multiple of 64
  return (nbytes + 4095) / 4096 * 4096;
}

void* map_block(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  // Transparent huge pages: one fault per 2 MiB instead of per 4 KiB on first touch.
  if (size >= kHugePageBytes) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

// Caller holds c.mu. Unmaps idle blocks, largest first, until `want` more bytes fit under `limit`.
void evict_until(CpuCache& c, int64_t live, size_t want, int64_t limit) {
  while (!c.blocks.empty() && live + static_cast<int64_t>(c.cached_bytes + want) > limit) {
    auto last = std::prev(c.blocks.end());
    munmap(last->second, last->first);
    c.cached_bytes -= last->first;
    c.blocks.erase(last);
  }
}

}  // namespace

void* cpu_allocate(size_t nbytes) {
  size_t size = cpu_round(nbytes);
  void* p = nullptr;
  if (is_large(size)) {
    CpuCache& c = cpu_cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.blocks.find(size);
    if (it != c.blocks.end()) {
      p = it->second;
      c.blocks.erase(it);
      c.cached_bytes -= size;
    } else {
      const int64_t live = g_cpu_current.load();
      evict_until(c, live, size, std::max(g_cpu_high_water.load(), live + static_cast<int64_t>(size)));
      p = map_block(size);
      if (!p) {  // release the whole cache and try once more
        evict_until(c, 0, 0, 0);
        p = map_block(size);
      }
    }
  } else {
    p = std::aligned_alloc(64, size);
    if (!p) {
      cpu_empty_cache();
      p = std::aligned_alloc(64, size);
    }
  }
  AUTOST_CHECK(p != nullptr, "cpu allocator: out of memory allocating ", nbytes, " bytes");
  const int64_t now = g_cpu_current.fetch_add(static_cast<int64_t>(size)) + static_cast<int64_t>(size);
  raise_to(g_cpu_peak, now);
  raise_to(g_cpu_high_water, now);
  return p;
}

void cpu_free(void* p, size_t nbytes) {
  if (!p) return;
  size_t size = cpu_round(nbytes);
  g_cpu_current.fetch_sub(static_cast<int64_t>(size));
  if (!is_large(size)) {
    std::free(p);
    return;
  }
  CpuCache& c = cpu_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.blocks.emplace(size, p);
  c.cached_bytes += size;
}

bool cpu_cache_enabled() { return !kPlainMalloc; }

void cpu_empty_cache() {
  CpuCache& c = cpu_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  evict_until(c, 0, 0, 0);
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
