#include "tensor/random.h"

#include "tensor/copy.h"
#include "tensor/parallel.h"
#include "tensor/philox.h"

namespace autost {

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

void random_fill_cpu(const Tensor& t, RandomKind kind, double a, double b, uint64_t seed, uint64_t offset) {
  dispatch_floating(t.dtype(), "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(t.data_ptr());
    const T ta = static_cast<T>(a), tb = static_cast<T>(b);
    parallel_for(t.numel(), 4096, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        switch (kind) {
          case RandomKind::Uniform: p[i] = ta + (tb - ta) * philox_uniform<T>(seed, offset, i); break;
          case RandomKind::Normal: p[i] = ta + tb * philox_normal<T>(seed, offset, i); break;
          case RandomKind::Bernoulli: p[i] = philox_uniform<T>(seed, offset, i) < ta ? T(1) : T(0); break;
        }
      }
    });
  });
}

#ifndef AUTOST_WITH_CUDA
void random_fill_cuda(const Tensor&, RandomKind, double, double, uint64_t, uint64_t) {
  AUTOST_FAIL("random: autost was built without CUDA");
}
#endif

namespace {

void random_fill(const Tensor& t, RandomKind kind, double a, double b, Generator* gen) {
  AUTOST_CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64, "random fill: dtype ", dtype_name(t.dtype()),
               " not supported (float32 or float64)");
  Generator& g = gen ? *gen : default_generator();
  uint64_t offset = g.advance(static_cast<uint64_t>(t.numel()));
  Tensor target = t.is_contiguous() ? t : empty(t.shape(), TensorOptions(t.dtype()).device(t.device()));
  if (target.is_cuda())
    random_fill_cuda(target, kind, a, b, g.seed(), offset);
  else
    random_fill_cpu(target, kind, a, b, g.seed(), offset);
  if (!target.same(t)) copy_into(t, target);
}

Tensor make(const Shape& shape, TensorOptions opts, RandomKind kind, double a, double b, Generator* gen) {
  Tensor t = empty(shape, opts);
  random_fill(t, kind, a, b, gen);
  return t;
}

}  // namespace

void uniform_(const Tensor& t, double low, double high, Generator* gen) { random_fill(t, RandomKind::Uniform, low, high, gen); }
void normal_(const Tensor& t, double mean, double std, Generator* gen) { random_fill(t, RandomKind::Normal, mean, std, gen); }
void bernoulli_(const Tensor& t, double p, Generator* gen) {
  AUTOST_CHECK(p >= 0 && p <= 1, "bernoulli: probability ", p, " outside [0, 1]");
  random_fill(t, RandomKind::Bernoulli, p, 0, gen);
}

Tensor rand(const Shape& shape, TensorOptions opts, Generator* gen) { return make(shape, opts, RandomKind::Uniform, 0, 1, gen); }
Tensor randn(const Shape& shape, TensorOptions opts, Generator* gen) { return make(shape, opts, RandomKind::Normal, 0, 1, gen); }
Tensor uniform(const Shape& shape, double low, double high, TensorOptions opts, Generator* gen) {
  return make(shape, opts, RandomKind::Uniform, low, high, gen);
}
Tensor normal(const Shape& shape, double mean, double std, TensorOptions opts, Generator* gen) {
  return make(shape, opts, RandomKind::Normal, mean, std, gen);
}
Tensor bernoulli(const Shape& shape, double p, TensorOptions opts, Generator* gen) {
  AUTOST_CHECK(p >= 0 && p <= 1, "bernoulli: probability ", p, " outside [0, 1]");
  return make(shape, opts, RandomKind::Bernoulli, p, 0, gen);
}

}  // namespace autost
