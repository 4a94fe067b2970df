#include "tensor/copy.h"

#include <cstring>

#include "tensor/convert.h"
#include "tensor/cuda_check.h"
#include "tensor/parallel.h"
#include "tensor/strided.h"
#include "tensor/view.h"

namespace autost {

CopyPlan make_copy_plan(const Tensor& dst, const Tensor& src) {
  CopyPlan p;
  // Drop size-1 dims, then merge neighbours that are contiguous with each other in both operands.
  for (int64_t d = 0; d < dst.dim(); ++d) {
    if (dst.shape()[d] == 1) continue;
    int n = p.ndim;
    if (n > 0 && p.dst_strides[n - 1] == dst.strides()[d] * dst.shape()[d] &&
        p.src_strides[n - 1] == src.strides()[d] * dst.shape()[d]) {
      p.sizes[n - 1] *= dst.shape()[d];
      p.dst_strides[n - 1] = dst.strides()[d];
      p.src_strides[n - 1] = src.strides()[d];
      continue;
    }
    AUTOST_CHECK(n < kMaxDims, "copy: more than ", kMaxDims, " non-mergeable dimensions");
    p.sizes[n] = dst.shape()[d];
    p.dst_strides[n] = dst.strides()[d];
    p.src_strides[n] = src.strides()[d];
    p.ndim = n + 1;
  }
  if (p.ndim == 0) {  // a single element
    p.ndim = 1;
    p.sizes[0] = 1;
    p.dst_strides[0] = p.src_strides[0] = 1;
  }
  return p;
}

namespace {

template <class D, class S>
void copy_loop(D* dst, const S* src, const CopyPlan& p) {
  int64_t inner = p.sizes[p.ndim - 1];
  int64_t ds = p.dst_strides[p.ndim - 1], ss = p.src_strides[p.ndim - 1];
  OffsetCalc<2> outer;
  outer.ndim = p.ndim - 1;
  int64_t rows = 1;
  for (int d = 0; d < p.ndim - 1; ++d) {
    outer.sizes[d] = p.sizes[d];
    outer.strides[0][d] = p.dst_strides[d];
    outer.strides[1][d] = p.src_strides[d];
    rows *= p.sizes[d];
  }
  int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(inner, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t off[2];
      outer.get(r, off);
      D* d = dst + off[0];
      const S* s = src + off[1];
      if (ds == 1 && ss == 1) {
        if constexpr (std::is_same_v<D, S>) {
          std::memcpy(d, s, sizeof(D) * inner);
        } else {
          for (int64_t i = 0; i < inner; ++i) d[i] = convert_value<D>(s[i]);
        }
      } else {
        for (int64_t i = 0; i < inner; ++i) d[i * ds] = convert_value<D>(s[i * ss]);
      }
    }
  });
}

}  // namespace

void strided_copy_cpu(const Tensor& dst, const Tensor& src) {
  CopyPlan p = make_copy_plan(dst, src);
  dispatch_all(dst.dtype(), "copy", [&](auto dt) {
    using D = typename decltype(dt)::type;
    dispatch_all(src.dtype(), "copy", [&](auto st) {
      using S = typename decltype(st)::type;
      copy_loop(static_cast<D*>(dst.data_ptr()), static_cast<const S*>(src.data_ptr()), p);
    });
  });
}

#ifndef AUTOST_WITH_CUDA
void strided_copy_cuda(const Tensor&, const Tensor&) { AUTOST_FAIL("copy: autost was built without CUDA"); }
void fill_cuda(const Tensor&, double) { AUTOST_FAIL("fill: autost was built without CUDA"); }
#endif

namespace {

// Whether two indices of t reach one element (a stride-0 dim of size > 1, as expand makes): writing
// through such a view would race between threads and leave one arbitrary value.
bool has_internal_overlap(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.shape()[d] > 1 && t.strides()[d] == 0) return true;
  return false;
}

// Whether the element ranges of a and b (non-empty, strides >= 0) share storage and intersect.
bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage()) return false;
  auto last = [](const Tensor& t) {
    int64_t end = t.offset();
    for (int64_t d = 0; d < t.dim(); ++d) end += (t.shape()[d] - 1) * t.strides()[d];
    return end;
  };
  return a.offset() <= last(b) && b.offset() <= last(a);
}

// Bytes of a contiguous tensor between devices (at least one side is CUDA).
void memcpy_across(const Tensor& dst, const Tensor& src) {
#ifdef AUTOST_WITH_CUDA
  cudaMemcpyKind kind = src.is_cuda() ? (dst.is_cuda() ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost)
                                      : cudaMemcpyHostToDevice;
  AUTOST_CUDA_CHECK(cudaMemcpy(dst.data_ptr(), src.data_ptr(), dst.nbytes(), kind));
#else
  (void)dst;
  (void)src;
  AUTOST_FAIL("copy between ", src.device(), " and ", dst.device(), ": autost was built without CUDA");
#endif
}

}  // namespace

void copy_into(const Tensor& dst, const Tensor& src) {
  dst.impl()->storage->drop_byte_shadow();  // the values change: their byte copy is stale
  Tensor s = src;
  if (s.shape() != dst.shape()) s = raw_expand(s, dst.shape());
  if (dst.numel() == 0) return;
  AUTOST_CHECK(!has_internal_overlap(dst), "copy/fill: the destination of shape ", dst.shape(), " with strides ",
               dst.strides(), " has overlapping elements (an expanded view); write into a real tensor instead");
  if (may_overlap(dst, s)) {
    if (dst.offset() == s.offset() && dst.strides() == s.strides() && dst.dtype() == s.dtype()) return;
    s = raw_clone(s);  // read the source as it was before any element is written
  }
  if (s.device() == dst.device()) {
    if (dst.is_cuda())
      strided_copy_cuda(dst, s);
    else
      strided_copy_cpu(dst, s);
    return;
  }
  // Across devices: convert and compact on the source side, move the bytes, scatter on the target.
  Tensor staged = raw_contiguous(raw_to_dtype(s, dst.dtype()));
  if (dst.is_contiguous()) {
    memcpy_across(dst, staged);
    return;
  }
  Tensor landed = empty(dst.shape(), TensorOptions(dst.dtype()).device(dst.device()));
  memcpy_across(landed, staged);
  copy_into(dst, landed);
}

Tensor raw_clone(const Tensor& t) {
  Tensor out = empty(t.shape(), TensorOptions(t.dtype()).device(t.device()));
  copy_into(out, t);
  return out;
}

Tensor raw_contiguous(const Tensor& t) { return t.is_contiguous() ? t : raw_clone(t); }

Tensor raw_to_device(const Tensor& t, Device d) {
  if (t.device() == d) return t;
  Tensor out = empty(t.shape(), TensorOptions(t.dtype()).device(d));
  copy_into(out, t);
  return out;
}

Tensor raw_to_dtype(const Tensor& t, DType d) {
  if (t.dtype() == d) return t;
  Tensor out = empty(t.shape(), TensorOptions(d).device(t.device()));
  copy_into(out, t);
  return out;
}

void raw_fill(const Tensor& t, double value) {
  if (t.numel() == 0) return;
  t.impl()->storage->drop_byte_shadow();
  if (t.is_cuda()) {
    if (t.is_contiguous()) {
      fill_cuda(t, value);
    } else {
      copy_into(t, full({}, value, TensorOptions(t.dtype()).device(t.device())));
    }
    return;
  }
  dispatch_all(t.dtype(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    if constexpr (std::is_same_v<T, bfloat16>)
      v = bfloat16(static_cast<float>(value));
    else
      v = static_cast<T>(value);
    if (t.is_contiguous()) {
      T* p = static_cast<T*>(t.data_ptr());
      parallel_for(t.numel(), kGrainElementwise, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
    } else {
      Tensor one = empty({}, TensorOptions(t.dtype()));
      *static_cast<T*>(one.data_ptr()) = v;
      copy_into(t, one);
    }
  });
}

}  // namespace autost
