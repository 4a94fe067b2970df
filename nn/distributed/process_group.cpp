#include "nn/distributed/process_group.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>

#include "nn/distributed/nccl_comm.h"
#include "tensor/copy.h"

#ifdef AUTOST_WITH_MPI
#include <mpi.h>
#endif

namespace autost::nn {

struct ProcessGroup::Impl {
  int rank = 0, size = 1, local_rank = 0, local_size = 1;
  int64_t calls = 0;
#ifdef AUTOST_WITH_MPI
  MPI_Comm comm = MPI_COMM_NULL;
  bool owns_mpi = false;  // this group initialised MPI, so it finalises it
#endif
#ifdef AUTOST_WITH_NCCL
  std::unique_ptr<NcclComm> nccl;
#endif
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();
};

namespace {

// ---- argument descriptions every rank can exchange as fixed-size integers ----
enum Kind : int64_t { kAllreduce = 1, kBroadcast = 2, kAllgather = 3, kBarrier = 4 };
constexpr size_t kMaxDims = 6;
// kind, root, dtype, device type, ndim, numel, then the first kMaxDims sizes.
using Signature = std::array<int64_t, 6 + kMaxDims>;

Signature signature_of(Kind kind, int root, DType dtype, Device device, const Shape& shape) {
  Signature s{};
  s[0] = kind;
  s[1] = root;
  s[2] = static_cast<int64_t>(dtype);
  s[3] = static_cast<int64_t>(device.type);
  s[4] = static_cast<int64_t>(shape.size());
  s[5] = shape_numel(shape);
  for (size_t d = 0; d < shape.size() && d < kMaxDims; ++d) s[6 + d] = shape[d];
  return s;
}

// "allreduce_sum(float64 [3, 4] on cpu)", "broadcast(... from rank 0)", "barrier()".
std::string describe(const Signature& s) {
  static const char* const names[] = {"?", "allreduce_sum", "broadcast", "allgather", "barrier"};
  std::ostringstream os;
  os << names[s[0] >= 1 && s[0] <= 4 ? s[0] : 0] << "(";
  if (s[0] != kBarrier) {
    os << dtype_name(static_cast<DType>(s[2])) << " [";
    for (int64_t d = 0; d < s[4]; ++d) {
      if (d) os << ", ";
      if (d < static_cast<int64_t>(kMaxDims)) os << s[6 + d];
      else os << "...";
    }
    os << "] on " << (static_cast<DeviceType>(s[3]) == DeviceType::CUDA ? "cuda" : "cpu");
    if (s[0] == kBroadcast) os << " from rank " << s[1];
  }
  os << ")";
  return os.str();
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  AUTOST_CHECK(*end == '\0' && x >= 0 && x <= INT_MAX, "environment variable ", name, "='", v,
               "' is not a non-negative integer");
  return static_cast<int>(x);
}

void check_sum_dtype(const Tensor& t) {
  AUTOST_CHECK(t.defined(), "ProcessGroup::allreduce_sum: undefined tensor");
  DType d = t.dtype();
  AUTOST_CHECK(d == kFloat32 || d == kFloat64 || d == kInt32 || d == kInt64 || d == kUInt8,
               "ProcessGroup::allreduce_sum: dtype ", dtype_name(d), " cannot be summed across ranks (shape ",
               t.shape(), ")");
}

// ---- MPI transport: only reached when the group has several ranks, which needs MPI ----
#ifdef AUTOST_WITH_MPI
void mpi_check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  AUTOST_FAIL("MPI ", what, " failed: ", std::string(msg, static_cast<size_t>(len)));
}

MPI_Datatype mpi_sum_type(DType d) {
  switch (d) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt32: return MPI_INT32_T;
    case kInt64: return MPI_INT64_T;
    default: return MPI_UINT8_T;  // check_sum_dtype let nothing else through
  }
}

// MPI counts are int: larger buffers go in INT_MAX-element pieces.
template <class Fn>
void in_int_chunks(int64_t n, Fn&& fn) {
  for (int64_t done = 0; done < n; done += INT_MAX) fn(done, static_cast<int>(std::min<int64_t>(INT_MAX, n - done)));
}

void mpi_allreduce_sum(ProcessGroup::Impl& g, const Tensor& buf) {
  char* p = static_cast<char*>(buf.data_ptr());
  const size_t item = itemsize(buf.dtype());
  in_int_chunks(buf.numel(), [&](int64_t at, int count) {
    ++g.calls;
    mpi_check(MPI_Allreduce(MPI_IN_PLACE, p + at * item, count, mpi_sum_type(buf.dtype()), MPI_SUM, g.comm),
              "MPI_Allreduce");
  });
}

void mpi_broadcast_bytes(ProcessGroup::Impl& g, void* data, int64_t nbytes, int root) {
  char* p = static_cast<char*>(data);
  in_int_chunks(nbytes, [&](int64_t at, int count) {
    ++g.calls;
    mpi_check(MPI_Bcast(p + at, count, MPI_BYTE, root, g.comm), "MPI_Bcast");
  });
}

void mpi_allgather_bytes(ProcessGroup::Impl& g, const void* mine, void* all, int64_t nbytes) {
  AUTOST_CHECK(nbytes <= INT_MAX, "ProcessGroup::allgather: ", nbytes, " bytes per rank is too many");
  ++g.calls;
  mpi_check(MPI_Allgather(mine, static_cast<int>(nbytes), MPI_BYTE, all, static_cast<int>(nbytes), MPI_BYTE, g.comm),
            "MPI_Allgather");
}

#else
[[noreturn]] void no_mpi() { AUTOST_FAIL("ProcessGroup: this autost was built without MPI"); }
void mpi_allreduce_sum(ProcessGroup::Impl&, const Tensor&) { no_mpi(); }
void mpi_broadcast_bytes(ProcessGroup::Impl&, void*, int64_t, int) { no_mpi(); }
void mpi_allgather_bytes(ProcessGroup::Impl&, const void*, void*, int64_t) { no_mpi(); }
#endif

// Every rank's description of the coming collective is compared before it runs (see the header).
void verify(ProcessGroup::Impl& g, const char* op, const Signature& mine) {
  std::vector<Signature> all(static_cast<size_t>(g.size));
  mpi_allgather_bytes(g, mine.data(), all.data(), sizeof(Signature));
  for (int r = 0; r < g.size; ++r)
    AUTOST_CHECK(all[static_cast<size_t>(r)] == mine, "ProcessGroup::", op, ": ranks disagree: rank ", g.rank,
                 " called ", describe(mine), " but rank ", r, " called ", describe(all[static_cast<size_t>(r)]));
}

#ifdef AUTOST_WITH_NCCL
NcclComm& nccl_for(ProcessGroup::Impl& g, Device device) {
  if (!g.nccl) {
    std::vector<char> id = g.rank == 0 ? NcclComm::new_id() : std::vector<char>(NcclComm::kIdBytes);
    mpi_broadcast_bytes(g, id.data(), static_cast<int64_t>(id.size()), 0);
    g.nccl = std::make_unique<NcclComm>(id, g.rank, g.size, device);
  }
  AUTOST_CHECK(g.nccl->device() == device, "ProcessGroup: this rank's NCCL communicator is on ", g.nccl->device(),
               ", a tensor on ", device, " cannot use it (one GPU per rank)");
  return *g.nccl;
}
#endif

// Runs `fn` on a contiguous buffer holding t's values and writes the buffer back into t.
template <class Fn>
void on_contiguous(const Tensor& t, Fn&& fn) {
  Tensor buf = raw_contiguous(t);
  fn(buf);
  if (!buf.same(t)) copy_into(t, buf);
}

// Same for the host: CUDA tensors are staged through CPU memory when NCCL is not there.
template <class Fn>
void on_host(const Tensor& buf, Fn&& fn) {
  Tensor host = buf.is_cuda() ? raw_to_device(buf, Device::cpu()) : buf;
  fn(host);
  if (!host.same(buf)) copy_into(buf, host);
}

// Set once world() has joined an MPI job, so error paths can end it without joining one.
std::atomic<ProcessGroup*>& joined_world() {
  static std::atomic<ProcessGroup*> world{nullptr};
  return world;
}

}  // namespace

ProcessGroup::Impl::~Impl() {
#ifdef AUTOST_WITH_NCCL
  // Kept alive on purpose: this runs from static destruction, after the CUDA runtime's own exit
  // handler may have torn the context down, and ncclCommDestroy would then fail or crash.
  (void)nccl.release();
#endif
#ifdef AUTOST_WITH_MPI
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (comm != MPI_COMM_NULL && !finalized) {
    MPI_Comm_free(&comm);
    if (owns_mpi) MPI_Finalize();
  }
#endif
}

ProcessGroup::ProcessGroup() : impl_(std::make_unique<Impl>()) {}
ProcessGroup::~ProcessGroup() = default;

bool ProcessGroup::mpi_built() {
#ifdef AUTOST_WITH_MPI
  return true;
#else
  return false;
#endif
}

ProcessGroup& ProcessGroup::world() {
  static ProcessGroup group;
  static std::once_flag joined;  // retried when joining throws
  std::call_once(joined, [] {
    const int launched = env_int("OMPI_COMM_WORLD_SIZE", 1);
    if (launched <= 1) return;
#ifndef AUTOST_WITH_MPI
    AUTOST_FAIL("started by mpirun as one of ", launched,
                " processes, but this autost was built without MPI (install libopenmpi-dev and rebuild)");
#else
    Impl& g = *group.impl_;
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready) {
      int provided = 0;  // only the main thread calls MPI (loader workers never do)
      mpi_check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      g.owns_mpi = true;
    }
    mpi_check(MPI_Comm_dup(MPI_COMM_WORLD, &g.comm), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(g.comm, MPI_ERRORS_RETURN);  // failures become autost::Error
    mpi_check(MPI_Comm_rank(g.comm, &g.rank), "MPI_Comm_rank");
    mpi_check(MPI_Comm_size(g.comm, &g.size), "MPI_Comm_size");
    MPI_Comm node;
    mpi_check(MPI_Comm_split_type(g.comm, MPI_COMM_TYPE_SHARED, g.rank, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    mpi_check(MPI_Comm_rank(node, &g.local_rank), "MPI_Comm_rank");
    mpi_check(MPI_Comm_size(node, &g.local_size), "MPI_Comm_size");
    MPI_Comm_free(&node);
    joined_world().store(&group);
#endif
  });
  return group;
}

void ProcessGroup::abort_job_if_distributed(int code) {
  if (ProcessGroup* world = joined_world().load()) world->abort(code);
}

int ProcessGroup::rank() const { return impl_->rank; }
int ProcessGroup::world_size() const { return impl_->size; }
int ProcessGroup::local_rank() const { return impl_->local_rank; }
int ProcessGroup::local_world_size() const { return impl_->local_size; }
int64_t ProcessGroup::collective_calls() const { return impl_->calls; }

void ProcessGroup::allreduce_sum(const Tensor& t) {
  check_sum_dtype(t);
  if (!is_distributed() || t.numel() == 0) return;
  Impl& g = *impl_;
  verify(g, "allreduce_sum", signature_of(kAllreduce, 0, t.dtype(), t.device(), t.shape()));
  on_contiguous(t, [&](const Tensor& buf) {
#ifdef AUTOST_WITH_NCCL
    if (buf.is_cuda()) {
      ++g.calls;
      nccl_for(g, buf.device()).allreduce_sum(buf);
      return;
    }
#endif
    on_host(buf, [&](const Tensor& host) { mpi_allreduce_sum(g, host); });
  });
}

void ProcessGroup::broadcast(const Tensor& t, int root) {
  AUTOST_CHECK(t.defined(), "ProcessGroup::broadcast: undefined tensor");
  AUTOST_CHECK(root >= 0 && root < world_size(), "ProcessGroup::broadcast: root ", root,
               " is not a rank of this group of ", world_size());
  if (!is_distributed() || t.numel() == 0) return;
  Impl& g = *impl_;
  verify(g, "broadcast", signature_of(kBroadcast, root, t.dtype(), t.device(), t.shape()));
  on_contiguous(t, [&](const Tensor& buf) {
#ifdef AUTOST_WITH_NCCL
    if (buf.is_cuda()) {
      ++g.calls;
      nccl_for(g, buf.device()).broadcast(buf, root);
      return;
    }
#endif
    on_host(buf, [&](const Tensor& host) {
      mpi_broadcast_bytes(g, host.data_ptr(), static_cast<int64_t>(host.nbytes()), root);
    });
  });
}

void ProcessGroup::barrier() {
  // The description exchange waits for every rank, which is all a barrier does.
  if (is_distributed()) verify(*impl_, "barrier", signature_of(kBarrier, 0, kUInt8, Device::cpu(), {}));
}

std::vector<double> ProcessGroup::allgather(const std::vector<double>& values) {
  if (!is_distributed()) return values;
  Impl& g = *impl_;
  const int64_t n = static_cast<int64_t>(values.size());
  verify(g, "allgather", signature_of(kAllgather, 0, kFloat64, Device::cpu(), {n}));
  std::vector<double> all(values.size() * static_cast<size_t>(g.size));
  if (n > 0) mpi_allgather_bytes(g, values.data(), all.data(), n * static_cast<int64_t>(sizeof(double)));
  return all;
}

void ProcessGroup::abort(int code) {
  std::fflush(nullptr);
#ifdef AUTOST_WITH_MPI
  if (impl_->comm != MPI_COMM_NULL) MPI_Abort(impl_->comm, code);
#endif
  std::exit(code);
}

}  // namespace autost::nn
