// CPU conv2d. float32 runs oneDNN's primitives (conv_onednn.cpp); float64 is a direct loop nest,
// simple enough to trust as the reference gradchecks run against.
#include "kernels/cpu/conv.h"

#include <algorithm>

#include "tensor/parallel.h"

namespace autost::kernels::cpu {
namespace {

struct Geom {
  int64_t N, C, H, W, O, KH, KW, OH, OW;
  int64_t sh, sw, ph, pw, dh, dw;
};

Geom geom(const Shape& x, const Shape& w, const Shape& y, const Conv2dParams& p) {
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3],
          p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]};
}

// Output positions o in [lo, hi) whose input position o * s + off lies inside [0, in).
struct Range {
  int64_t lo, hi;
};
Range valid(int64_t off, int64_t s, int64_t in, int64_t out) {
  int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t hi = in - 1 - off < 0 ? 0 : (in - 1 - off) / s + 1;
  return {lo, std::min(hi, out)};
}

template <class T>
void forward_direct(const Geom& g, T* y, const T* x, const T* w, const T* bias) {
  const int64_t plane = g.OH * g.OW;
  parallel_for(g.N * g.O, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const int64_t n = pl / g.O, o = pl % g.O;
      T* yp = y + pl * plane;
      std::fill(yp, yp + plane, bias ? bias[o] : T(0));
      for (int64_t c = 0; c < g.C; ++c) {
        const T* xp = x + (n * g.C + c) * g.H * g.W;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          Range rh = valid(kh * g.dh - g.ph, g.sh, g.H, g.OH);
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const T wv = w[((o * g.C + c) * g.KH + kh) * g.KW + kw];
            const int64_t offw = kw * g.dw - g.pw;
            Range rw = valid(offw, g.sw, g.W, g.OW);
            for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
              const T* xr = xp + (oh * g.sh + kh * g.dh - g.ph) * g.W + offw;
              T* yr = yp + oh * g.OW;
              for (int64_t ow = rw.lo; ow < rw.hi; ++ow) yr[ow] += wv * xr[ow * g.sw];
            }
          }
        }
      }
    }
  });
}

template <class T>
void backward_input_direct(const Geom& g, T* gx, const T* gy, const T* w) {
  const int64_t plane = g.H * g.W;
  parallel_for(g.N * g.C, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const int64_t n = pl / g.C, c = pl % g.C;
      T* gp = gx + pl * plane;
      std::fill(gp, gp + plane, T(0));
      for (int64_t o = 0; o < g.O; ++o) {
        const T* yp = gy + (n * g.O + o) * g.OH * g.OW;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          Range rh = valid(kh * g.dh - g.ph, g.sh, g.H, g.OH);
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const T wv = w[((o * g.C + c) * g.KH + kh) * g.KW + kw];
            const int64_t offw = kw * g.dw - g.pw;
            Range rw = valid(offw, g.sw, g.W, g.OW);
            for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
              T* gr = gp + (oh * g.sh + kh * g.dh - g.ph) * g.W + offw;
              const T* yr = yp + oh * g.OW;
              for (int64_t ow = rw.lo; ow < rw.hi; ++ow) gr[ow * g.sw] += wv * yr[ow];
            }
          }
        }
      }
    }
  });
}

template <class T>
void backward_weight_direct(const Geom& g, T* gw, const T* gy, const T* x) {
  parallel_for(g.O * g.C, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t oc = p0; oc < p1; ++oc) {
      const int64_t o = oc / g.C, c = oc % g.C;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        Range rh = valid(kh * g.dh - g.ph, g.sh, g.H, g.OH);
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const int64_t offw = kw * g.dw - g.pw;
          Range rw = valid(offw, g.sw, g.W, g.OW);
          T acc = 0;
          for (int64_t n = 0; n < g.N; ++n) {
            const T* xp = x + (n * g.C + c) * g.H * g.W;
            const T* yp = gy + (n * g.O + o) * g.OH * g.OW;
            for (int64_t oh = rh.lo; oh < rh.hi; ++oh) {
              const T* xr = xp + (oh * g.sh + kh * g.dh - g.ph) * g.W + offw;
              const T* yr = yp + oh * g.OW;
              for (int64_t ow = rw.lo; ow < rw.hi; ++ow) acc += yr[ow] * xr[ow * g.sw];
            }
          }
          gw[((o * g.C + c) * g.KH + kh) * g.KW + kw] = acc;
        }
      }
    }
  });
}

}  // namespace

void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  if (x.dtype() == kFloat32) return onednn_conv2d(y, x, w, bias, p);
  forward_direct<double>(geom(x.shape(), w.shape(), y.shape(), p), y.data<double>(), x.data<double>(),
                         w.data<double>(), bias.defined() ? bias.data<double>() : nullptr);
}

void conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p) {
  if (gx.dtype() == kFloat32) return onednn_conv2d_backward_input(gx, grad, w, p);
  backward_input_direct<double>(geom(gx.shape(), w.shape(), grad.shape(), p), gx.data<double>(), grad.data<double>(),
                                w.data<double>());
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p) {
  if (gw.dtype() == kFloat32) return onednn_conv2d_backward_weight(gw, grad, x, p);
  backward_weight_direct<double>(geom(x.shape(), gw.shape(), grad.shape(), p), gw.data<double>(),
                                 grad.data<double>(), x.data<double>());
}

}  // namespace autost::kernels::cpu
