#include "apps/bench/kernels_bench.h"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "apps/bench/table.h"
#include "apps/bench/vendor.h"
#include "kernels/ops.h"
#include "tensor/allocator.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace autost::apps::bench {
namespace {

using kernels::BinaryOp;
using kernels::UnaryOp;

constexpr int64_t kCeilingGemm = 4096;             // n of the n x n x n sgemm ceiling
constexpr int64_t kCeilingCopyBytes = 256LL << 20; // the memcpy ceiling's buffer
constexpr int64_t kRows = 16384;                   // T*B*N tokens of one Spikformer step
constexpr int64_t kDim = 384;
constexpr int64_t kHidden = 1536;                  // MLP ratio 4
constexpr int64_t kConvBatch = 16;

std::string dims(std::initializer_list<int64_t> ds) {
  std::string s;
  for (int64_t d : ds) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s;
}

class KernelsBench {
 public:
  explicit KernelsBench(const KernelsOptions& o) : o_(o), dev_(o.device) {}

  void run() {
    std::printf("# autost bench kernels: device %s, %d OpenMP threads, warm-up %d, median of %d runs\n",
                dev_.str().c_str(), num_threads(), o_.timing.warmup, o_.timing.reps);
    print_load();
    std::printf("# matmul shape is MxKxN (op(A) [M,K] times op(B) [K,N]); conv shape is NxCxHxW:O, 3x3 stride 1 pad 1\n");
    std::printf("# ceiling: GFLOP/s as a fraction of the %s row, GB/s (read + write) of the memcpy row\n",
                vendor_sgemm_name(dev_));
    print_header(stdout);
    ceilings();
    // The ceiling buffers are gone; the peak printed at the end is the kernels' own.
    reset_peak_memory(dev_);
    gemms();
    convs();
    memory_bound();
    MemoryStats m = memory_stats(dev_);
    std::printf("# peak memory (%s, kernel rows): %.1f MiB\n", dev_.str().c_str(), m.peak_bytes / 1048576.0);
    std::printf("# OpenMP threads: %d\n", num_threads());
  }

 private:
  // Also records the page faults per timed call: on CPU a kernel whose output is fresh memory from
  // the system pays one fault per 4 KiB page, which can cost more than the kernel itself.
  // Other processes on the cores stretch every OpenMP barrier by a scheduler time slice, so a table
  // is only comparable with one measured at a similar load.
  static void print_load() {
    double l[3];
    if (getloadavg(l, 3) == 3)
      std::printf("# load average before the run: %.2f %.2f %.2f (on %d threads)\n", l[0], l[1], l[2], num_threads());
  }
  template <class F>
  double time(F&& f) {
    long before = minor_faults();
    double ms = median_ms(o_.timing, [this] { device_sync(dev_); }, f);
    faults_per_call_ = double(minor_faults() - before) / (o_.timing.warmup + o_.timing.reps);
    return ms;
  }
  static long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
  }
  std::string faults_note() const {
    if (!dev_.is_cpu()) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f page faults/call", faults_per_call_);
    return buf;
  }
  Tensor rnd(const Shape& s) { return rand(s, TensorOptions(dev_)); }
  static double gflops(double flop, double ms) { return flop / ms / 1e6; }
  static double gbps(double bytes, double ms) { return bytes / ms / 1e6; }

  void ceilings() {
    const int64_t n = kCeilingGemm;
    {
      Tensor a = rnd({n, n}), b = rnd({n, n}), c = empty({n, n}, TensorOptions(dev_));
      double ms = time([&] { vendor_sgemm(dev_, false, false, n, n, n, a.data<float>(), b.data<float>(), c.data<float>()); });
      gemm_ceiling_ = gflops(2.0 * n * n * n, ms);
      print_row(stdout, {vendor_sgemm_name(dev_), dims({n, n, n}), ms, gemm_ceiling_, "GFLOP/s", 1.0, "GEMM ceiling"});
    }
    {
      const int64_t nf = kCeilingCopyBytes / 4;
      Tensor src = rnd({nf}), dst = zeros({nf}, TensorOptions(dev_));
      double ms = time([&] { vendor_copy(dev_, dst.data_ptr(), src.data_ptr(), static_cast<size_t>(kCeilingCopyBytes)); });
      copy_ceiling_ = gbps(2.0 * kCeilingCopyBytes, ms);
      print_row(stdout, {"memcpy", std::to_string(kCeilingCopyBytes >> 20) + "MB", ms, copy_ceiling_, "GB/s", 1.0,
                         dev_.is_cpu() ? "bandwidth ceiling (parallel std::memcpy)" : "bandwidth ceiling (cudaMemcpy D2D)"});
    }
  }

  // Row-major C[M,N] = op(A)[M,K] op(B)[K,N], ours through kernels::matmul and the vendor sgemm on
  // the same buffers.
  void gemm(const char* op, int64_t M, int64_t K, int64_t N, bool ta, bool tb, const char* what) {
    Tensor a = ta ? rnd({K, M}) : rnd({M, K});
    Tensor b = tb ? rnd({N, K}) : rnd({K, N});
    Tensor c = empty({M, N}, TensorOptions(dev_));
    const double flop = 2.0 * M * N * K;
    double ours = time([&] { Tensor y = kernels::matmul(a, b, ta, tb); });
    std::string faults = faults_note();
    double direct = time([&] { vendor_sgemm(dev_, ta, tb, M, N, K, a.data<float>(), b.data<float>(), c.data<float>()); });
    char note[200];
    std::snprintf(note, sizeof note, "%s; %s %.3f ms, ours/direct %.0f%%%s%s", what, vendor_sgemm_name(dev_), direct,
                  100.0 * direct / ours, faults.empty() ? "" : "; ", faults.c_str());
    double rate = gflops(flop, ours);
    print_row(stdout, {op, dims({M, K, N}), ours, rate, "GFLOP/s", rate / gemm_ceiling_, note});
  }

  void gemms() {
    gemm("matmul", kRows, kDim, kHidden, false, false, "MLP fc1 forward");
    gemm("matmul_nt", kRows, kHidden, kDim, false, true, "fc1 grad_input dY.Wt");
    gemm("matmul_tn", kDim, kRows, kHidden, true, false, "fc1 grad_weight Xt.dY");
    gemm("matmul", kRows, kDim, kDim, false, false, "q/k/v/proj forward");
    gemm("matmul_nt", kRows, kDim, kDim, false, true, "q/k/v/proj grad_input");
    gemm("matmul_tn", kDim, kRows, kDim, true, false, "q/k/v/proj grad_weight");
  }

  void conv(int64_t N, int64_t C, int64_t H, int64_t W, int64_t O) {
    kernels::Conv2dParams p;
    p.padding = {1, 1};
    Tensor x = rnd({N, C, H, W}), w = rnd({O, C, 3, 3}), g = rnd({N, O, H, W});
    const double flop = 2.0 * N * O * C * 9 * H * W;
    const std::string shape = dims({N, C, H, W}) + ":" + std::to_string(O);
    auto row = [&](const char* op, double ms) {
      double rate = gflops(flop, ms);
      std::string note = "SPS conv";
      if (dev_.is_cpu()) note += "; " + faults_note();
      print_row(stdout, {op, shape, ms, rate, "GFLOP/s", rate / gemm_ceiling_, note});
    };
    row("conv2d_fwd", time([&] { Tensor y = kernels::conv2d(x, w, Tensor(), p); }));
    row("conv2d_bwd_input", time([&] { Tensor y = kernels::conv2d_backward_input(g, w, x.shape(), p); }));
    row("conv2d_bwd_weight", time([&] { Tensor y = kernels::conv2d_backward_weight(g, x, w.shape(), p); }));
  }

  void convs() {
    conv(kConvBatch, 3, 32, 32, 48);
    conv(kConvBatch, 48, 32, 32, 96);
    conv(kConvBatch, 96, 32, 32, 192);
    conv(kConvBatch, 192, 16, 16, 384);
  }

  template <class F>
  void mem_row(const char* op, const std::string& shape, double bytes, F&& f) {
    double ms = time(f);
    double rate = gbps(bytes, ms);
    print_row(stdout, {op, shape, ms, rate, "GB/s", rate / copy_ceiling_, faults_note()});
  }

  void memory_bound() {
    const int64_t R = 16384, C = 1024;  // 16M floats
    const double n = static_cast<double>(R * C), f = 4.0;
    const std::string shape = dims({R, C});
    Tensor x = rnd({R, C}), y = rnd({R, C});
    mem_row("add", shape, 3 * n * f, [&] { Tensor z = kernels::binary(BinaryOp::Add, x, y); });
    mem_row("mul", shape, 3 * n * f, [&] { Tensor z = kernels::binary(BinaryOp::Mul, x, y); });
    mem_row("relu", shape, 2 * n * f, [&] { Tensor z = kernels::unary(UnaryOp::Relu, x); });
    mem_row("sigmoid", shape, 2 * n * f, [&] { Tensor z = kernels::unary(UnaryOp::Sigmoid, x); });
    {
      const int64_t rows = (R * C) / kDim;  // as close to 16M as a multiple of the row allows
      Tensor xb = rnd({rows, kDim}), bias = rnd({kDim});
      mem_row("add_bcast_row", dims({rows, kDim}) + "+" + std::to_string(kDim),
              (2.0 * rows * kDim + kDim) * f, [&] { Tensor z = kernels::binary(BinaryOp::Add, xb, bias); });
    }
    mem_row("sum_all", shape, n * f, [&] { Tensor z = kernels::sum(x, {}, false); });
    mem_row("sum_dim0", shape, (n + C) * f, [&] { Tensor z = kernels::sum(x, {0}, false); });
    mem_row("softmax_last", shape, 2 * n * f, [&] { Tensor z = kernels::softmax(x, -1); });
  }

  const KernelsOptions& o_;
  Device dev_;
  double gemm_ceiling_ = 0;
  double copy_ceiling_ = 0;
  double faults_per_call_ = 0;
};

}  // namespace

int run_kernels_bench(const KernelsOptions& opts) {
  check_device_usable(opts.device);
  KernelsBench(opts).run();
  return 0;
}

}  // namespace autost::apps::bench
