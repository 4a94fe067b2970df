// float32 conv2d on the CPU through oneDNN primitives. Creating a primitive JIT-compiles code
// (milliseconds), so each (shape, params, direction) builds one once and keeps it. Users hand us
// plain NCHW/OIHW buffers; the primitive may prefer a blocked layout, in which case the cached
// reorders convert at the edges (and are skipped when it takes the plain layout).
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "kernels/cpu/conv.h"

namespace autost::kernels::cpu {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Blocked layouts let oneDNN use its direct JIT kernels; they cost a reorder of each operand.
// Measured single-threaded on the Spikformer SPS convs (16 x 96 -> 192 at 32x32, 3x3): blocked
// direct convolution 190 ms + ~45 ms of reorders, against 380 ms for the plain-layout GEMM path.
constexpr bool kLetPrimitiveChooseLayout = true;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

enum class Kind { Forward, ForwardBias, BackwardData, BackwardWeights };

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t>;

// One operand: its user (plain) layout, the layout the primitive wants, and the reorder between.
struct Slot {
  int arg;
  bool output;
  memory::desc user, prim;
  std::optional<dnnl::reorder> convert;  // user -> prim for inputs, prim -> user for outputs
};

struct Entry {
  dnnl::primitive prim;
  std::vector<Slot> slots;
};

struct Shapes {
  memory::dims x, w, y, b, strides, dilates, pad_l, pad_r;
};

Shapes shapes_of(const Shape& x, const Shape& w, const Shape& y, const Conv2dParams& p) {
  Shapes s;
  s.x = {x[0], x[1], x[2], x[3]};
  s.w = {w[0], w[1], w[2], w[3]};
  s.y = {y[0], y[1], y[2], y[3]};
  s.b = {w[0]};
  s.strides = {p.stride[0], p.stride[1]};
  s.dilates = {p.dilation[0] - 1, p.dilation[1] - 1};  // oneDNN counts the gaps, torch the step
  s.pad_l = {p.padding[0], p.padding[1]};
  s.pad_r = {p.padding[0], p.padding[1]};  // oneDNN floors the output size like torch
  return s;
}

memory::desc plain(const memory::dims& d, tag t) { return memory::desc(d, dt::f32, t); }
memory::desc chosen(const memory::dims& d, tag t) {
  return memory::desc(d, dt::f32, kLetPrimitiveChooseLayout ? tag::any : t);
}

// The image side of a first layer (3 input channels) stays plain NCHW: blocking it would pad 3
// channels to 16 and make the reorder cost more than the convolution; oneDNN has direct kernels
// that read plain sources for exactly this case.
memory::desc chosen_src(const memory::dims& d) { return d[1] < 8 ? plain(d, tag::nchw) : chosen(d, tag::nchw); }

Slot slot(int arg, bool output, const memory::desc& user, const memory::desc& prim) {
  Slot s{arg, output, user, prim, std::nullopt};
  if (user != prim) {
    s.convert = output ? dnnl::reorder(dnnl::reorder::primitive_desc(engine(), prim, engine(), user))
                       : dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), prim));
  }
  return s;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Shapes& s, bool with_bias) {
  using F = dnnl::convolution_forward;
  auto d = with_bias ? F::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                               chosen_src(s.x), chosen(s.w, tag::oihw), plain(s.b, tag::x),
                               chosen(s.y, tag::nchw), s.strides, s.dilates, s.pad_l, s.pad_r)
                     : F::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                               chosen_src(s.x), chosen(s.w, tag::oihw), chosen(s.y, tag::nchw), s.strides,
                               s.dilates, s.pad_l, s.pad_r);
  return F::primitive_desc(d, engine());
}

Entry build(Kind kind, const Shapes& s) {
  const memory::desc ux = plain(s.x, tag::nchw), uw = plain(s.w, tag::oihw), uy = plain(s.y, tag::nchw);
  Entry e;
  if (kind == Kind::Forward || kind == Kind::ForwardBias) {
    auto pd = forward_pd(s, kind == Kind::ForwardBias);
    e.prim = dnnl::convolution_forward(pd);
    e.slots = {slot(DNNL_ARG_SRC, false, ux, pd.src_desc()), slot(DNNL_ARG_WEIGHTS, false, uw, pd.weights_desc()),
               slot(DNNL_ARG_DST, true, uy, pd.dst_desc())};
    if (kind == Kind::ForwardBias) e.slots.push_back(slot(DNNL_ARG_BIAS, false, plain(s.b, tag::x), pd.bias_desc()));
  } else if (kind == Kind::BackwardData) {
    using B = dnnl::convolution_backward_data;
    auto hint = forward_pd(s, false);
    B::desc d(dnnl::algorithm::convolution_direct, chosen_src(s.x), chosen(s.w, tag::oihw),
              chosen(s.y, tag::nchw), s.strides, s.dilates, s.pad_l, s.pad_r);
    B::primitive_desc pd(d, engine(), hint);
    e.prim = B(pd);
    e.slots = {slot(DNNL_ARG_DIFF_DST, false, uy, pd.diff_dst_desc()),
               slot(DNNL_ARG_WEIGHTS, false, uw, pd.weights_desc()),
               slot(DNNL_ARG_DIFF_SRC, true, ux, pd.diff_src_desc())};
  } else {
    using B = dnnl::convolution_backward_weights;
    auto hint = forward_pd(s, false);
    B::desc d(dnnl::algorithm::convolution_direct, chosen_src(s.x), chosen(s.w, tag::oihw),
              chosen(s.y, tag::nchw), s.strides, s.dilates, s.pad_l, s.pad_r);
    B::primitive_desc pd(d, engine(), hint);
    e.prim = B(pd);
    e.slots = {slot(DNNL_ARG_SRC, false, ux, pd.src_desc()), slot(DNNL_ARG_DIFF_DST, false, uy, pd.diff_dst_desc()),
               slot(DNNL_ARG_DIFF_WEIGHTS, true, uw, pd.diff_weights_desc())};
  }
  return e;
}

const Entry& lookup(Kind kind, const Shape& x, const Shape& w, const Shape& y, const Conv2dParams& p) {
  static std::map<Key, Entry> cache;
  static std::mutex mu;
  Key key{static_cast<int>(kind), x[0], x[1], x[2], x[3], w[0], w[2], w[3], p.stride[0], p.stride[1],
          p.padding[0], p.padding[1], p.dilation[0], p.dilation[1]};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;  // std::map never moves its nodes
  try {
    return cache.emplace(key, build(kind, shapes_of(x, w, y, p))).first->second;
  } catch (const dnnl::error& err) {
    AUTOST_FAIL("conv2d: oneDNN could not build a primitive for input ", x, ", weight ", w, ": ", err.what());
  }
}

// Blocked-layout temporaries, grown as needed and kept per thread: a fresh allocation of an
// activation-sized buffer on every call would page-fault its way through the whole reorder.
void* scratch(size_t i, size_t bytes) {
  thread_local std::vector<Tensor> buffers;
  if (buffers.size() <= i) buffers.resize(i + 1);
  if (!buffers[i].defined() || buffers[i].nbytes() < bytes)
    buffers[i] = empty({static_cast<int64_t>(bytes)}, kUInt8);
  return buffers[i].data_ptr();
}

// Runs a cached primitive on user buffers (one per slot, same order), converting through
// temporaries where the primitive uses another layout.
void run(const Entry& e, const std::vector<void*>& ptrs) {
  static dnnl::stream strm(engine());
  std::unordered_map<int, memory> args;
  std::vector<std::pair<const Slot*, std::pair<memory, memory>>> outputs;  // (slot, (prim, user))
  try {
    for (size_t i = 0; i < e.slots.size(); ++i) {
      const Slot& s = e.slots[i];
      memory user(s.user, engine(), ptrs[i]);
      if (!s.convert) {
        args.emplace(s.arg, user);
        continue;
      }
      memory tmp(s.prim, engine(), scratch(i, s.prim.get_size()));
      if (!s.output) s.convert->execute(strm, user, tmp);
      else outputs.push_back({&s, {tmp, user}});
      args.emplace(s.arg, tmp);
    }
    e.prim.execute(strm, args);
    for (auto& [s, mems] : outputs) s->convert->execute(strm, mems.first, mems.second);
    strm.wait();
  } catch (const dnnl::error& err) {
    AUTOST_FAIL("conv2d: oneDNN execution failed: ", err.what());
  }
}

}  // namespace

void onednn_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  const Entry& e = lookup(bias.defined() ? Kind::ForwardBias : Kind::Forward, x.shape(), w.shape(), y.shape(), p);
  std::vector<void*> ptrs{x.data_ptr(), w.data_ptr(), y.data_ptr()};
  if (bias.defined()) ptrs.push_back(bias.data_ptr());
  run(e, ptrs);
}

void onednn_conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p) {
  const Entry& e = lookup(Kind::BackwardData, gx.shape(), w.shape(), grad.shape(), p);
  run(e, {grad.data_ptr(), w.data_ptr(), gx.data_ptr()});
}

void onednn_conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p) {
  const Entry& e = lookup(Kind::BackwardWeights, x.shape(), gw.shape(), grad.shape(), p);
  run(e, {x.data_ptr(), grad.data_ptr(), gw.data_ptr()});
}

}  // namespace autost::kernels::cpu
