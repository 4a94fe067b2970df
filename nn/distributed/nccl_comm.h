#pragma once
// An NCCL communicator over one GPU per rank, for ProcessGroup's CUDA collectives. Only built with
// AUTOST_WITH_NCCL (CUDA and MPI both present); ProcessGroup hands the unique id from rank 0 to
// the others over MPI.
#ifdef AUTOST_WITH_NCCL
#include <cstddef>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

class NcclComm {
 public:
  static constexpr size_t kIdBytes = 128;  // NCCL_UNIQUE_ID_BYTES
  // A fresh unique id (rank 0 makes it; every rank passes the same bytes to the constructor).
  static std::vector<char> new_id();

  NcclComm(const std::vector<char>& id, int rank, int world_size, Device device);
  Device device() const { return device_; }
  // In place on a contiguous tensor on device(); both wait for the result before returning.
  void allreduce_sum(const Tensor& t);
  void broadcast(const Tensor& t, int root);

 private:
  void* comm_ = nullptr;  // ncclComm_t; never destroyed: see ProcessGroup's teardown
  Device device_;
};

}  // namespace autost::nn
#endif
