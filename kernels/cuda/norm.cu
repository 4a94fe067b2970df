// CUDA batch and layer normalisation. Statistics: one block per channel (batch norm) or per row
// (layer norm), double accumulators and a fixed shared-memory tree, so results are deterministic.
// Then elementwise kernels apply the per-channel / per-row coefficients, using the same
// kernels/math/norm.h functions as the CPU loops.
#include "kernels/cpu/norm.h"
#include "kernels/math/norm.h"
#include "kernels/cuda/block_reduce.cuh"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

using autost::cuda::blocks_for;
using autost::cuda::kThreads;

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.data_ptr()) : nullptr;
}

unsigned grid_for_rows(int64_t rows) { return static_cast<unsigned>(std::min<int64_t>(rows, 65535 * 8)); }

// Sum of v over the block, returned to every thread. Needs blockDim.x == kThreads (a power of 2).
__device__ double block_sum(double v, double* buf) {
  buf[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s];
    __syncthreads();
  }
  double r = buf[0];
  __syncthreads();  // buf is reused by the next call
  return r;
}

__device__ int64_t channel_elem(const BatchNormGeom& g, int64_t c, int64_t m) {
  return ((m / g.s) * g.c + c) * g.s + m % g.s;
}

template <class T>
__global__ void bn_stats_kernel(const T* x, BatchNormGeom g, T* save_mean, T* save_invstd, T* rm, T* rv,
                                bool training, double momentum, double eps) {
  __shared__ double buf[kThreads];
  const int64_t c = blockIdx.x, count = g.n * g.s;
  if (!training) {
    if (threadIdx.x == 0) {
      save_mean[c] = rm[c];
      save_invstd[c] = static_cast<T>(math::inv_std(static_cast<double>(rv[c]), eps));
    }
    return;
  }
  double acc = 0;
  for (int64_t m = threadIdx.x; m < count; m += blockDim.x) acc += static_cast<double>(x[channel_elem(g, c, m)]);
  const double mean = block_sum(acc, buf) / static_cast<double>(count);
  acc = 0;
  for (int64_t m = threadIdx.x; m < count; m += blockDim.x) {
    double d = static_cast<double>(x[channel_elem(g, c, m)]) - mean;
    acc += d * d;
  }
  const double var = block_sum(acc, buf) / static_cast<double>(count);
  if (threadIdx.x == 0) {
    save_mean[c] = static_cast<T>(mean);
    save_invstd[c] = static_cast<T>(math::inv_std(var, eps));
    if (rm) {
      double rmv = rm[c], rvv = rv[c];
      math::running_update(rmv, rvv, mean, var, static_cast<double>(count), momentum);
      rm[c] = static_cast<T>(rmv);
      rv[c] = static_cast<T>(rvv);
    }
  }
}

template <class T>
__global__ void bn_apply_kernel(T* out, const T* x, BatchNormGeom g, const T* mean, const T* invstd, const T* w,
                                const T* b, int64_t total) {
  AUTOST_GRID_STRIDE_LOOP(e, total) {
    const int64_t c = (e / g.s) % g.c;
    out[e] = math::norm_apply(x[e], mean[c], math::bn_scale(invstd[c], w, c), b ? b[c] : T(0));
  }
}

// Per channel: dw, db, and the three input-gradient coefficients (k_g, k_x, k_c) into `coeff`.
template <class T>
__global__ void bn_backward_reduce_kernel(const T* grad, const T* x, BatchNormGeom g, const T* save_mean,
                                          const T* save_invstd, const T* w, T* dw, T* db, double* coeff,
                                          bool training) {
  __shared__ double buf[kThreads];
  const int64_t c = blockIdx.x, count = g.n * g.s;
  const double mean = save_mean[c];
  double sg = 0, sgx = 0;
  for (int64_t m = threadIdx.x; m < count; m += blockDim.x) {
    const int64_t e = channel_elem(g, c, m);
    const double gv = grad[e];
    sg += gv;
    sgx += gv * (static_cast<double>(x[e]) - mean);
  }
  const double sum_g = block_sum(sg, buf), sum_gxc = block_sum(sgx, buf);
  if (threadIdx.x == 0) {
    const double invstd = save_invstd[c];
    if (dw) dw[c] = static_cast<T>(sum_gxc * invstd);
    if (db) db[c] = static_cast<T>(sum_g);
    math::GradCoeffs k = math::batch_norm_grad_coeffs(invstd, w ? static_cast<double>(w[c]) : 1.0, sum_g, sum_gxc,
                                                      static_cast<double>(count), training);
    coeff[3 * c] = k.k_g;
    coeff[3 * c + 1] = k.k_x;
    coeff[3 * c + 2] = k.k_c;
  }
}

template <class T>
__global__ void bn_backward_apply_kernel(T* dx, const T* grad, const T* x, BatchNormGeom g, const T* save_mean,
                                         const double* coeff, int64_t total) {
  AUTOST_GRID_STRIDE_LOOP(e, total) {
    const int64_t c = (e / g.s) % g.c;
    const T kg = static_cast<T>(coeff[3 * c]), kx = static_cast<T>(coeff[3 * c + 1]);
    const T kc = static_cast<T>(coeff[3 * c + 2]);
    dx[e] = grad[e] * kg + (x[e] - save_mean[c]) * kx + kc;
  }
}

template <class T>
__global__ void ln_forward_kernel(T* out, T* mean, T* rstd, const T* x, const T* w, const T* b, int64_t rows,
                                  int64_t d, double eps) {
  __shared__ double buf[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = x + r * d;
    double acc = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) acc += static_cast<double>(row[i]);
    const double mu = block_sum(acc, buf) / static_cast<double>(d);
    acc = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      double dv = static_cast<double>(row[i]) - mu;
      acc += dv * dv;
    }
    const double var = block_sum(acc, buf) / static_cast<double>(d);
    const T m = static_cast<T>(mu), rs = static_cast<T>(math::inv_std(var, eps));
    if (threadIdx.x == 0) {
      mean[r] = m;
      rstd[r] = rs;
    }
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      T v = (row[i] - m) * rs;
      if (w) v *= w[i];
      if (b) v += b[i];
      out[r * d + i] = v;
    }
  }
}

template <class T>
__global__ void ln_backward_input_kernel(T* dx, const T* grad, const T* x, const T* w, const T* mean, const T* rstd,
                                         int64_t rows, int64_t d) {
  __shared__ double buf[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T *row = x + r * d, *grow = grad + r * d;
    const T m = mean[r], rs = rstd[r];
    double s1 = 0, s2 = 0;
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      const double gw = static_cast<double>(grow[i]) * (w ? static_cast<double>(w[i]) : 1.0);
      s1 += gw;
      s2 += gw * static_cast<double>((row[i] - m) * rs);
    }
    const double sum_gw = block_sum(s1, buf), sum_gw_xhat = block_sum(s2, buf);
    math::RowGradCoeffs k = math::layer_norm_grad_coeffs(rs, sum_gw, sum_gw_xhat, static_cast<double>(d));
    const T a = static_cast<T>(k.a), c = static_cast<T>(k.c);
    for (int64_t i = threadIdx.x; i < d; i += blockDim.x) {
      const T gw = w ? grow[i] * w[i] : grow[i];
      dx[r * d + i] = gw * rs + (row[i] - m) * rs * a + c;
    }
  }
}

// Weight/bias gradients in two deterministic stages: partial column sums over chunks of rows, then
// each column sums its chunks in order.
constexpr int64_t kRowsPerChunk = 64;

template <class T>
__global__ void ln_backward_param_partial_kernel(double* part_w, double* part_b, const T* grad, const T* x,
                                                 const T* mean, const T* rstd, int64_t rows, int64_t d,
                                                 int64_t chunks) {
  AUTOST_GRID_STRIDE_LOOP(t, chunks * d) {
    const int64_t chunk = t / d, i = t % d;
    const int64_t r1 = (chunk + 1) * kRowsPerChunk < rows ? (chunk + 1) * kRowsPerChunk : rows;
    double aw = 0, ab = 0;
    for (int64_t r = chunk * kRowsPerChunk; r < r1; ++r) {
      const double gv = grad[r * d + i];
      aw += gv * static_cast<double>((x[r * d + i] - mean[r]) * rstd[r]);
      ab += gv;
    }
    part_w[t] = aw;
    part_b[t] = ab;
  }
}

template <class T>
__global__ void ln_backward_param_final_kernel(T* dw, T* db, const double* part_w, const double* part_b, int64_t d,
                                               int64_t chunks) {
  AUTOST_GRID_STRIDE_LOOP(i, d) {
    double aw = 0, ab = 0;
    for (int64_t k = 0; k < chunks; ++k) {
      aw += part_w[k * d + i];
      ab += part_b[k * d + i];
    }
    if (dw) dw[i] = static_cast<T>(aw);
    if (db) db[i] = static_cast<T>(ab);
  }
}

}  // namespace

void batch_norm_forward(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                        const Tensor& running_var, const BatchNormGeom& g, bool training, double momentum,
                        double eps) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tt) {
    using T = typename decltype(tt)::type;
    bn_stats_kernel<T><<<row_blocks(g.c), kThreads>>>(ptr<T>(x), g, ptr<T>(save_mean),
                                                                   ptr<T>(save_invstd), ptr<T>(running_mean),
                                                                   ptr<T>(running_var), training, momentum, eps);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
  batch_norm_apply(out, x, weight, bias, save_mean, save_invstd, g);
}

void batch_norm_apply(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Tensor& save_mean, const Tensor& save_invstd, const BatchNormGeom& g) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  const int64_t total = x.numel();
  if (total == 0) return;
  dispatch_floating(x.dtype(), "batch_norm_apply", [&](auto tt) {
    using T = typename decltype(tt)::type;
    bn_apply_kernel<T><<<blocks_for(total), kThreads>>>(ptr<T>(out), ptr<T>(x), g, ptr<T>(save_mean),
                                                        ptr<T>(save_invstd), ptr<T>(weight), ptr<T>(bias), total);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void batch_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& save_mean, const Tensor& save_invstd,
                         const BatchNormGeom& g, bool training) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  Tensor coeff = empty({3 * g.c}, TensorOptions(kFloat64).device(x.device()));
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    bn_backward_reduce_kernel<T><<<row_blocks(g.c), kThreads>>>(
        ptr<T>(grad), ptr<T>(x), g, ptr<T>(save_mean), ptr<T>(save_invstd), ptr<T>(weight), ptr<T>(gw), ptr<T>(gb),
        ptr<double>(coeff), training);
    AUTOST_CUDA_CHECK_LAUNCH();
    const int64_t total = x.numel();
    if (!gx.defined() || total == 0) return;
    bn_backward_apply_kernel<T><<<blocks_for(total), kThreads>>>(ptr<T>(gx), ptr<T>(grad), ptr<T>(x), g,
                                                                 ptr<T>(save_mean), ptr<double>(coeff), total);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void layer_norm_forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, int64_t rows, int64_t d, double eps) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tt) {
    using T = typename decltype(tt)::type;
    ln_forward_kernel<T><<<grid_for_rows(rows), kThreads>>>(ptr<T>(out), ptr<T>(mean), ptr<T>(rstd), ptr<T>(x),
                                                            ptr<T>(weight), ptr<T>(bias), rows, d, eps);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void layer_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& mean, const Tensor& rstd, int64_t rows, int64_t d) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    if (gx.defined()) {
      ln_backward_input_kernel<T><<<grid_for_rows(rows), kThreads>>>(ptr<T>(gx), ptr<T>(grad), ptr<T>(x),
                                                                     ptr<T>(weight), ptr<T>(mean), ptr<T>(rstd), rows,
                                                                     d);
      AUTOST_CUDA_CHECK_LAUNCH();
    }
    if (!gw.defined() && !gb.defined()) return;
    const int64_t chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
    Tensor part = empty({2, chunks, d}, TensorOptions(kFloat64).device(x.device()));
    double* pw = ptr<double>(part);
    double* pb = pw + chunks * d;
    ln_backward_param_partial_kernel<T><<<blocks_for(chunks * d), kThreads>>>(pw, pb, ptr<T>(grad), ptr<T>(x),
                                                                              ptr<T>(mean), ptr<T>(rstd), rows, d,
                                                                              chunks);
    AUTOST_CUDA_CHECK_LAUNCH();
    ln_backward_param_final_kernel<T><<<blocks_for(d), kThreads>>>(ptr<T>(gw), ptr<T>(gb), pw, pb, d, chunks);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
