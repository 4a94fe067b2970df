// CPU batch and layer normalisation. Statistics are two-pass (mean, then squared deviations) with
// double accumulators, so float32 inputs with a large mean still give an accurate variance.
// Batch norm parallelises over channels, layer norm over rows.
#include <algorithm>
#include <vector>

#include "kernels/cpu/norm.h"
#include "kernels/math/norm.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.data_ptr()) : nullptr;
}

// Grain in units of work items that each touch `per_item` elements.
int64_t grain_for(int64_t per_item) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(per_item, 1)); }

// A channel is n runs of s contiguous elements, one run per sample.
// Mean and biased variance of one channel (n runs of s contiguous elements) in one pass: sums of
// x - K and (x - K)^2 around K = the channel's first element, which keeps the subtraction in the
// variance well conditioned (the spread of x around one of its own values, not around zero).
template <class T>
void channel_stats(const T* x, const BatchNormGeom& g, int64_t c, double& mean, double& var) {
  const double K = static_cast<double>(x[c * g.s]);
  double s1 = 0, s2 = 0;
  for (int64_t n = 0; n < g.n; ++n) {
    const T* p = x + (n * g.c + c) * g.s;
#pragma omp simd reduction(+ : s1, s2)
    for (int64_t s = 0; s < g.s; ++s) {
      const double d = static_cast<double>(p[s]) - K;
      s1 += d;
      s2 += d * d;
    }
  }
  const double count = static_cast<double>(g.count()), m1 = s1 / count;
  mean = K + m1;
  var = std::max(0.0, s2 / count - m1 * m1);
}

// The [rows, C] layout (s == 1: BatchNorm1d over token matrices) keeps a channel's values C apart,
// so per-channel loops would stride through memory. Instead rows are cut into fixed chunks, each
// chunk accumulates every channel at once (vectorised along the row), and the chunks' partial
// results are combined in chunk order: one pass over x, and the same bits for any thread count.
constexpr int64_t kRowChunk = 64;

int64_t row_chunks(int64_t rows) { return (rows + kRowChunk - 1) / kRowChunk; }

// Per-channel mean and biased variance of x [rows, C]: each chunk's exact two-pass mean and sum of
// squared deviations (the chunk stays in cache), merged with Chan et al.'s pairwise update.
template <class T>
void row_major_stats(const T* x, int64_t rows, int64_t C, std::vector<double>& mean, std::vector<double>& var) {
  const int64_t chunks = row_chunks(rows);
  std::vector<double> cmean(static_cast<size_t>(chunks * C)), cm2(static_cast<size_t>(chunks * C));
  parallel_for(chunks, grain_for(kRowChunk * C), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t r0 = k * kRowChunk, r1 = std::min(rows, r0 + kRowChunk);
      double *m = cmean.data() + k * C, *m2 = cm2.data() + k * C;
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = x + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) m[c] += static_cast<double>(row[c]);
      }
      const double inv = 1.0 / static_cast<double>(r1 - r0);
      for (int64_t c = 0; c < C; ++c) m[c] *= inv;
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = x + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          double d = static_cast<double>(row[c]) - m[c];
          m2[c] += d * d;
        }
      }
    }
  });
  mean.assign(static_cast<size_t>(C), 0.0);
  var.assign(static_cast<size_t>(C), 0.0);
  std::vector<double> m2(static_cast<size_t>(C), 0.0);
  double n = 0;
  for (int64_t k = 0; k < chunks; ++k) {
    const double nb = static_cast<double>(std::min(rows, (k + 1) * kRowChunk) - k * kRowChunk), tot = n + nb;
    const double *bm = cmean.data() + k * C, *bm2 = cm2.data() + k * C;
    for (int64_t c = 0; c < C; ++c) {
      const double delta = bm[c] - mean[c];
      mean[c] += delta * nb / tot;
      m2[c] += bm2[c] + delta * delta * n * nb / tot;
    }
    n = tot;
  }
  for (int64_t c = 0; c < C; ++c) var[c] = m2[c] / n;
}

// Per-channel sums of g and g * (x - mean) over x, g [rows, C], chunked and combined in order.
template <class T>
void row_major_grad_sums(const T* g, const T* x, const T* mean, int64_t rows, int64_t C, std::vector<double>& sum_g,
                         std::vector<double>& sum_gxc) {
  const int64_t chunks = row_chunks(rows);
  std::vector<double> pg(static_cast<size_t>(chunks * C)), pgx(static_cast<size_t>(chunks * C));
  parallel_for(chunks, grain_for(2 * kRowChunk * C), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t r0 = k * kRowChunk, r1 = std::min(rows, r0 + kRowChunk);
      double *a = pg.data() + k * C, *b = pgx.data() + k * C;
      for (int64_t r = r0; r < r1; ++r) {
        const T *grow = g + r * C, *xrow = x + r * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) {
          const double gv = grow[c];
          a[c] += gv;
          b[c] += gv * (static_cast<double>(xrow[c]) - static_cast<double>(mean[c]));
        }
      }
    }
  });
  sum_g.assign(static_cast<size_t>(C), 0.0);
  sum_gxc.assign(static_cast<size_t>(C), 0.0);
  for (int64_t k = 0; k < chunks; ++k)
    for (int64_t c = 0; c < C; ++c) {
      sum_g[c] += pg[k * C + c];
      sum_gxc[c] += pgx[k * C + c];
    }
}

// out = (x - mean) invstd w + b from per-channel statistics already in sm/si: batch_norm_apply,
// and the [rows, C] forward once it has its statistics (so a recomputed output matches its bits).
template <class T>
void apply_statistics(T* y, const T* xp, const T* w, const T* b, const T* sm, const T* si, const BatchNormGeom& g) {
  // Local copies: the output pointer cannot then alias them, so the row loop vectorises.
  std::vector<T> mean(sm, sm + g.c), scale(static_cast<size_t>(g.c)), shift(static_cast<size_t>(g.c));
  for (int64_t c = 0; c < g.c; ++c) {
    scale[c] = math::bn_scale(si[c], w, c);
    shift[c] = b ? b[c] : T(0);
  }
  // One (n, c) plane of s elements per item; [rows, C] tokens (s == 1) go a row at a time.
  const int64_t per_item = g.s == 1 ? g.c : g.s, items = g.s == 1 ? g.n : g.n * g.c;
  parallel_for(items, grain_for(per_item), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T* xi = xp + i * per_item;
      T* yi = y + i * per_item;
      if (g.s == 1) {
#pragma omp simd
        for (int64_t c = 0; c < g.c; ++c) yi[c] = math::norm_apply(xi[c], mean[c], scale[c], shift[c]);
      } else {
        const int64_t c = i % g.c;
        const T m = mean[c], k = scale[c], sh = shift[c];
#pragma omp simd
        for (int64_t s = 0; s < g.s; ++s) yi[s] = math::norm_apply(xi[s], m, k, sh);
      }
    }
  });
}

}  // namespace

void batch_norm_forward(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                        const Tensor& running_var, const BatchNormGeom& g, bool training, double momentum,
                        double eps) {
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T *xp = ptr<T>(x), *w = ptr<T>(weight), *b = ptr<T>(bias);
    T *y = ptr<T>(out), *sm = ptr<T>(save_mean), *si = ptr<T>(save_invstd);
    T *rm = ptr<T>(running_mean), *rv = ptr<T>(running_var);
    const double count = static_cast<double>(g.count());
    if (g.s == 1) {
      const int64_t C = g.c, rows = g.n;
      std::vector<double> mean, var;
      if (training) row_major_stats(xp, rows, C, mean, var);
      for (int64_t c = 0; c < C; ++c) {
        double mu, invstd;
        if (training) {
          mu = mean[c];
          invstd = math::inv_std(var[c], eps);
          if (rm) {
            double rmv = rm[c], rvv = rv[c];
            math::running_update(rmv, rvv, mean[c], var[c], count, momentum);
            rm[c] = static_cast<T>(rmv);
            rv[c] = static_cast<T>(rvv);
          }
        } else {
          mu = rm[c];
          invstd = math::inv_std(rv[c], eps);
        }
        sm[c] = static_cast<T>(mu);
        si[c] = static_cast<T>(invstd);
      }
      apply_statistics(y, xp, w, b, sm, si, g);
      return;
    }
    parallel_for(g.c, grain_for(g.count()), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double mean, invstd;
        if (training) {
          double var;
          channel_stats(xp, g, c, mean, var);
          invstd = math::inv_std(var, eps);
          if (rm) {
            double m = rm[c], v = rv[c];
            math::running_update(m, v, mean, var, count, momentum);
            rm[c] = static_cast<T>(m);
            rv[c] = static_cast<T>(v);
          }
        } else {
          mean = rm[c];
          invstd = math::inv_std(rv[c], eps);
        }
        sm[c] = static_cast<T>(mean);
        si[c] = static_cast<T>(invstd);
        // From the stored (rounded) statistics, exactly as the CUDA apply kernel computes them.
        const T m = sm[c], scale = math::bn_scale(si[c], w, c);
        const T shift = b ? b[c] : T(0);
        for (int64_t n = 0; n < g.n; ++n) {
          const int64_t base = (n * g.c + c) * g.s;
#pragma omp simd
          for (int64_t s = 0; s < g.s; ++s) y[base + s] = math::norm_apply(xp[base + s], m, scale, shift);
        }
      }
    });
  });
}

void batch_norm_apply(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Tensor& save_mean, const Tensor& save_invstd, const BatchNormGeom& g) {
  dispatch_floating(x.dtype(), "batch_norm_apply", [&](auto tt) {
    using T = typename decltype(tt)::type;
    apply_statistics(ptr<T>(out), ptr<T>(x), ptr<T>(weight), ptr<T>(bias), ptr<T>(save_mean), ptr<T>(save_invstd),
                     g);
  });
}

void batch_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& save_mean, const Tensor& save_invstd,
                         const BatchNormGeom& g, bool training) {
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T *xp = ptr<T>(x), *gp = ptr<T>(grad), *w = ptr<T>(weight);
    const T *sm = ptr<T>(save_mean), *si = ptr<T>(save_invstd);
    T *dx = ptr<T>(gx), *dw = ptr<T>(gw), *db = ptr<T>(gb);
    const double count = static_cast<double>(g.count());
    if (g.s == 1) {
      const int64_t C = g.c, rows = g.n;
      std::vector<double> sum_g, sum_gxc;
      row_major_grad_sums(gp, xp, sm, rows, C, sum_g, sum_gxc);
      std::vector<T> kg(static_cast<size_t>(C)), kx(static_cast<size_t>(C)), kc(static_cast<size_t>(C));
      for (int64_t c = 0; c < C; ++c) {
        if (dw) dw[c] = static_cast<T>(sum_gxc[c] * static_cast<double>(si[c]));
        if (db) db[c] = static_cast<T>(sum_g[c]);
        math::GradCoeffs k = math::batch_norm_grad_coeffs(si[c], w ? double(w[c]) : 1.0, sum_g[c], sum_gxc[c],
                                                          count, training);
        kg[c] = static_cast<T>(k.k_g);
        kx[c] = static_cast<T>(k.k_x);
        kc[c] = static_cast<T>(k.k_c);
      }
      if (!dx) return;
      parallel_for(rows, grain_for(2 * C), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T *gr = gp + r * C, *xr = xp + r * C;
          T* o = dx + r * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) o[c] = gr[c] * kg[c] + (xr[c] - sm[c]) * kx[c] + kc[c];
        }
      });
      return;
    }
    parallel_for(g.c, grain_for(2 * g.count()), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const double mean = sm[c], invstd = si[c];
        double sum_g = 0, sum_gxc = 0;
        for (int64_t n = 0; n < g.n; ++n) {
          const int64_t base = (n * g.c + c) * g.s;
#pragma omp simd reduction(+ : sum_g, sum_gxc)
          for (int64_t s = 0; s < g.s; ++s) {
            double gv = gp[base + s];
            sum_g += gv;
            sum_gxc += gv * (static_cast<double>(xp[base + s]) - mean);
          }
        }
        if (dw) dw[c] = static_cast<T>(sum_gxc * invstd);
        if (db) db[c] = static_cast<T>(sum_g);
        if (!dx) continue;
        math::GradCoeffs k =
            math::batch_norm_grad_coeffs(invstd, w ? double(w[c]) : 1.0, sum_g, sum_gxc, count, training);
        const T m = sm[c], kg = static_cast<T>(k.k_g), kx = static_cast<T>(k.k_x), kc = static_cast<T>(k.k_c);
        for (int64_t n = 0; n < g.n; ++n) {
          const int64_t base = (n * g.c + c) * g.s;
#pragma omp simd
          for (int64_t s = 0; s < g.s; ++s) dx[base + s] = gp[base + s] * kg + (xp[base + s] - m) * kx + kc;
        }
      }
    });
  });
}

void layer_norm_forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, int64_t rows, int64_t d, double eps) {
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T *xp = ptr<T>(x), *w = ptr<T>(weight), *b = ptr<T>(bias);
    T *y = ptr<T>(out), *mp = ptr<T>(mean), *rp = ptr<T>(rstd);
    parallel_for(rows, grain_for(d), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = xp + r * d;
        double sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < d; ++i) sum += static_cast<double>(row[i]);
        const double mu = sum / static_cast<double>(d);
        double sq = 0;
#pragma omp simd reduction(+ : sq)
        for (int64_t i = 0; i < d; ++i) {
          double dv = static_cast<double>(row[i]) - mu;
          sq += dv * dv;
        }
        const T m = static_cast<T>(mu), rs = static_cast<T>(math::inv_std(sq / static_cast<double>(d), eps));
        mp[r] = m;
        rp[r] = rs;
        T* o = y + r * d;
#pragma omp simd
        for (int64_t i = 0; i < d; ++i) {
          T v = (row[i] - m) * rs;
          if (w) v *= w[i];
          if (b) v += b[i];
          o[i] = v;
        }
      }
    });
  });
}

void layer_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& mean, const Tensor& rstd, int64_t rows, int64_t d) {
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T *xp = ptr<T>(x), *gp = ptr<T>(grad), *w = ptr<T>(weight), *mp = ptr<T>(mean), *rp = ptr<T>(rstd);
    T *dx = ptr<T>(gx), *dw = ptr<T>(gw), *db = ptr<T>(gb);
    if (dx) {
      parallel_for(rows, grain_for(2 * d), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const T *row = xp + r * d, *grow = gp + r * d;
          const T m = mp[r], rs = rp[r];
          double sum_gw = 0, sum_gw_xhat = 0;
#pragma omp simd reduction(+ : sum_gw, sum_gw_xhat)
          for (int64_t i = 0; i < d; ++i) {
            double gwv = static_cast<double>(grow[i]) * (w ? static_cast<double>(w[i]) : 1.0);
            sum_gw += gwv;
            sum_gw_xhat += gwv * static_cast<double>((row[i] - m) * rs);
          }
          math::RowGradCoeffs k = math::layer_norm_grad_coeffs(rs, sum_gw, sum_gw_xhat, static_cast<double>(d));
          const T a = static_cast<T>(k.a), c = static_cast<T>(k.c);
          T* o = dx + r * d;
#pragma omp simd
          for (int64_t i = 0; i < d; ++i) {
            T gwv = w ? grow[i] * w[i] : grow[i];
            o[i] = gwv * rs + (row[i] - m) * rs * a + c;
          }
        }
      });
    }
    if (!dw && !db) return;
    // Column sums over rows, one chunk of columns per task: each column is summed in row order by
    // one thread, so the result does not depend on the thread count.
    const int64_t chunk = 256, chunks = (d + chunk - 1) / chunk;
    parallel_for(chunks, grain_for(rows * chunk), [&](int64_t t0, int64_t t1) {
      std::vector<double> acc_w(chunk), acc_b(chunk);
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t i0 = t * chunk, len = std::min(chunk, d - i0);
        std::fill(acc_w.begin(), acc_w.end(), 0.0);
        std::fill(acc_b.begin(), acc_b.end(), 0.0);
        for (int64_t r = 0; r < rows; ++r) {
          const T *row = xp + r * d + i0, *grow = gp + r * d + i0;
          const T m = mp[r], rs = rp[r];
          double *aw = acc_w.data(), *ab = acc_b.data();
#pragma omp simd
          for (int64_t i = 0; i < len; ++i) {
            aw[i] += static_cast<double>(grow[i]) * static_cast<double>((row[i] - m) * rs);
            ab[i] += static_cast<double>(grow[i]);
          }
        }
        for (int64_t i = 0; i < len; ++i) {
          if (dw) dw[i0 + i] = static_cast<T>(acc_w[i]);
          if (db) db[i0 + i] = static_cast<T>(acc_b[i]);
        }
      }
    });
  });
}

}  // namespace autost::kernels::cpu
