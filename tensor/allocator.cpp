#include "tensor/allocator.h"

#include <atomic>
#include <cstdlib>
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

void* cpu_allocate(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  size_t rounded = (nbytes + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
  void* p = std::aligned_alloc(64, rounded);
  AUTOST_CHECK(p != nullptr, "cpu allocator: out of memory allocating ", nbytes, " bytes");
  note_alloc(static_cast<int64_t>(nbytes));
  return p;
}

void cpu_free(void* p, size_t nbytes) {
  if (!p) return;
  std::free(p);
  g_cpu_current.fetch_sub(static_cast<int64_t>(nbytes == 0 ? 1 : nbytes));
}

MemoryStats cpu_memory_stats() {
  MemoryStats s;
  s.current_bytes = g_cpu_current.load();
  s.peak_bytes = g_cpu_peak.load();
  s.reserved_bytes = s.current_bytes;
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
