// CPU matmul. float32 goes to oneDNN's sgemm (row-major, transposes passed as flags); float64 is a
// plain i-k-j loop, which is what gradchecks need (exact and simple, not fast).
#include "kernels/cpu/matmul.h"

#include <oneapi/dnnl/dnnl.h>

#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

// One matrix of a batch: C (M x N, ldc = N) = op(A) op(B).
struct GemmArgs {
  bool ta, tb;
  int64_t M, N, K, lda, ldb;
};

void sgemm(const GemmArgs& g, const float* A, const float* B, float* C) {
  dnnl_status_t st = dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.M, g.N, g.K, 1.0f, A, g.lda, B, g.ldb, 0.0f, C,
                                g.N);
  AUTOST_CHECK(st == dnnl_success, "matmul: dnnl_sgemm failed with status ", static_cast<int>(st), " (M=", g.M,
               ", N=", g.N, ", K=", g.K, ")");
}

// Rows [r0, r1) of one float64 product. The inner loop runs along a unit-stride row wherever the
// layout allows, so it vectorises.
void dgemm_rows(const GemmArgs& g, const double* A, const double* B, double* C, int64_t r0, int64_t r1) {
  for (int64_t i = r0; i < r1; ++i) {
    double* c = C + i * g.N;
    if (g.tb && !g.ta) {  // B stored [N, K]: each c[j] is a dot of two unit-stride rows
      const double* a = A + i * g.lda;
      for (int64_t j = 0; j < g.N; ++j) {
        const double* b = B + j * g.ldb;
        double acc = 0;
        for (int64_t k = 0; k < g.K; ++k) acc += a[k] * b[k];
        c[j] = acc;
      }
      continue;
    }
    for (int64_t j = 0; j < g.N; ++j) c[j] = 0;
    for (int64_t k = 0; k < g.K; ++k) {
      const double aik = g.ta ? A[k * g.lda + i] : A[i * g.lda + k];
      if (g.tb) {
        for (int64_t j = 0; j < g.N; ++j) c[j] += aik * B[j * g.ldb + k];
      } else {
        const double* b = B + k * g.ldb;
        for (int64_t j = 0; j < g.N; ++j) c[j] += aik * b[j];
      }
    }
  }
}

}  // namespace

void matmul(const Tensor& out, const MatmulPlan& p) {
  const GemmArgs g{p.a.trans, p.b.trans, p.M, p.N, p.K, p.a.ld, p.b.ld};
  const int64_t runs = static_cast<int64_t>(p.outer_a.size());
  const int64_t total = runs * p.count;
  const int64_t mat = p.M * p.N;
  auto a_at = [&](int64_t i) { return p.outer_a[i / p.count] + (i % p.count) * p.stride_a; };
  auto b_at = [&](int64_t i) { return p.outer_b[i / p.count] + (i % p.count) * p.stride_b; };
  if (out.dtype() == kFloat32) {
    const float* A = static_cast<const float*>(p.a.t.data_ptr());
    const float* B = static_cast<const float*>(p.b.t.data_ptr());
    float* C = static_cast<float*>(out.data_ptr());
    // Small matrices (attention heads) gain more from one thread per matrix than from sgemm's own
    // threading; sgemm runs single-threaded inside an OpenMP parallel region.
    const bool small = static_cast<double>(p.M) * p.N * p.K < 1 << 21;
    if (small && total >= num_threads() && num_threads() > 1) {
      parallel_for(total, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) sgemm(g, A + a_at(i), B + b_at(i), C + i * mat);
      });
    } else {
      for (int64_t i = 0; i < total; ++i) sgemm(g, A + a_at(i), B + b_at(i), C + i * mat);
    }
    return;
  }
  AUTOST_CHECK(out.dtype() == kFloat64, "matmul: dtype ", dtype_name(out.dtype()), " not supported");
  const double* A = static_cast<const double*>(p.a.t.data_ptr());
  const double* B = static_cast<const double*>(p.b.t.data_ptr());
  double* C = static_cast<double*>(out.data_ptr());
  // Parallel over every output row of every matrix; a chunk may span matrices.
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.N * p.K));
  parallel_for(total * p.M, grain, [&](int64_t r0, int64_t r1) {
    while (r0 < r1) {
      const int64_t i = r0 / p.M, row = r0 % p.M;
      const int64_t end = std::min(r1 - r0 + row, p.M);
      dgemm_rows(g, A + a_at(i), B + b_at(i), C + i * mat, row, end);
      r0 += end - row;
    }
  });
}

}  // namespace autost::kernels::cpu
