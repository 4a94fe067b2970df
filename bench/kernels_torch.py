#!/usr/bin/python3
"""PyTorch twin of `autost bench kernels`: the same rows, shapes and table format, on the same machine.

Run with Debian's interpreter, which has python3-torch (1.13):
    /usr/bin/python3 bench/kernels_torch.py [--reps N] [--quick]
bench/compare_kernels.sh runs it beside `autost bench kernels` and prints per-row ratios.

BLAS matters (DESIGN.md §8). Debian's torch calls whatever libblas.so.3 the system selects, which by
default is the netlib reference BLAS: about 20x slower on GEMM than an optimised one, so a comparison
against it is against a crippled PyTorch. Select OpenBLAS (package libopenblas0-pthread) for this
process with
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
and, when OpenBLAS 0.3.21 mis-detects the CPU (virtual machines reporting a generic "Intel Xeon
Processor" fall back to Haswell AVX2 kernels although the CPU has AVX-512), force its AVX-512 kernels with
    OPENBLAS_CORETYPE=SKYLAKEX
The script prints the BLAS library actually loaded, the OpenBLAS core it chose, and the environment
variables that affect BLAS, so every table says which PyTorch it measured. compare_kernels.sh sets
both variables when OpenBLAS is installed and the CPU has AVX-512.

Ceilings are measured in the same run as autost's: a 4096^3 sgemm through oneDNN's dnnl_sgemm
(called with ctypes when libdnnl is installed, else torch.mm) and a 256 MB copy (torch's copy_, which
is parallel), so the fraction column means the same in both tables.
"""
import argparse
import ctypes
import ctypes.util
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_VERBOSE", "GOTO_NUM_THREADS",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "LD_LIBRARY_PATH", "LD_PRELOAD", "ONEDNN_MAX_CPU_ISA",
            "DNNL_MAX_CPU_ISA")

ROWS, DIM, HIDDEN, CONV_BATCH = 16384, 384, 1536, 16


def dims(*ds):
    return "x".join(str(d) for d in ds)


def print_header():
    print(f"{'op':<18} {'shape':<26} {'median_ms':>11} {'rate':>11} {'unit':<8} {'ceiling':>8}  note", flush=True)


def print_row(op, shape, ms, rate, unit, fraction, note=""):
    frac = "-" if fraction is None else f"{100.0 * fraction:.1f}%"
    print(f"{op:<18} {shape:<26} {ms:11.3f} {rate:11.1f} {unit:<8} {frac:>8}  {note}", flush=True)


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def loaded_libraries(*needles):
    """Shared objects mapped into this process whose path contains one of the needles."""
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if path.startswith("/") and any(n in os.path.basename(path) for n in needles):
                real = os.path.realpath(path)
                if real not in found:
                    found.append(real)
    return found


def describe_blas():
    print("# torch", torch.__version__, "threads", torch.get_num_threads())
    for line in torch.__config__.show().splitlines():
        line = line.strip()
        if "BLAS" in line or "MKL" in line or "CPU capability" in line:
            print("#   config:", line[:200])
    # The first matmul loads the BLAS; report what the dynamic linker actually picked.
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    libs = loaded_libraries("blas", "lapack", "mkl")
    print("# BLAS libraries loaded:", ", ".join(libs) if libs else "none found")
    openblas = [lib for lib in libs if "openblas" in lib]
    for lib in openblas:
        try:
            h = ctypes.CDLL(lib)
            h.openblas_get_corename.restype = ctypes.c_char_p
            h.openblas_get_config.restype = ctypes.c_char_p
        except (OSError, AttributeError):
            continue
        print("# OpenBLAS core:", h.openblas_get_corename().decode(), "|", h.openblas_get_config().decode())
        break
    # Debian's netlib reference BLAS lives in .../blas/ (OpenBLAS's libblas.so.3 in .../openblas-*/).
    if not openblas and any(os.path.basename(os.path.dirname(lib)) == "blas" for lib in libs):
        print("# WARNING: reference (netlib) BLAS: GEMM rows measure a crippled PyTorch; see the header comment")
    print("# BLAS environment:", " ".join(f"{k}={os.environ.get(k, '')}" for k in BLAS_ENV if k in os.environ) or "(none set)")


def dnnl_sgemm():
    """oneDNN's row-major sgemm through ctypes, or None when libdnnl is not installed."""
    name = ctypes.util.find_library("dnnl")
    if not name:
        return None
    try:
        f = ctypes.CDLL(name).dnnl_sgemm
    except (OSError, AttributeError):
        return None
    i64, p, fl = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float
    f.argtypes = [ctypes.c_char, ctypes.c_char, i64, i64, i64, fl, p, i64, p, i64, fl, p, i64]
    f.restype = ctypes.c_int

    def sgemm(a, b, c):
        n = a.shape[0]
        st = f(b"N", b"N", n, n, n, 1.0, a.data_ptr(), n, b.data_ptr(), n, 0.0, c.data_ptr(), n)
        assert st == 0, f"dnnl_sgemm failed with status {st}"
    return sgemm


class Bench:
    def __init__(self, warmup, reps):
        self.warmup, self.reps = warmup, reps
        self.gemm_ceiling = self.copy_ceiling = None

    def time(self, fn):
        return median_ms(fn, self.warmup, self.reps)

    def ceilings(self):
        n = 4096
        a, b, c = torch.rand(n, n), torch.rand(n, n), torch.empty(n, n)
        direct = dnnl_sgemm()
        if direct is not None:
            ms, what = self.time(lambda: direct(a, b, c)), "GEMM ceiling (dnnl_sgemm via ctypes)"
        else:
            ms, what = self.time(lambda: torch.mm(a, b, out=c)), "GEMM ceiling (torch.mm: libdnnl not found)"
        self.gemm_ceiling = 2.0 * n ** 3 / ms / 1e6
        print_row("ceiling_sgemm", dims(n, n, n), ms, self.gemm_ceiling, "GFLOP/s", 1.0, what)
        nbytes = 256 << 20
        src, dst = torch.rand(nbytes // 4), torch.zeros(nbytes // 4)
        ms = self.time(lambda: dst.copy_(src))
        self.copy_ceiling = 2.0 * nbytes / ms / 1e6
        print_row("ceiling_memcpy", "256MB", ms, self.copy_ceiling, "GB/s", 1.0, "bandwidth ceiling (torch copy_)")

    def gemm(self, op, M, K, N, ta, tb, what):
        a = torch.rand(K, M) if ta else torch.rand(M, K)
        b = torch.rand(N, K) if tb else torch.rand(K, N)
        opa, opb = (a.t() if ta else a), (b.t() if tb else b)
        ms = self.time(lambda: torch.matmul(opa, opb))
        rate = 2.0 * M * N * K / ms / 1e6
        print_row(op, dims(M, K, N), ms, rate, "GFLOP/s", rate / self.gemm_ceiling, what + "; torch.matmul")

    def conv(self, N, C, H, W, O):
        x, w, g = torch.rand(N, C, H, W), torch.rand(O, C, 3, 3), torch.rand(N, O, H, W)
        flop = 2.0 * N * O * C * 9 * H * W
        shape = dims(N, C, H, W) + f":{O}"

        def row(op, ms):
            rate = flop / ms / 1e6
            print_row(op, shape, ms, rate, "GFLOP/s", rate / self.gemm_ceiling, "SPS conv")

        with torch.no_grad():
            row("conv2d_fwd", self.time(lambda: F.conv2d(x, w, None, 1, 1)))
        # Backward through autograd on a graph built once, asking for one gradient at a time so each
        # time covers exactly one of the two backward convolutions.
        xg = x.clone().requires_grad_(True)
        y = F.conv2d(xg, w, None, 1, 1)
        row("conv2d_bwd_input", self.time(lambda: torch.autograd.grad(y, xg, g, retain_graph=True)))
        wg = w.clone().requires_grad_(True)
        y = F.conv2d(x, wg, None, 1, 1)
        row("conv2d_bwd_weight", self.time(lambda: torch.autograd.grad(y, wg, g, retain_graph=True)))

    def mem(self, op, shape, nbytes, fn):
        ms = self.time(fn)
        rate = nbytes / ms / 1e6
        print_row(op, shape, ms, rate, "GB/s", rate / self.copy_ceiling)

    def memory_bound(self):
        R, C = 16384, 1024
        n, f = float(R * C), 4.0
        shape = dims(R, C)
        x, y = torch.rand(R, C), torch.rand(R, C)
        self.mem("add", shape, 3 * n * f, lambda: torch.add(x, y))
        self.mem("mul", shape, 3 * n * f, lambda: torch.mul(x, y))
        self.mem("relu", shape, 2 * n * f, lambda: torch.relu(x))
        self.mem("sigmoid", shape, 2 * n * f, lambda: torch.sigmoid(x))
        rows = (R * C) // DIM
        xb, bias = torch.rand(rows, DIM), torch.rand(DIM)
        self.mem("add_bcast_row", dims(rows, DIM) + f"+{DIM}", (2.0 * rows * DIM + DIM) * f, lambda: xb + bias)
        self.mem("sum_all", shape, n * f, lambda: x.sum())
        self.mem("sum_dim0", shape, (n + C) * f, lambda: x.sum(0))
        self.mem("softmax_last", shape, 2 * n * f, lambda: torch.softmax(x, -1))

    def run(self):
        print(f"# torch bench kernels: device cpu, {torch.get_num_threads()} threads, "
              f"warm-up {self.warmup}, median of {self.reps} runs")
        describe_blas()
        print("# load average before the run: %.2f %.2f %.2f" % os.getloadavg())
        print("# matmul shape is MxKxN (op(A) [M,K] times op(B) [K,N]); conv shape is NxCxHxW:O, 3x3 stride 1 pad 1")
        print("# ceiling: GFLOP/s as a fraction of the ceiling_sgemm row, GB/s (read + write) of the ceiling_memcpy row")
        print_header()
        self.ceilings()
        self.gemm("matmul", ROWS, DIM, HIDDEN, False, False, "MLP fc1 forward")
        self.gemm("matmul_nt", ROWS, HIDDEN, DIM, False, True, "fc1 grad_input dY.Wt")
        self.gemm("matmul_tn", DIM, ROWS, HIDDEN, True, False, "fc1 grad_weight Xt.dY")
        self.gemm("matmul", ROWS, DIM, DIM, False, False, "q/k/v/proj forward")
        self.gemm("matmul_nt", ROWS, DIM, DIM, False, True, "q/k/v/proj grad_input")
        self.gemm("matmul_tn", DIM, ROWS, DIM, True, False, "q/k/v/proj grad_weight")
        for N, C, H, W, O in ((CONV_BATCH, 3, 32, 32, 48), (CONV_BATCH, 48, 32, 32, 96),
                              (CONV_BATCH, 96, 32, 32, 192), (CONV_BATCH, 192, 16, 16, 384)):
            self.conv(N, C, H, W, O)
        self.memory_bound()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"# peak RSS (whole process, torch has no CPU allocator statistics): {peak:.1f} MiB")
        print(f"# threads: {torch.get_num_threads()}")


def main():
    p = argparse.ArgumentParser(description="PyTorch twin of `autost bench kernels` (CPU)")
    p.add_argument("--reps", type=int, default=None, help="timed runs per row, median reported (default 10)")
    p.add_argument("--quick", action="store_true", help="1 warm-up run and 3 timed runs (unless --reps is given)")
    p.add_argument("--device", default="cpu", help="only cpu: Debian's torch is built without CUDA")
    a = p.parse_args()
    if a.device != "cpu":
        p.error("only --device cpu is supported (Debian's python3-torch has no CUDA)")
    if a.reps is not None and a.reps <= 0:
        p.error("--reps wants a positive integer")
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    warmup = 1 if a.quick else 2
    reps = a.reps if a.reps is not None else (3 if a.quick else 10)
    Bench(warmup, reps).run()


if __name__ == "__main__":
    sys.exit(main())
