// CPU index_select and gather with their scatter-add backwards. The backwards give every
// destination element to exactly one thread, which adds its contributions in index order, so
// repeated indices sum deterministically whatever the thread count.
#include <algorithm>

#include "kernels/cpu/index.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {

bool index_in_range(const Tensor& index, int64_t size) {
  const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
  bool ok = true;
  for (int64_t i = 0, n = index.numel(); i < n; ++i) ok &= ip[i] >= 0 && ip[i] < size;
  return ok;
}

void index_select(const Tensor& out, const Tensor& x, const Tensor& index, int64_t outer, int64_t size,
                  int64_t inner) {
  dispatch_bytes(x.dtype(), "index_select", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = static_cast<const T*>(x.data_ptr());
    const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const int64_t k = index.numel();
    parallel_for(outer * k, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(inner, 1)),
                 [&](int64_t r0, int64_t r1) {
                   for (int64_t r = r0; r < r1; ++r) {
                     const int64_t o = r / k, j = r % k;
                     const T* src = xp + (o * size + ip[j]) * inner;
                     std::copy(src, src + inner, y + r * inner);
                   }
                 });
  });
}

void index_select_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, int64_t outer, int64_t size,
                           int64_t inner) {
  dispatch_floating(grad.dtype(), "index_select_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* g = static_cast<const T*>(grad.data_ptr());
    const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
    T* dx = static_cast<T*>(gx.data_ptr());
    const int64_t k = index.numel();
    // Tasks are (outer row, chunk of inner columns); each walks the index in order.
    const int64_t chunk = 1024, chunks = (inner + chunk - 1) / chunk;
    parallel_for(outer * chunks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(k * chunk, 1)),
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t t = t0; t < t1; ++t) {
                     const int64_t o = t / chunks, i0 = (t % chunks) * chunk, i1 = std::min(inner, i0 + chunk);
                     for (int64_t j = 0; j < k; ++j) {
                       T* dst = dx + (o * size + ip[j]) * inner;
                       const T* src = g + (o * k + j) * inner;
#pragma omp simd
                       for (int64_t i = i0; i < i1; ++i) dst[i] += src[i];
                     }
                   }
                 });
  });
}

void gather(const Tensor& out, const Tensor& x, const Tensor& index, const math::GatherGeom& geom) {
  dispatch_bytes(x.dtype(), "gather", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = static_cast<const T*>(x.data_ptr());
    const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    const int64_t step = geom.x_strides[geom.dim];
    parallel_for(geom.lines, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(geom.len, 1)),
                 [&](int64_t l0, int64_t l1) {
                   for (int64_t l = l0; l < l1; ++l) {
                     const T* base = xp + geom.line_base(l);
                     for (int64_t j = 0; j < geom.len; ++j) {
                       const int64_t e = geom.index_offset(l, j);
                       y[e] = base[ip[e] * step];
                     }
                   }
                 });
  });
}

void gather_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, const math::GatherGeom& geom) {
  dispatch_floating(grad.dtype(), "gather_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* g = static_cast<const T*>(grad.data_ptr());
    const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
    T* dx = static_cast<T*>(gx.data_ptr());
    const int64_t step = geom.x_strides[geom.dim];
    parallel_for(geom.lines, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(geom.len, 1)),
                 [&](int64_t l0, int64_t l1) {
                   for (int64_t l = l0; l < l1; ++l) {
                     T* base = dx + geom.line_base(l);
                     for (int64_t j = 0; j < geom.len; ++j) {
                       const int64_t e = geom.index_offset(l, j);
                       base[ip[e] * step] += g[e];
                     }
                   }
                 });
  });
}

}  // namespace autost::kernels::cpu
