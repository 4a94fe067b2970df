#include "tensor/view.h"

#include <algorithm>

namespace autost {

Tensor make_tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->numel = shape_numel(shape);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor as_strided(const Tensor& t, Shape shape, Shape strides, int64_t offset) {
  return make_tensor(t.storage(), std::move(shape), std::move(strides), offset, t.dtype());
}

Tensor raw_byte_shadow(const Tensor& t) {
  const std::shared_ptr<Storage>& bytes = t.storage()->byte_shadow();
  if (!bytes) return Tensor();
  return make_tensor(bytes, t.shape(), t.strides(), t.offset(), kUInt8);
}

Shape infer_shape(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      AUTOST_CHECK(infer < 0, op, ": only one dimension can be -1 in ", shape);
      infer = static_cast<int64_t>(i);
    } else {
      AUTOST_CHECK(out[i] >= 0, op, ": negative size in ", shape);
      known *= out[i];
    }
  }
  if (infer >= 0) {
    AUTOST_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape, " is invalid for ", numel, " elements");
    out[infer] = numel / known;
  }
  AUTOST_CHECK(shape_numel(out) == numel, op, ": shape ", shape, " is invalid for ", numel, " elements");
  return out;
}

// Groups the old dims into chunks that are contiguous among themselves, then lays the new dims over
// those chunks (the rule torch.view uses).
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  Shape out(new_shape.size());
  if (shape_numel(shape) == 0 || shape.empty()) return contiguous_strides(new_shape);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

Tensor raw_view(const Tensor& t, const Shape& shape) {
  Shape s = infer_shape(shape, t.numel(), "view");
  auto st = view_strides(t.shape(), t.strides(), s);
  AUTOST_CHECK(st.has_value(), "view: cannot view a tensor of shape ", t.shape(), " with strides ", t.strides(),
               " as ", s, " without a copy (use reshape)");
  return as_strided(t, s, *st, t.offset());
}

Tensor raw_permute(const Tensor& t, const std::vector<int64_t>& dims) {
  int64_t n = t.dim();
  AUTOST_CHECK(static_cast<int64_t>(dims.size()) == n, "permute: ", dims.size(), " dims given for a tensor of shape ",
               t.shape());
  Shape shape(n), strides(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = t.wrap_dim(dims[i], "permute");
    AUTOST_CHECK(!seen[d], "permute: dimension ", dims[i], " repeated in ", Shape(dims));
    seen[d] = true;
    shape[i] = t.shape()[d];
    strides[i] = t.strides()[d];
  }
  return as_strided(t, shape, strides, t.offset());
}

Tensor raw_transpose(const Tensor& t, int64_t d0, int64_t d1) {
  d0 = t.wrap_dim(d0, "transpose");
  d1 = t.wrap_dim(d1, "transpose");
  if (t.dim() == 0) return t;
  Shape shape = t.shape(), strides = t.strides();
  std::swap(shape[d0], shape[d1]);
  std::swap(strides[d0], strides[d1]);
  return as_strided(t, shape, strides, t.offset());
}

Tensor raw_slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  dim = t.wrap_dim(dim, "slice");
  AUTOST_CHECK(t.dim() > 0, "slice: cannot slice a 0-d tensor");
  AUTOST_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = t.shape()[dim];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape shape = t.shape(), strides = t.strides();
  shape[dim] = (end - start + step - 1) / step;
  strides[dim] *= step;
  return as_strided(t, shape, strides, t.offset() + start * t.strides()[dim]);
}

Tensor raw_expand(const Tensor& t, const Shape& shape) {
  int64_t n = static_cast<int64_t>(shape.size()), m = t.dim();
  AUTOST_CHECK(n >= m, "expand: cannot expand shape ", t.shape(), " to ", shape);
  Shape out_shape(n), out_strides(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t j = i - (n - m);
    int64_t want = shape[i];
    if (j < 0) {
      AUTOST_CHECK(want >= 0, "expand: size -1 not allowed for new leading dimension in ", shape);
      out_shape[i] = want;
      out_strides[i] = 0;
      continue;
    }
    int64_t have = t.shape()[j];
    if (want == -1) want = have;
    AUTOST_CHECK(want >= 0, "expand: negative size in ", shape);
    AUTOST_CHECK(have == want || have == 1, "expand: cannot expand shape ", t.shape(), " to ", shape);
    out_shape[i] = want;
    out_strides[i] = (have == want) ? t.strides()[j] : 0;
  }
  return as_strided(t, out_shape, out_strides, t.offset());
}

Tensor raw_squeeze(const Tensor& t, std::optional<int64_t> dim) {
  Shape shape, strides;
  int64_t only = dim ? t.wrap_dim(*dim, "squeeze") : -1;
  for (int64_t i = 0; i < t.dim(); ++i) {
    bool drop = t.shape()[i] == 1 && (only < 0 || i == only);
    if (!drop) {
      shape.push_back(t.shape()[i]);
      strides.push_back(t.strides()[i]);
    }
  }
  return as_strided(t, shape, strides, t.offset());
}

Tensor raw_unsqueeze(const Tensor& t, int64_t dim) {
  int64_t n = t.dim() + 1;
  AUTOST_CHECK(dim >= -n && dim < n, "unsqueeze: dimension ", dim, " out of range for shape ", t.shape());
  if (dim < 0) dim += n;
  Shape shape = t.shape(), strides = t.strides();
  int64_t st = dim < t.dim() ? t.strides()[dim] * t.shape()[dim] : 1;
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, st);
  return as_strided(t, shape, strides, t.offset());
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    AUTOST_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b, " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace autost
