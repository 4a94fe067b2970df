#pragma once
// Branch-free float32 exp and erf built from arithmetic only, so that the CPU loops that call them
// vectorise (glibc's expf/erff are scalar calls that stop GCC's vectoriser) and the CUDA kernels
// compute exactly the same function. float64 keeps the C library's functions: gradient checks run
// in float64 and need full precision.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/hd.h"

namespace autost::math {

// A register-level reinterpretation (a memcpy through memory would stop the vectoriser).
AUTOST_HD float bits_to_float(int32_t i) {
#if defined(__CUDA_ARCH__)
  return __int_as_float(i);
#else
  return __builtin_bit_cast(float, i);
#endif
}

// e^x with a relative error of about 2 ulp: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two
// parts for exactness), e^r by a degree-6 minimax polynomial (the Cephes coefficients), then 2^n
// assembled in the exponent bits. Overflows to inf above 88.72 and flushes to 0 below -87.33.
AUTOST_HD float exp_f32(float x) {
  const float hi = 88.7228394f, lo = -87.3365478515625f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  // Round to nearest by adding and removing 1.5 * 2^23 (floorf would stop the vectoriser).
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  // 2^n as two factors so that n = 128 (x near ln FLT_MAX) stays representable.
  int32_t ni = static_cast<int32_t>(n), half = ni >> 1;
  float y = p * bits_to_float((half + 127) << 23) * bits_to_float((ni - half + 127) << 23);
  y = x > 88.7228394f ? INFINITY : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;  // NaN in, NaN out
}

// erf(x), odd-symmetric, by Abramowitz & Stegun 7.1.26 (1.5e-7 in exact arithmetic; below 5e-7 in
// float32 arithmetic, i.e. a few ulp of the result near 1).
AUTOST_HD float erf_f32(float x) {
  float a = x < 0.0f ? -x : x;
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  float y = 1.0f - poly * exp_f32(-a * a);
  return x < 0.0f ? -y : y;
}

template <class T> AUTOST_HD T fexp(T x) { using std::exp; return exp(x); }
template <> AUTOST_HD float fexp<float>(float x) { return exp_f32(x); }
template <class T> AUTOST_HD T ferf(T x) { using std::erf; return erf(x); }
template <> AUTOST_HD float ferf<float>(float x) { return erf_f32(x); }

}  // namespace autost::math
