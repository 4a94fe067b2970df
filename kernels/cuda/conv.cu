// CUDA conv2d through cuDNN's legacy API. Algorithms come from cuDNN's heuristics (the _v7 queries)
// once per shape and are cached; workspaces come from the caching allocator. Math is restricted to
// FMA kernels so float32 never silently becomes TF32 and matches the CPU to fp32 rounding.
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cpu/conv.h"
#include "kernels/cuda/cudnn_check.h"
#include "tensor/cuda_check.h"

namespace autost::kernels::cuda {
namespace {

struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc(cudnnDataType_t t, int n, int c, int h, int w) {
    AUTOST_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
    AUTOST_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, t, n, c, h, w));
  }
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc(cudnnDataType_t t, int o, int c, int h, int w) {
    AUTOST_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d));
    AUTOST_CUDNN_CHECK(cudnnSetFilter4dDescriptor(d, t, CUDNN_TENSOR_NCHW, o, c, h, w));
  }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc(cudnnDataType_t t, const Conv2dParams& p) {
    AUTOST_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
    AUTOST_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        d, static_cast<int>(p.padding[0]), static_cast<int>(p.padding[1]), static_cast<int>(p.stride[0]),
        static_cast<int>(p.stride[1]), static_cast<int>(p.dilation[0]), static_cast<int>(p.dilation[1]),
        CUDNN_CROSS_CORRELATION, t));
    AUTOST_CUDNN_CHECK(cudnnSetConvolutionMathType(d, CUDNN_FMA_MATH));
  }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

int to_int(int64_t v) {
  AUTOST_CHECK(v <= INT32_MAX, "conv2d: size ", v, " exceeds cuDNN's int range");
  return static_cast<int>(v);
}

// Everything one call needs: descriptors for x, w, y and the convolution.
struct Problem {
  cudnnDataType_t type;
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
  Problem(DType dt, const Shape& xs, const Shape& ws, const Shape& ys, const Conv2dParams& p)
      : type(dt == kFloat64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT),
        x(type, to_int(xs[0]), to_int(xs[1]), to_int(xs[2]), to_int(xs[3])),
        y(type, to_int(ys[0]), to_int(ys[1]), to_int(ys[2]), to_int(ys[3])),
        w(type, to_int(ws[0]), to_int(ws[1]), to_int(ws[2]), to_int(ws[3])),
        conv(type, p) {}
};

enum class Dir { Forward, Data, Filter };
using Key = std::tuple<int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t>;

Key key_of(Dir dir, int dev, DType dt, const Shape& x, const Shape& w, const Conv2dParams& p) {
  return {static_cast<int>(dir), dev, static_cast<int>(dt), x[0], x[1], x[2], x[3], w[0], w[2], w[3], p.stride[0],
          p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]};
}

// The first algorithm cuDNN's heuristics rank as usable and deterministic (some backward-filter
// and backward-data algorithms sum with atomics, so a seeded run would not repeat), remembered per
// problem. Only when no deterministic one is usable does a non-deterministic one serve.
template <class Perf, class Query>
int pick(const Key& key, const char* op, Query query) {
  static std::map<Key, int> chosen;
  static std::mutex mu;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = chosen.find(key);
    if (it != chosen.end()) return it->second;
  }
  Perf perf[16];
  int returned = 0;
  AUTOST_CUDNN_CHECK(query(16, &returned, perf));
  for (bool need_deterministic : {true, false}) {
    for (int i = 0; i < returned; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS) continue;
      if (need_deterministic && perf[i].determinism != CUDNN_DETERMINISTIC) continue;
      std::lock_guard<std::mutex> lock(mu);
      chosen[key] = static_cast<int>(perf[i].algo);
      return static_cast<int>(perf[i].algo);
    }
  }
  AUTOST_FAIL(op, ": cuDNN found no usable algorithm");
}

Tensor workspace(size_t bytes, Device dev) {
  return bytes == 0 ? Tensor() : empty({static_cast<int64_t>(bytes)}, TensorOptions(kUInt8).device(dev));
}
void* ptr(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

template <class F>
void with_scalars(DType dt, F&& f) {
  // cuDNN reads alpha/beta as double for double data, float otherwise.
  if (dt == kFloat64) {
    double one = 1, zero = 0;
    f(static_cast<const void*>(&one), static_cast<const void*>(&zero));
  } else {
    float one = 1, zero = 0;
    f(static_cast<const void*>(&one), static_cast<const void*>(&zero));
  }
}

}  // namespace

void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  const int dev = x.device().index;
  AUTOST_CUDA_CHECK(cudaSetDevice(dev));
  cudnnHandle_t h = cudnn_handle(dev);
  Problem pr(x.dtype(), x.shape(), w.shape(), y.shape(), p);
  auto algo = static_cast<cudnnConvolutionFwdAlgo_t>(
      pick<cudnnConvolutionFwdAlgoPerf_t>(key_of(Dir::Forward, dev, x.dtype(), x.shape(), w.shape(), p), "conv2d",
                                          [&](int n, int* got, cudnnConvolutionFwdAlgoPerf_t* perf) {
                                            return cudnnGetConvolutionForwardAlgorithm_v7(
                                                h, pr.x.d, pr.w.d, pr.conv.d, pr.y.d, n, got, perf);
                                          }));
  size_t bytes = 0;
  AUTOST_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(h, pr.x.d, pr.w.d, pr.conv.d, pr.y.d, algo, &bytes));
  Tensor ws = workspace(bytes, x.device());
  with_scalars(x.dtype(), [&](const void* one, const void* zero) {
    AUTOST_CUDNN_CHECK(cudnnConvolutionForward(h, one, pr.x.d, x.data_ptr(), pr.w.d, w.data_ptr(), pr.conv.d, algo,
                                               ptr(ws), bytes, zero, pr.y.d, y.data_ptr()));
    if (bias.defined()) {
      TensorDesc bd(pr.type, 1, to_int(w.size(0)), 1, 1);
      AUTOST_CUDNN_CHECK(cudnnAddTensor(h, one, bd.d, bias.data_ptr(), one, pr.y.d, y.data_ptr()));
    }
  });
}

void conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p) {
  const int dev = gx.device().index;
  AUTOST_CUDA_CHECK(cudaSetDevice(dev));
  cudnnHandle_t h = cudnn_handle(dev);
  Problem pr(gx.dtype(), gx.shape(), w.shape(), grad.shape(), p);
  auto algo = static_cast<cudnnConvolutionBwdDataAlgo_t>(pick<cudnnConvolutionBwdDataAlgoPerf_t>(
      key_of(Dir::Data, dev, gx.dtype(), gx.shape(), w.shape(), p), "conv2d_backward_input",
      [&](int n, int* got, cudnnConvolutionBwdDataAlgoPerf_t* perf) {
        return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, pr.w.d, pr.y.d, pr.conv.d, pr.x.d, n, got, perf);
      }));
  size_t bytes = 0;
  AUTOST_CUDNN_CHECK(
      cudnnGetConvolutionBackwardDataWorkspaceSize(h, pr.w.d, pr.y.d, pr.conv.d, pr.x.d, algo, &bytes));
  Tensor ws = workspace(bytes, gx.device());
  with_scalars(gx.dtype(), [&](const void* one, const void* zero) {
    AUTOST_CUDNN_CHECK(cudnnConvolutionBackwardData(h, one, pr.w.d, w.data_ptr(), pr.y.d, grad.data_ptr(), pr.conv.d,
                                                    algo, ptr(ws), bytes, zero, pr.x.d, gx.data_ptr()));
  });
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p) {
  const int dev = gw.device().index;
  AUTOST_CUDA_CHECK(cudaSetDevice(dev));
  cudnnHandle_t h = cudnn_handle(dev);
  Problem pr(gw.dtype(), x.shape(), gw.shape(), grad.shape(), p);
  auto algo = static_cast<cudnnConvolutionBwdFilterAlgo_t>(pick<cudnnConvolutionBwdFilterAlgoPerf_t>(
      key_of(Dir::Filter, dev, gw.dtype(), x.shape(), gw.shape(), p), "conv2d_backward_weight",
      [&](int n, int* got, cudnnConvolutionBwdFilterAlgoPerf_t* perf) {
        return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, pr.x.d, pr.y.d, pr.conv.d, pr.w.d, n, got, perf);
      }));
  size_t bytes = 0;
  AUTOST_CUDNN_CHECK(
      cudnnGetConvolutionBackwardFilterWorkspaceSize(h, pr.x.d, pr.y.d, pr.conv.d, pr.w.d, algo, &bytes));
  Tensor ws = workspace(bytes, gw.device());
  with_scalars(gw.dtype(), [&](const void* one, const void* zero) {
    AUTOST_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, one, pr.x.d, x.data_ptr(), pr.y.d, grad.data_ptr(),
                                                      pr.conv.d, algo, ptr(ws), bytes, zero, pr.w.d, gw.data_ptr()));
  });
}

}  // namespace autost::kernels::cuda
