// CPU loops for elementwise ops. The innermost run is a plain loop over pointers when every
// operand is unit-stride there (the compiler vectorises it), else a strided loop.
#include "kernels/cpu/elementwise.h"

#include "kernels/elementwise_dispatch.h"
#include "kernels/strided_plan.h"

namespace autost::kernels::cpu {
namespace {

template <class T, class Out, int N, class Fn>
void map(const std::array<Tensor, N>& ops, Fn&& fn) {
  StridedPlan<N> p = make_strided_plan<N>(ops);
  Out* out = static_cast<Out*>(ops[0].data_ptr());
  const T* in[N - 1];
  for (int k = 1; k < N; ++k) in[k - 1] = static_cast<const T*>(ops[k].data_ptr());
  for_each_run<N>(p, [&](const int64_t* off, int64_t len, const int64_t* st) {
    Out* o = out + off[0];
    bool unit = true;
    for (int k = 0; k < N; ++k) unit = unit && st[k] == 1;
    if constexpr (N == 2) {
      const T* a = in[0] + off[1];
      if (unit) {
        for (int64_t i = 0; i < len; ++i) o[i] = fn(a[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i * st[0]] = fn(a[i * st[1]]);
      }
    } else if constexpr (N == 3) {
      const T *a = in[0] + off[1], *b = in[1] + off[2];
      if (unit) {
        for (int64_t i = 0; i < len; ++i) o[i] = fn(a[i], b[i]);
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {  // tensor op scalar / broadcast row
        const T bv = b[0];
        for (int64_t i = 0; i < len; ++i) o[i] = fn(a[i], bv);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i * st[0]] = fn(a[i * st[1]], b[i * st[2]]);
      }
    } else {
      static_assert(N == 4);
      const T *a = in[0] + off[1], *b = in[1] + off[2], *c = in[2] + off[3];
      if (unit) {
        for (int64_t i = 0; i < len; ++i) o[i] = fn(a[i], b[i], c[i]);
      } else {
        for (int64_t i = 0; i < len; ++i) o[i * st[0]] = fn(a[i * st[1]], b[i * st[2]], c[i * st[3]]);
      }
    }
  });
}

}  // namespace

void unary(UnaryOp op, const Tensor& y, const Tensor& x) {
  dispatch_floating(x.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_unary(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      map<T, T, 2>({y, x}, [](T v) { return F::f(v); });
    });
  });
}

void unary_backward(UnaryOp op, const Tensor& gx, const Tensor& g, const Tensor& x, const Tensor& y) {
  dispatch_floating(x.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_unary(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      map<T, T, 4>({gx, g, x, y}, [](T gv, T xv, T yv) { return gv * F::df(xv, yv); });
    });
  });
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_floating(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_binary(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      map<T, T, 3>({out, a, b}, [](T u, T v) { return F::f(u, v); });
    });
  });
}

void binary_backward(BinaryOp op, const Tensor& ga, const Tensor& gb, const Tensor& g, const Tensor& a,
                     const Tensor& b) {
  dispatch_floating(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_binary(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      if (ga.defined()) map<T, T, 4>({ga, g, a, b}, [](T gv, T u, T v) { return gv * F::da(u, v); });
      if (gb.defined()) map<T, T, 4>({gb, g, a, b}, [](T gv, T u, T v) { return gv * F::db(u, v); });
    });
  });
}

void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  dispatch_numeric(a.dtype(), op_name(op), [&](auto tt) {
    using T = typename decltype(tt)::type;
    dispatch_compare(op, [&](auto ft) {
      using F = typename decltype(ft)::type;
      map<T, bool, 3>({out, a, b}, [](T u, T v) { return F::f(u, v); });
    });
  });
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  // cond is converted to the value dtype by the caller, so one template covers all three inputs.
  dispatch_numeric(a.dtype(), "where", [&](auto tt) {
    using T = typename decltype(tt)::type;
    map<T, T, 4>({out, cond, a, b}, [](T c, T u, T v) { return c != T(0) ? u : v; });
  });
}

void add_(const Tensor& dst, const Tensor& src, double alpha) {
  dispatch_floating(dst.dtype(), "add_", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T al = static_cast<T>(alpha);
    map<T, T, 3>({dst, dst, src}, [al](T d, T s) { return d + al * s; });
  });
}

}  // namespace autost::kernels::cpu
