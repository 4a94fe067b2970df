#include <algorithm>
#include <cmath>

#include "tensor/copy.h"
#include "tensor/tensor.h"
#include "tensor/view.h"

namespace autost {

Tensor empty(const Shape& shape, TensorOptions opts) {
  for (int64_t s : shape) AUTOST_CHECK(s >= 0, "empty: negative size in shape ", shape);
  // A wrapped element or byte count would give a tensor whose shape claims more than its storage.
  int64_t numel = 1, nbytes = 0;
  bool overflow = false;
  for (int64_t s : shape) overflow = __builtin_mul_overflow(numel, s, &numel) || overflow;
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) overflow = false, numel = 0;
  overflow = __builtin_mul_overflow(numel, static_cast<int64_t>(itemsize(opts.dtype_)), &nbytes) || overflow;
  AUTOST_CHECK(!overflow, "empty: the size of shape ", shape, " overflows 64 bits");
  auto storage = std::make_shared<Storage>(static_cast<size_t>(nbytes), opts.device_);
  return make_tensor(std::move(storage), shape, contiguous_strides(shape), 0, opts.dtype_);
}

Tensor full(const Shape& shape, double value, TensorOptions opts) {
  Tensor t = empty(shape, opts);
  raw_fill(t, value);
  return t;
}

Tensor zeros(const Shape& shape, TensorOptions opts) { return full(shape, 0.0, opts); }
Tensor ones(const Shape& shape, TensorOptions opts) { return full(shape, 1.0, opts); }
Tensor scalar_tensor(double value, TensorOptions opts) { return full({}, value, opts); }

static TensorOptions options_of(const Tensor& t) { return TensorOptions(t.dtype()).device(t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), options_of(t)); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), options_of(t)); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), options_of(t)); }

Tensor arange(double start, double end, double step, TensorOptions opts) {
  AUTOST_CHECK(step != 0, "arange: step must be non-zero");
  AUTOST_CHECK(std::isfinite(start) && std::isfinite(end), "arange: bounds must be finite");
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  if (n < 0) n = 0;
  Tensor cpu = empty({n}, TensorOptions(kFloat64));
  double* p = cpu.data<double>();
  for (int64_t i = 0; i < n; ++i) p[i] = start + static_cast<double>(i) * step;
  return raw_to_device(raw_to_dtype(cpu, opts.dtype_), opts.device_);
}

Tensor arange(int64_t end, TensorOptions opts) { return arange(0.0, static_cast<double>(end), 1.0, opts); }

Tensor from_vector(const std::vector<double>& values, const Shape& shape, TensorOptions opts) {
  AUTOST_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
               " values do not fill shape ", shape);
  Tensor cpu = empty(shape, TensorOptions(kFloat64));
  std::copy(values.begin(), values.end(), cpu.data<double>());
  return raw_to_device(raw_to_dtype(cpu, opts.dtype_), opts.device_);
}

template <class T>
Tensor from_data(const T* values, const Shape& shape, Device device) {
  Tensor cpu = empty(shape, TensorOptions(dtype_of<T>::value));
  std::copy(values, values + cpu.numel(), cpu.data<T>());
  return raw_to_device(cpu, device);
}
template Tensor from_data<float>(const float*, const Shape&, Device);
template Tensor from_data<double>(const double*, const Shape&, Device);
template Tensor from_data<int32_t>(const int32_t*, const Shape&, Device);
template Tensor from_data<int64_t>(const int64_t*, const Shape&, Device);
template Tensor from_data<uint8_t>(const uint8_t*, const Shape&, Device);

}  // namespace autost
