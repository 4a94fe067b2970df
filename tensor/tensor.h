#pragma once
// Tensor: a handle (shared_ptr) to a TensorImpl, which is a strided view (shape, strides, offset,
// dtype) onto a shared Storage. Copying a Tensor copies the handle; views share the Storage.
//
// Layering: this header declares the whole user-facing Tensor class, but only metadata access is
// defined in tensor/. Member functions that create new tensors (views, copies, conversions) are
// differentiable and are defined in autograd/tensor_methods.cpp; the raw, graph-free versions that
// kernels use live in tensor/view.h and tensor/copy.h.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/storage.h"

namespace autost {

using Shape = std::vector<int64_t>;

struct AutogradMeta;  // autograd/node.h
class Node;           // autograd/node.h
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  int64_t numel = 1;
  DType dtype = kFloat32;
  std::shared_ptr<AutogradMeta> autograd;  // null for tensors that never took part in autograd
};

struct TensorOptions {
  DType dtype_ = kFloat32;
  Device device_ = Device::cpu();
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}          // NOLINT: implicit on purpose, zeros(s, kFloat64)
  TensorOptions(Device d) : device_(d) {}        // NOLINT: zeros(s, Device::cuda())
  TensorOptions& dtype(DType d) { dtype_ = d; return *this; }
  TensorOptions& device(Device d) { device_ = d; return *this; }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata (tensor/) ----
  const Shape& shape() const { return checked()->shape; }
  const Shape& strides() const { return checked()->strides; }
  int64_t dim() const { return static_cast<int64_t>(checked()->shape.size()); }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const { return checked()->numel; }
  int64_t offset() const { return checked()->offset; }
  DType dtype() const { return checked()->dtype; }
  Device device() const { return checked()->storage->device(); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_contiguous() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(dtype()); }
  const std::shared_ptr<Storage>& storage() const { return checked()->storage; }
  // Pointer to the first element of this view (storage base + offset).
  void* data_ptr() const;
  template <class T>
  T* data() const {
    AUTOST_CHECK(dtype_of<T>::value == dtype(), "data<", dtype_name(dtype_of<T>::value),
                 ">() on a tensor of dtype ", dtype_name(dtype()));
    return static_cast<T*>(data_ptr());
  }
  // Wraps a dimension index: -1 is the last dimension. Errors name `op`.
  int64_t wrap_dim(int64_t d, const char* op = "dim") const;

  // ---- differentiable tensor methods (autograd/tensor_methods.cpp) ----
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Device d) const;
  Tensor to(DType d) const;
  Tensor cpu() const { return to(Device::cpu()); }
  Tensor view(const Shape& shape) const;     // must be expressible without a copy
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor detach() const;  // same storage, no history

  // ---- values ----
  double item() const;  // one-element tensors only, any dtype, any device
  template <class T>
  T item() const { return static_cast<T>(item()); }
  template <class T>
  std::vector<T> to_vector() const;  // contiguous CPU copy in logical order, converted to T
  std::string str() const;

  // ---- in-place (never recorded by autograd; refused on tensors that need grad) ----
  Tensor& copy_(const Tensor& src);  // broadcasts src; converts dtype; crosses devices
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }

  // ---- autograd (autograd/tensor_methods.cpp) ----
  bool requires_grad() const;
  Tensor& set_requires_grad(bool r = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward reaches this leaf
  void set_grad(const Tensor& g);
  std::shared_ptr<Node> grad_fn() const;
  // From a one-element tensor when `gradient` is undefined, else with that output gradient.
  void backward(const Tensor& gradient = Tensor()) const;

 private:
  TensorImpl* checked() const {
    AUTOST_CHECK(impl_ != nullptr, "use of an undefined tensor");
    return impl_.get();
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Contiguous row-major strides for a shape.
Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);

// ---- factories (tensor/factory.cpp) ----
Tensor empty(const Shape& shape, TensorOptions opts = {});
Tensor zeros(const Shape& shape, TensorOptions opts = {});
Tensor ones(const Shape& shape, TensorOptions opts = {});
Tensor full(const Shape& shape, double value, TensorOptions opts = {});
Tensor scalar_tensor(double value, TensorOptions opts = {});
// [start, end) by step, like torch.arange; int64 unless opts says otherwise.
Tensor arange(double start, double end, double step = 1.0, TensorOptions opts = TensorOptions(kInt64));
Tensor arange(int64_t end, TensorOptions opts = TensorOptions(kInt64));
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor empty_like(const Tensor& t);
// Builds a CPU tensor from values (converted to opts.dtype), then moves it to opts.device.
Tensor from_vector(const std::vector<double>& values, const Shape& shape, TensorOptions opts = {});
template <class T>
Tensor from_data(const T* values, const Shape& shape, Device device = Device::cpu());

}  // namespace autost
