#pragma once
// The scalar math of every elementwise op, shared by the CPU loops and the CUDA kernels. Each
// functor has f (forward) and the derivative pieces its backward needs; `y` is the forward output.
#include <cmath>

#include "kernels/math/fastmath.h"
#include "tensor/hd.h"

namespace autost::math {

// ---- unary: f(x) and df(x, y) = dy/dx ----
struct Neg {
  template <class T> AUTOST_HD static T f(T x) { return -x; }
  template <class T> AUTOST_HD static T df(T, T) { return T(-1); }
};
struct Abs {
  template <class T> AUTOST_HD static T f(T x) { return x < T(0) ? -x : x; }
  template <class T> AUTOST_HD static T df(T x, T) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
};
struct Exp {
  template <class T> AUTOST_HD static T f(T x) { return fexp(x); }
  template <class T> AUTOST_HD static T df(T, T y) { return y; }
};
struct Log {
  template <class T> AUTOST_HD static T f(T x) { using std::log; return log(x); }
  template <class T> AUTOST_HD static T df(T x, T) { return T(1) / x; }
};
struct Sqrt {
  template <class T> AUTOST_HD static T f(T x) { using std::sqrt; return sqrt(x); }
  template <class T> AUTOST_HD static T df(T, T y) { return T(0.5) / y; }
};
struct Rsqrt {
  template <class T> AUTOST_HD static T f(T x) { using std::sqrt; return T(1) / sqrt(x); }
  template <class T> AUTOST_HD static T df(T, T y) { return T(-0.5) * y * y * y; }
};
struct Relu {
  template <class T> AUTOST_HD static T f(T x) { return x > T(0) ? x : T(0); }
  template <class T> AUTOST_HD static T df(T x, T) { return x > T(0) ? T(1) : T(0); }
};
struct Sigmoid {
  // Written so that exp never overflows: for x < 0 use e^x / (1 + e^x).
  template <class T> AUTOST_HD static T f(T x) {
    T e = fexp(x < T(0) ? x : -x);  // e^-|x| <= 1
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
  template <class T> AUTOST_HD static T df(T, T y) { return y * (T(1) - y); }
};
struct Tanh {
  // float32: 1 - 2 / (e^{2|x|} + 1), with the odd Taylor series near 0 where that cancels.
  template <class T> AUTOST_HD static T f(T x) {
    if constexpr (sizeof(T) == 4) {
      T a = x < T(0) ? -x : x;
      T big = T(1) - T(2) / (fexp(T(2) * a) + T(1));
      T small = a * (T(1) - a * a * (T(1) / T(3) - a * a * T(2) / T(15)));
      T y = a < T(0.0625) ? small : big;
      return x < T(0) ? -y : y;
    } else {
      using std::tanh;
      return tanh(x);
    }
  }
  template <class T> AUTOST_HD static T df(T, T y) { return T(1) - y * y; }
};
struct Gelu {  // exact: x * Phi(x)
  template <class T> AUTOST_HD static T f(T x) { return T(0.5) * x * (T(1) + ferf(x * T(0.70710678118654752440))); }
  template <class T> AUTOST_HD static T df(T x, T) {
    T cdf = T(0.5) * (T(1) + ferf(x * T(0.70710678118654752440)));
    T pdf = fexp(T(-0.5) * x * x) * T(0.39894228040143267794);
    return cdf + x * pdf;
  }
};

// ---- binary: f(a, b), da(a, b, y), db(a, b, y) ----
struct Add {
  template <class T> AUTOST_HD static T f(T a, T b) { return a + b; }
  template <class T> AUTOST_HD static T da(T, T) { return T(1); }
  template <class T> AUTOST_HD static T db(T, T) { return T(1); }
};
struct Sub {
  template <class T> AUTOST_HD static T f(T a, T b) { return a - b; }
  template <class T> AUTOST_HD static T da(T, T) { return T(1); }
  template <class T> AUTOST_HD static T db(T, T) { return T(-1); }
};
struct Mul {
  template <class T> AUTOST_HD static T f(T a, T b) { return a * b; }
  template <class T> AUTOST_HD static T da(T, T b) { return b; }
  template <class T> AUTOST_HD static T db(T a, T) { return a; }
};
struct Div {
  template <class T> AUTOST_HD static T f(T a, T b) { return a / b; }
  template <class T> AUTOST_HD static T da(T, T b) { return T(1) / b; }
  template <class T> AUTOST_HD static T db(T a, T b) { return -a / (b * b); }
};
struct Pow {
  template <class T> AUTOST_HD static T f(T a, T b) { using std::pow; return pow(a, b); }
  template <class T> AUTOST_HD static T da(T a, T b) {
    using std::pow;
    return b == T(0) ? T(0) : b * pow(a, b - T(1));
  }
  // d/db a^b = a^b ln a; defined as 0 at a == 0 with b >= 0 (torch's convention).
  template <class T> AUTOST_HD static T db(T a, T b) {
    using std::log;
    using std::pow;
    return (a == T(0) && b >= T(0)) ? T(0) : pow(a, b) * log(a);
  }
};
// Ties split the gradient evenly between the two operands, like torch.maximum.
struct Maximum {
  template <class T> AUTOST_HD static T f(T a, T b) { return a > b ? a : (b > a ? b : (a != a ? a : b)); }
  template <class T> AUTOST_HD static T da(T a, T b) { return a > b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> AUTOST_HD static T db(T a, T b) { return b > a ? T(1) : (a == b ? T(0.5) : T(0)); }
};
struct Minimum {
  template <class T> AUTOST_HD static T f(T a, T b) { return a < b ? a : (b < a ? b : (a != a ? a : b)); }
  template <class T> AUTOST_HD static T da(T a, T b) { return a < b ? T(1) : (a == b ? T(0.5) : T(0)); }
  template <class T> AUTOST_HD static T db(T a, T b) { return b < a ? T(1) : (a == b ? T(0.5) : T(0)); }
};

// ---- comparisons ----
struct Eq { template <class T> AUTOST_HD static bool f(T a, T b) { return a == b; } };
struct Ne { template <class T> AUTOST_HD static bool f(T a, T b) { return a != b; } };
struct Lt { template <class T> AUTOST_HD static bool f(T a, T b) { return a < b; } };
struct Le { template <class T> AUTOST_HD static bool f(T a, T b) { return a <= b; } };
struct Gt { template <class T> AUTOST_HD static bool f(T a, T b) { return a > b; } };
struct Ge { template <class T> AUTOST_HD static bool f(T a, T b) { return a >= b; } };

}  // namespace autost::math
