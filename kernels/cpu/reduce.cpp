#include "kernels/cpu/reduce.h"

#include "tensor/parallel.h"

namespace autost::kernels::cpu {

// out[o, i] = scale * sum_r in[o, r, i]. Rows (inner == 1) are summed with a SIMD reduction;
// otherwise whole inner rows are accumulated, which vectorises over i.
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale) {
  dispatch_floating(in.dtype(), "sum", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const T sc = static_cast<T>(scale);
    if (inner == 1) {
      parallel_for(outer, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(reduced, 1)),
                   [&](int64_t o0, int64_t o1) {
                     for (int64_t o = o0; o < o1; ++o) {
                       const T* row = x + o * reduced;
                       T acc = 0;
#pragma omp simd reduction(+ : acc)
                       for (int64_t r = 0; r < reduced; ++r) acc += row[r];
                       y[o] = acc * sc;
                     }
                   });
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

}  // namespace autost::kernels::cpu
