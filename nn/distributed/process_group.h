#pragma once
// ProcessGroup: the processes of one data-parallel job and the few collectives training needs.
//
// ProcessGroup::world() is the job this program was started in. Under mpirun (OpenMPI sets
// OMPI_COMM_WORLD_SIZE) MPI is initialised on the first call and finalised at exit; otherwise, or
// in a build without MPI, it is a single-process group. A default-constructed ProcessGroup is
// always a single process. In a single-process group every collective leaves its arguments as they
// are (after the same argument checks), so code written for N ranks runs unchanged on one.
//
// Collectives are called by every rank in the same order with matching arguments. Before each one
// the ranks exchange a 96-byte description of it (collective, dtype, shape, device type, root), so
// a mismatch is one autost::Error on every rank instead of a hang or silently mixed memory. (Doing
// that only for descriptions a rank has not seen before cannot work: a rank repeating an old shape
// would skip the exchange that a rank with a new one waits in.)
//
// CPU tensors travel through MPI. CUDA tensors (one GPU per rank) go through NCCL when autost was
// built with it (the communicator is made on the first CUDA collective, for that tensor's device),
// else through host memory.
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

class ProcessGroup {
 public:
  ProcessGroup();  // a single process
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  // The job this process was started in (see above). Errors when started by mpirun with several
  // ranks but built without MPI, so N copies never train independently by accident.
  static ProcessGroup& world();
  // Whether this build can run multi-process jobs at all.
  static bool mpi_built();

  int rank() const;
  int world_size() const;
  int local_rank() const;        // rank among the processes on this node: picks the GPU
  int local_world_size() const;  // processes on this node: they share its cores
  bool is_distributed() const { return world_size() > 1; }

  // t = sum over ranks of t, in place. float32, float64, int32, int64 or uint8.
  void allreduce_sum(const Tensor& t);
  // t = root's t on every rank, in place; any dtype.
  void broadcast(const Tensor& t, int root = 0);
  void barrier();
  // Every rank's `values` concatenated in rank order (world_size() * values.size() doubles); the
  // sizes must agree across ranks.
  std::vector<double> allgather(const std::vector<double>& values);
  // Ends every process of the job with `code` (MPI_Abort), so that one rank's error never leaves
  // the others waiting in a collective; a single process just exits.
  [[noreturn]] void abort(int code);

  // For error paths of programs: when this process has joined a world of several ranks, ends the
  // whole job with `code` (see abort); otherwise returns, and the caller exits as usual.
  static void abort_job_if_distributed(int code);

  // How many collective calls this process has issued so far (argument exchanges included).
  int64_t collective_calls() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace autost::nn
