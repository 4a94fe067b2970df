// CPU softmax and cross-entropy. Every row subtracts its maximum before exponentiating, so logits
// of any size give finite results. Rows (inner == 1) are SIMD loops over the row; columns
// (inner > 1) process a chunk of columns at once so the loops vectorise across them.
#include "kernels/cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/math/fastmath.h"
#include "kernels/math/reduce.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

constexpr int64_t kColumnChunk = 256;

template <class T>
T row_max(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t r = 0; r < n; ++r) m = std::max(m, x[r]);
  return m;
}

// A row's maximum m and log(sum exp(x - m)); log-sum-exp is m + log_s.
template <class T>
struct RowStats {
  T m, log_s;
};
template <class T>
RowStats<T> row_stats(const T* x, int64_t n) {
  const T m = row_max(x, n);
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t r = 0; r < n; ++r) s += math::fexp(x[r] - m);
  return {m, std::log(s)};
}

template <class T>
void softmax_rows(T* y, const T* x, int64_t outer, int64_t n, bool log) {
  parallel_for(outer, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(n, 1)), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const T* xr = x + o * n;
      T* yr = y + o * n;
      const T m = row_max(xr, n);
      T s = 0;
      if (log) {
#pragma omp simd reduction(+ : s)
        for (int64_t r = 0; r < n; ++r) s += math::fexp(xr[r] - m);
        // (x - m) - log s, not x - (m + log s): x - m is exact near the maximum, which keeps
        // the largest log-probabilities accurate in float32 when the logits are large.
        const T ls = std::log(s);
#pragma omp simd
        for (int64_t r = 0; r < n; ++r) yr[r] = (xr[r] - m) - ls;
      } else {
#pragma omp simd reduction(+ : s)
        for (int64_t r = 0; r < n; ++r) {
          yr[r] = math::fexp(xr[r] - m);
          s += yr[r];
        }
        const T inv = T(1) / s;
#pragma omp simd
        for (int64_t r = 0; r < n; ++r) yr[r] *= inv;
      }
    }
  });
}

template <class T>
void softmax_columns(T* y, const T* x, int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t chunks = (inner + kColumnChunk - 1) / kColumnChunk;
  const int64_t per_task = n * std::min(inner, kColumnChunk);
  parallel_for(outer * chunks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(per_task, 1)),
               [&](int64_t t0, int64_t t1) {
                 T m[kColumnChunk], s[kColumnChunk];
                 for (int64_t t = t0; t < t1; ++t) {
                   const int64_t o = t / chunks, i0 = (t % chunks) * kColumnChunk;
                   const int64_t w = std::min(inner, i0 + kColumnChunk) - i0;
                   const T* xb = x + o * n * inner + i0;
                   T* yb = y + o * n * inner + i0;
                   for (int64_t i = 0; i < w; ++i) {
                     m[i] = -std::numeric_limits<T>::infinity();
                     s[i] = 0;
                   }
                   for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                     for (int64_t i = 0; i < w; ++i) m[i] = std::max(m[i], xb[r * inner + i]);
                   for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                     for (int64_t i = 0; i < w; ++i) s[i] += math::fexp(xb[r * inner + i] - m[i]);
                   if (log) {
                     for (int64_t i = 0; i < w; ++i) s[i] = std::log(s[i]);
                     for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                       for (int64_t i = 0; i < w; ++i) yb[r * inner + i] = (xb[r * inner + i] - m[i]) - s[i];
                   } else {
                     for (int64_t i = 0; i < w; ++i) s[i] = T(1) / s[i];
                     for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                       for (int64_t i = 0; i < w; ++i) yb[r * inner + i] = math::fexp(xb[r * inner + i] - m[i]) * s[i];
                   }
                 }
               });
}

// softmax:     gx = y (g - sum_r g y)
// log_softmax: gx = g - exp(y) sum_r g
template <class T>
void softmax_backward_impl(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t chunks = (inner + kColumnChunk - 1) / kColumnChunk;
  const int64_t per_task = n * std::min(inner, kColumnChunk);
  parallel_for(outer * chunks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(per_task, 1)),
               [&](int64_t t0, int64_t t1) {
                 T dot[kColumnChunk];
                 for (int64_t t = t0; t < t1; ++t) {
                   const int64_t o = t / chunks, i0 = (t % chunks) * kColumnChunk;
                   const int64_t w = std::min(inner, i0 + kColumnChunk) - i0;
                   const int64_t base = o * n * inner + i0;
                   const T *gb = g + base, *yb = y + base;
                   T* ob = gx + base;
                   if (inner == 1) {  // a plain row: one SIMD reduction
                     T d = 0;
                     if (log) {
#pragma omp simd reduction(+ : d)
                       for (int64_t r = 0; r < n; ++r) d += gb[r];
#pragma omp simd
                       for (int64_t r = 0; r < n; ++r) ob[r] = gb[r] - math::fexp(yb[r]) * d;
                     } else {
#pragma omp simd reduction(+ : d)
                       for (int64_t r = 0; r < n; ++r) d += gb[r] * yb[r];
#pragma omp simd
                       for (int64_t r = 0; r < n; ++r) ob[r] = yb[r] * (gb[r] - d);
                     }
                     continue;
                   }
                   for (int64_t i = 0; i < w; ++i) dot[i] = 0;
                   for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                     for (int64_t i = 0; i < w; ++i) dot[i] += log ? gb[r * inner + i] : gb[r * inner + i] * yb[r * inner + i];
                   for (int64_t r = 0; r < n; ++r)
#pragma omp simd
                     for (int64_t i = 0; i < w; ++i) {
                       const int64_t k = r * inner + i;
                       ob[k] = log ? gb[k] - math::fexp(yb[k]) * dot[i] : yb[k] * (gb[k] - dot[i]);
                     }
                 }
               });
}

// One task per row of logits [N, C].
template <class F>
void for_rows(int64_t rows, int64_t cols, F&& f) {
  parallel_for(rows, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(cols, 1)), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) f(n);
  });
}

}  // namespace

void softmax(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, bool log) {
  dispatch_floating(in.dtype(), log ? "log_softmax" : "softmax", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    if (inner == 1)
      softmax_rows(y, x, outer, reduced, log);
    else
      softmax_columns(y, x, outer, reduced, inner, log);
  });
}

void softmax_backward(const Tensor& gx, const Tensor& grad, const Tensor& y, int64_t outer, int64_t reduced,
                      int64_t inner, bool log) {
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    softmax_backward_impl(static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()),
                          static_cast<const T*>(y.data_ptr()), outer, reduced, inner, log);
  });
}

void cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& target, double eps) {
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    const T* x = static_cast<const T*>(logits.data_ptr());
    const int64_t* t = static_cast<const int64_t*>(target.data_ptr());
    T* loss = static_cast<T*>(rows.data_ptr());
    const T e = static_cast<T>(eps);
    for_rows(N, C, [&](int64_t n) {
      const T* xr = x + n * C;
      const RowStats<T> st = row_stats(xr, C);
      T rs = 0;
      if (eps != 0.0) {
#pragma omp simd reduction(+ : rs)
        for (int64_t c = 0; c < C; ++c) rs += xr[c] - st.m;
      }
      loss[n] = math::smoothed_nll(st.log_s, st.m - xr[t[n]], rs, e, static_cast<T>(C));
    });
  });
}

void cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& target,
                            double eps) {
  dispatch_floating(logits.dtype(), "cross_entropy_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    const T* x = static_cast<const T*>(logits.data_ptr());
    const int64_t* t = static_cast<const int64_t*>(target.data_ptr());
    T* out = static_cast<T*>(gx.data_ptr());
    const T scale = *static_cast<const T*>(grad.data_ptr()) / static_cast<T>(N);
    const T e = static_cast<T>(eps), classes = static_cast<T>(C);
    for_rows(N, C, [&](int64_t n) {
      const T* xr = x + n * C;
      T* orow = out + n * C;
      const RowStats<T> st = row_stats(xr, C);
#pragma omp simd
      for (int64_t c = 0; c < C; ++c)
        orow[c] = scale * math::smoothed_nll_grad(math::fexp((xr[c] - st.m) - st.log_s), false, e, classes);
      orow[t[n]] = scale * math::smoothed_nll_grad(math::fexp((xr[t[n]] - st.m) - st.log_s), true, e, classes);
    });
  });
}

void soft_cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& probs) {
  dispatch_floating(logits.dtype(), "soft_cross_entropy", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    const T* x = static_cast<const T*>(logits.data_ptr());
    const T* p = static_cast<const T*>(probs.data_ptr());
    T* loss = static_cast<T*>(rows.data_ptr());
    for_rows(N, C, [&](int64_t n) {
      const T *xr = x + n * C, *pr = p + n * C;
      const RowStats<T> st = row_stats(xr, C);
      T acc = 0;  // sum_c p (lse - x): the probabilities need not sum to exactly 1
#pragma omp simd reduction(+ : acc)
      for (int64_t c = 0; c < C; ++c) acc += pr[c] * (st.log_s - (xr[c] - st.m));
      loss[n] = acc;
    });
  });
}

void soft_cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& probs) {
  dispatch_floating(logits.dtype(), "soft_cross_entropy_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    const T* x = static_cast<const T*>(logits.data_ptr());
    const T* p = static_cast<const T*>(probs.data_ptr());
    T* out = static_cast<T*>(gx.data_ptr());
    const T scale = *static_cast<const T*>(grad.data_ptr()) / static_cast<T>(N);
    for_rows(N, C, [&](int64_t n) {
      const T *xr = x + n * C, *pr = p + n * C;
      T* orow = out + n * C;
      const RowStats<T> st = row_stats(xr, C);
      T psum = 0;
#pragma omp simd reduction(+ : psum)
      for (int64_t c = 0; c < C; ++c) psum += pr[c];
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) orow[c] = scale * (math::fexp((xr[c] - st.m) - st.log_s) * psum - pr[c]);
    });
  });
}

}  // namespace autost::kernels::cpu
