#pragma once
// Pooling index math shared by the CPU loops and the CUDA kernels, following torch's rules: the
// output size floors (or ceils, then drops a window that would start in the right padding), max
// windows are clipped to the real input so padding never wins, and average windows divide by the
// window clipped to the padded input (count_include_pad) or to the real input.
#include <cstdint>
#include <limits>

#include "tensor/hd.h"

namespace autost::math {

struct PoolGeom {
  int64_t H, W, OH, OW;
  int64_t kh, kw, sh, sw, ph, pw;
  bool count_include_pad;
};

AUTOST_HD int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  const int64_t num = in + 2 * p - k + (ceil_mode ? s - 1 : 0);
  int64_t out = num / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Where each window starts in the input, before clipping (may be negative: in the padding).
AUTOST_HD int64_t window_row0(const PoolGeom& g, int64_t oh) { return oh * g.sh - g.ph; }
AUTOST_HD int64_t window_col0(const PoolGeom& g, int64_t ow) { return ow * g.sw - g.pw; }

struct Window {
  int64_t h0, h1, w0, w1;  // [h0, h1) x [w0, w1) inside the real input
};

AUTOST_HD Window max_window(const PoolGeom& g, int64_t oh, int64_t ow) {
  int64_t h0 = window_row0(g, oh), w0 = window_col0(g, ow);
  int64_t h1 = h0 + g.kh < g.H ? h0 + g.kh : g.H, w1 = w0 + g.kw < g.W ? w0 + g.kw : g.W;
  return {h0 > 0 ? h0 : 0, h1, w0 > 0 ? w0 : 0, w1};
}

// The max of one window and where it is, as an input row and column. Scans in (row, column)
// order and takes a strictly greater value, so among equal values (binary spikes) the first one
// wins; NaN wins (and propagates), like torch.
template <class T>
AUTOST_HD void window_max_at(const T* plane, const PoolGeom& g, int64_t oh, int64_t ow, T& best, int64_t& bh,
                             int64_t& bw) {
  Window win = max_window(g, oh, ow);
  best = -std::numeric_limits<T>::infinity();
  bh = win.h0;
  bw = win.w0;
  for (int64_t h = win.h0; h < win.h1; ++h)
    for (int64_t w = win.w0; w < win.w1; ++w) {
      const T v = plane[h * g.W + w];
      if (v > best || v != v) {
        best = v;
        bh = h;
        bw = w;
      }
    }
}

// The argmax is saved for backward in one of two forms: the flat index in the H*W plane (int64,
// torch's return_indices), or the position inside the unclipped window, kh_off * kw + kw_off,
// which fits a uint8 for windows of up to kMaxOffsetWindow elements: 1 byte per output instead of
// 8. Both name the same input element: window_offset_of gives an element's offset in a window, and
// the element at offset k of output (oh, ow)'s window is at flat index
// window_row0(oh) * W + window_col0(ow) + offset_delta(k).
inline constexpr int64_t kMaxOffsetWindow = 256;

AUTOST_HD int64_t window_offset_of(const PoolGeom& g, int64_t oh, int64_t ow, int64_t h, int64_t w) {
  return (h - window_row0(g, oh)) * g.kw + (w - window_col0(g, ow));
}

// An offset's distance in the H*W plane from its window's (unclipped) corner: the same for every
// window, so the CPU backward tabulates it once per call.
AUTOST_HD int64_t offset_delta(const PoolGeom& g, int64_t offset) {
  const int64_t i = offset / g.kw, j = offset - i * g.kw;
  return i * g.W + j;
}

// The max of one window and its index in the H*W plane.
template <class T>
AUTOST_HD void window_max(const T* plane, const PoolGeom& g, int64_t oh, int64_t ow, T& best, int64_t& index) {
  int64_t h, w;
  window_max_at(plane, g, oh, ow, best, h, w);
  index = h * g.W + w;
}

// The max of one window and its position inside the window (needs kh * kw <= kMaxOffsetWindow).
template <class T>
AUTOST_HD void window_max(const T* plane, const PoolGeom& g, int64_t oh, int64_t ow, T& best, uint8_t& offset) {
  int64_t h, w;
  window_max_at(plane, g, oh, ow, best, h, w);
  offset = static_cast<uint8_t>(window_offset_of(g, oh, ow, h, w));
}

// Whether an output's saved argmax is input element (h, w) (which lies in that output's window).
AUTOST_HD bool argmax_is(const PoolGeom& g, int64_t, int64_t, int64_t index, int64_t h, int64_t w) {
  return index == h * g.W + w;
}
AUTOST_HD bool argmax_is(const PoolGeom& g, int64_t oh, int64_t ow, uint8_t offset, int64_t h, int64_t w) {
  return offset == window_offset_of(g, oh, ow, h, w);
}

// An average window: its extent in the real input and the divisor.
struct AvgWindow {
  Window win;
  int64_t divisor;
};

AUTOST_HD AvgWindow avg_window(const PoolGeom& g, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
  int64_t h1 = h0 + g.kh < g.H + g.ph ? h0 + g.kh : g.H + g.ph;
  int64_t w1 = w0 + g.kw < g.W + g.pw ? w0 + g.kw : g.W + g.pw;
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g.H ? h1 : g.H;
  w1 = w1 < g.W ? w1 : g.W;
  return {{h0, h1, w0, w1}, g.count_include_pad ? padded : (h1 - h0) * (w1 - w0)};
}

// Output positions [lo, hi) along one axis whose windows contain input position i.
struct OutRange {
  int64_t lo, hi;
};
AUTOST_HD OutRange windows_containing(int64_t i, int64_t k, int64_t s, int64_t p, int64_t out) {
  const int64_t lo = i + p < k ? 0 : (i + p - k) / s + 1;
  const int64_t hi = (i + p) / s + 1;
  return {lo, hi < out ? hi : out};
}

}  // namespace autost::math
