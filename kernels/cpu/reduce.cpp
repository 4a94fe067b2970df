#include "kernels/cpu/reduce.h"

#include <vector>

#include "kernels/math/reduce.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {

// Rows longer than this are summed block by block (see sum).
constexpr int64_t kSumBlock = 32768;

// out[o, i] = scale * sum_r in[o, r, i]. Rows (inner == 1) are summed with a SIMD reduction;
// otherwise whole inner rows are accumulated, which vectorises over i.
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale) {
  dispatch_floating(in.dtype(), "sum", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const T sc = static_cast<T>(scale);
    if (inner == 1) {
      // Long rows are summed in fixed blocks whose partial sums are then added in block order:
      // a single row (sum of everything) still uses every thread, and the result depends only on
      // the sizes, never on the thread count.
      const int64_t blocks = (reduced + kSumBlock - 1) / kSumBlock;
      std::vector<T> partial(static_cast<size_t>(outer * blocks));
      parallel_for(outer * blocks, std::max<int64_t>(1, kGrainElementwise / std::min(reduced, kSumBlock)),
                   [&](int64_t t0, int64_t t1) {
                     for (int64_t t = t0; t < t1; ++t) {
                       const int64_t o = t / blocks, b = t % blocks;
                       const int64_t r0 = b * kSumBlock, r1 = std::min(reduced, r0 + kSumBlock);
                       const T* row = x + o * reduced;
                       T acc = 0;
#pragma omp simd reduction(+ : acc)
                       for (int64_t r = r0; r < r1; ++r) acc += row[r];
                       partial[t] = acc;
                     }
                   });
      for (int64_t o = 0; o < outer; ++o) {
        T acc = 0;
        for (int64_t b = 0; b < blocks; ++b) acc += partial[o * blocks + b];
        y[o] = acc * sc;
      }
      return;
    }
    // Parallelise over (outer x inner-chunk) so a single outer row with wide inner still splits.
    const int64_t chunk = 256;
    const int64_t chunks = (inner + chunk - 1) / chunk;
    parallel_for(outer * chunks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(reduced * chunk, 1)),
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t t = t0; t < t1; ++t) {
                     int64_t o = t / chunks, i0 = (t % chunks) * chunk, i1 = std::min(inner, i0 + chunk);
                     T* dst = y + o * inner;
                     for (int64_t i = i0; i < i1; ++i) dst[i] = 0;
                     for (int64_t r = 0; r < reduced; ++r) {
                       const T* src = x + (o * reduced + r) * inner;
#pragma omp simd
                       for (int64_t i = i0; i < i1; ++i) dst[i] += src[i];
                     }
                     for (int64_t i = i0; i < i1; ++i) dst[i] *= sc;
                   }
                 });
  });
}

namespace {
// Column chunk for the inner > 1 loops: wide enough to vectorise, small enough for the stack.
constexpr int64_t kColumnChunk = 256;
}  // namespace

// Two passes (mean, then squared deviations) rather than E[x^2] - E[x]^2, which cancels badly in
// float32 when the mean is large next to the spread.
void var(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double divisor) {
  dispatch_floating(in.dtype(), "var", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const T inv_r = T(1) / static_cast<T>(reduced), div = static_cast<T>(divisor);
    if (inner == 1) {
      parallel_for(outer, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(reduced, 1)),
                   [&](int64_t o0, int64_t o1) {
                     for (int64_t o = o0; o < o1; ++o) {
                       const T* row = x + o * reduced;
                       T s = 0;
#pragma omp simd reduction(+ : s)
                       for (int64_t r = 0; r < reduced; ++r) s += row[r];
                       const T m = s * inv_r;
                       T ss = 0;
#pragma omp simd reduction(+ : ss)
                       for (int64_t r = 0; r < reduced; ++r) ss += (row[r] - m) * (row[r] - m);
                       y[o] = ss / div;
                     }
                   });
      return;
    }
    const int64_t chunks = (inner + kColumnChunk - 1) / kColumnChunk;
    parallel_for(outer * chunks,
                 std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(reduced * kColumnChunk, 1)),
                 [&](int64_t t0, int64_t t1) {
                   T m[kColumnChunk], ss[kColumnChunk];
                   for (int64_t t = t0; t < t1; ++t) {
                     const int64_t o = t / chunks, i0 = (t % chunks) * kColumnChunk;
                     const int64_t n = std::min(inner, i0 + kColumnChunk) - i0;
                     const T* base = x + o * reduced * inner + i0;
                     for (int64_t i = 0; i < n; ++i) m[i] = ss[i] = 0;
                     for (int64_t r = 0; r < reduced; ++r) {
                       const T* src = base + r * inner;
#pragma omp simd
                       for (int64_t i = 0; i < n; ++i) m[i] += src[i];
                     }
                     for (int64_t i = 0; i < n; ++i) m[i] *= inv_r;
                     for (int64_t r = 0; r < reduced; ++r) {
                       const T* src = base + r * inner;
#pragma omp simd
                       for (int64_t i = 0; i < n; ++i) ss[i] += (src[i] - m[i]) * (src[i] - m[i]);
                     }
                     T* dst = y + o * inner + i0;
                     for (int64_t i = 0; i < n; ++i) dst[i] = ss[i] / div;
                   }
                 });
  });
}

void max(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner) {
  dispatch_floating(in.dtype(), "max", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* v = static_cast<T*>(values.data_ptr());
    int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
    const int64_t chunks = (inner + kColumnChunk - 1) / kColumnChunk;
    const int64_t per_task = reduced * std::min(inner, kColumnChunk);
    parallel_for(outer * chunks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(per_task, 1)),
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t t = t0; t < t1; ++t) {
                     const int64_t o = t / chunks, i0 = (t % chunks) * kColumnChunk;
                     const int64_t i1 = std::min(inner, i0 + kColumnChunk);
                     const T* base = x + o * reduced * inner;
                     // Start from element 0, not -inf, so an all -inf (or all NaN) column still
                     // reports index 0 like torch.
                     for (int64_t i = i0; i < i1; ++i) {
                       v[o * inner + i] = base[i];
                       idx[o * inner + i] = 0;
                     }
                     for (int64_t r = 1; r < reduced; ++r) {
                       const T* src = base + r * inner;
                       for (int64_t i = i0; i < i1; ++i) {
                         if (math::max_replaces(src[i], v[o * inner + i])) {
                           v[o * inner + i] = src[i];
                           idx[o * inner + i] = r;
                         }
                       }
                     }
                   }
                 });
  });
}

}  // namespace autost::kernels::cpu
