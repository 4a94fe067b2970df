// Differentiable conv2d, max_pool2d and avg_pool2d. conv2d saves its input (as bytes when it holds
// spikes: saved_compact) and weight, each only when the other's gradient is wanted; max pooling
// saves just the argmax, as a uint8 position inside its window (1 byte per output; the int64 flat
// index only for windows over 256 elements); average pooling saves nothing but shapes.
#include "autograd/ops.h"

namespace autost {
namespace {

class Conv2dBackward : public Node {
 public:
  Conv2dBackward(Tensor x, Tensor w, Shape x_shape, Shape w_shape, kernels::Conv2dParams p)
      : x_(std::move(x)), w_(std::move(w)), x_shape_(std::move(x_shape)), w_shape_(std::move(w_shape)), p_(p) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor gx, gw, gb;
    if (wants_grad(*this, 0)) gx = kernels::conv2d_backward_input(g[0], w_, x_shape_, p_);
    if (wants_grad(*this, 1))
      gw = kernels::conv2d_backward_weight(g[0], unpack_saved(x_, g[0].dtype()), w_shape_, p_);
    if (wants_grad(*this, 2)) gb = kernels::conv2d_backward_bias(g[0]);
    return {gx, gw, gb};
  }
  std::string name() const override { return "conv2d_backward"; }
  void release_saved() override { x_ = w_ = Tensor(); }

 private:
  Tensor x_, w_;
  Shape x_shape_, w_shape_;
  kernels::Conv2dParams p_;
};

class MaxPool2dBackward : public Node {
 public:
  // indices: uint8 window offsets or int64 flat indices (kernels::max_pool2d_backward takes both).
  MaxPool2dBackward(Tensor indices, Shape x_shape, kernels::Pool2dParams p)
      : indices_(std::move(indices)), x_shape_(std::move(x_shape)), p_(p) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::max_pool2d_backward(g[0], indices_, x_shape_, p_)};
  }
  std::string name() const override { return "max_pool2d_backward"; }
  void release_saved() override { indices_ = Tensor(); }

 private:
  Tensor indices_;
  Shape x_shape_;
  kernels::Pool2dParams p_;
};

class AvgPool2dBackward : public Node {
 public:
  AvgPool2dBackward(Shape x_shape, kernels::Pool2dParams p) : x_shape_(std::move(x_shape)), p_(p) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::avg_pool2d_backward(g[0], x_shape_, p_)};
  }
  std::string name() const override { return "avg_pool2d_backward"; }

 private:
  Shape x_shape_;
  kernels::Pool2dParams p_;
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation) {
  kernels::Conv2dParams p{stride, padding, dilation};
  Tensor y = kernels::conv2d(x, w, bias, p);
  if (needs_grad({&x, &w, &bias})) {
    const bool gx = x.requires_grad(), gw = w.requires_grad();
    set_history(y, make_node<Conv2dBackward>({x, w, bias}, gw ? saved_compact(x) : Tensor(), gx ? saved(w) : Tensor(),
                                             x.shape(), w.shape(), p));
  }
  return y;
}

Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode) {
  kernels::Pool2dParams p{kernel, stride, padding, ceil_mode, true};
  // Window offsets give backward the same argmax in an eighth of the memory of flat indices.
  auto [y, argmax] = kernels::max_pool2d_offsets_fit(p) ? kernels::max_pool2d_with_offsets(x, p)
                                                        : kernels::max_pool2d(x, p);
  if (needs_grad({&x})) set_history(y, make_node<MaxPool2dBackward>({x}, argmax, x.shape(), p));
  return y;
}

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode, bool count_include_pad) {
  kernels::Pool2dParams p{kernel, stride, padding, ceil_mode, count_include_pad};
  Tensor y = kernels::avg_pool2d(x, p);
  if (needs_grad({&x})) set_history(y, make_node<AvgPool2dBackward>({x}, x.shape(), p));
  return y;
}

}  // namespace autost
