#include "tensor/tensor.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "tensor/copy.h"

namespace autost {

std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& shape) {
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  return os << ']';
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  bool overflow = false;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    // Only a zero-element shape (say [2^40, 2^40, 0]) gets here with a product past 64 bits
    // (empty() refuses the others); its strides are never used to address memory, so 0 will do.
    strides[i] = overflow ? 0 : s;
    if (i > 0) overflow = __builtin_mul_overflow(s, std::max<int64_t>(shape[i], 1), &s) || overflow;
  }
  return strides;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

int64_t Tensor::wrap_dim(int64_t d, const char* op) const {
  // A 0-d tensor accepts dims 0 and -1, like torch (it wraps as if it had one dim).
  int64_t n = std::max<int64_t>(dim(), 1);
  int64_t w = d < 0 ? d + n : d;
  AUTOST_CHECK(w >= 0 && w < n, op, ": dimension ", d,
               " out of range for a tensor of shape ", shape());
  return w;
}

// wrap_dim accepts dim 0 of a 0-d tensor (reductions over it are valid), but it has no size.
int64_t Tensor::size(int64_t d) const {
  AUTOST_CHECK(dim() > 0, "size: dimension ", d, " out of range for a 0-d tensor");
  return shape()[wrap_dim(d, "size")];
}
int64_t Tensor::stride(int64_t d) const {
  AUTOST_CHECK(dim() > 0, "stride: dimension ", d, " out of range for a 0-d tensor");
  return strides()[wrap_dim(d, "stride")];
}

bool Tensor::is_contiguous() const {
  const auto* t = checked();
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(t->shape.size()) - 1; i >= 0; --i) {
    if (t->shape[i] == 1) continue;
    if (t->strides[i] != expected) return false;
    expected *= t->shape[i];
  }
  return true;
}

void* Tensor::data_ptr() const {
  const auto* t = checked();
  return static_cast<char*>(t->storage->data()) + t->offset * static_cast<int64_t>(itemsize(t->dtype));
}

double Tensor::item() const {
  AUTOST_CHECK(numel() == 1, "item(): tensor of shape ", shape(), " has ", numel(), " elements, expected 1");
  Tensor c = raw_to_dtype(raw_to_device(*this, Device::cpu()), kFloat64);
  return *static_cast<double*>(c.data_ptr());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = raw_contiguous(raw_to_dtype(raw_to_device(*this, Device::cpu()), dtype_of<T>::value));
  const T* p = static_cast<const T*>(c.data_ptr());
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

namespace {

// PyTorch-like nested printing; long dimensions are summarised with "..." around 3 edge items.
void print_rec(std::ostream& os, const std::vector<double>& v, const Shape& shape, const Shape& strides,
               size_t d, int64_t base, bool integral, int indent) {
  if (shape.empty()) {
    os << v[base];
    return;
  }
  const bool summarise = shape_numel(shape) > 1000;
  os << '[';
  int64_t n = shape[d];
  for (int64_t i = 0; i < n; ++i) {
    if (summarise && n > 6 && i == 3) {
      os << (d + 1 == shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - 3;
    }
    int64_t off = base + i * strides[d];
    if (d + 1 == shape.size()) {
      if (integral)
        os << static_cast<int64_t>(v[off]);
      else
        os << std::fixed << std::setprecision(4) << v[off];
    } else {
      print_rec(os, v, shape, strides, d + 1, off, integral, indent + 1);
    }
    if (i + 1 < n) os << (d + 1 == shape.size() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << ']';
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> v = to_vector<double>();
  std::ostringstream os;
  os << "tensor(";
  bool integral = !is_floating(dtype());
  if (dim() == 0)
    os << v[0];
  else
    print_rec(os, v, shape(), contiguous_strides(shape()), 0, 0, integral, 7);
  if (dtype() != kFloat32) os << ", dtype=" << dtype_name(dtype());
  if (!device().is_cpu()) os << ", device=" << device().str();
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace autost
