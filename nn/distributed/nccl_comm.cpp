// NCCL collectives on the legacy default stream, where every autost CUDA kernel runs, so they are
// ordered after the kernels that produced their inputs without extra events.
#ifdef AUTOST_WITH_NCCL
#include "nn/distributed/nccl_comm.h"

#include <nccl.h>

#include <cstring>

#include "tensor/cuda_check.h"

#define AUTOST_NCCL_CHECK(expr)                                                                         \
  do {                                                                                                  \
    ncclResult_t autost_nccl_ = (expr);                                                                 \
    if (autost_nccl_ != ncclSuccess) AUTOST_FAIL("NCCL error: ", ncclGetErrorString(autost_nccl_), " in ", #expr); \
  } while (0)

namespace autost::nn {
namespace {

static_assert(sizeof(ncclUniqueId) == NcclComm::kIdBytes, "NCCL unique id size changed");

ncclDataType_t nccl_type(DType d, const char* op) {
  switch (d) {
    case kFloat32: return ncclFloat32;
    case kFloat64: return ncclFloat64;
    case kBFloat16: return ncclBfloat16;
    case kInt32: return ncclInt32;
    case kInt64: return ncclInt64;
    case kUInt8: return ncclUint8;
    default: AUTOST_FAIL("NCCL ", op, ": dtype ", dtype_name(d), " not supported");
  }
}

ncclComm_t as_comm(void* c) { return static_cast<ncclComm_t>(c); }

}  // namespace

std::vector<char> NcclComm::new_id() {
  ncclUniqueId id;
  AUTOST_NCCL_CHECK(ncclGetUniqueId(&id));
  return std::vector<char>(id.internal, id.internal + kIdBytes);
}

NcclComm::NcclComm(const std::vector<char>& id, int rank, int world_size, Device device) : device_(device) {
  AUTOST_CHECK(id.size() == kIdBytes, "NCCL: unique id has ", id.size(), " bytes, expected ", kIdBytes);
  AUTOST_CHECK(device.is_cuda(), "NCCL: communicator wanted on ", device, ", which is not a CUDA device");
  ncclUniqueId uid;
  std::memcpy(uid.internal, id.data(), kIdBytes);
  AUTOST_CUDA_CHECK(cudaSetDevice(device.index));
  ncclComm_t comm;
  AUTOST_NCCL_CHECK(ncclCommInitRank(&comm, world_size, uid, rank));
  comm_ = comm;
}

void NcclComm::allreduce_sum(const Tensor& t) {
  AUTOST_CUDA_CHECK(cudaSetDevice(device_.index));
  void* p = t.data_ptr();
  AUTOST_NCCL_CHECK(ncclAllReduce(p, p, static_cast<size_t>(t.numel()), nccl_type(t.dtype(), "allreduce_sum"), ncclSum,
                                  as_comm(comm_), cudaStreamLegacy));
  AUTOST_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

void NcclComm::broadcast(const Tensor& t, int root) {
  AUTOST_CUDA_CHECK(cudaSetDevice(device_.index));
  void* p = t.data_ptr();
  // Bytes, so every dtype (bool included) travels unchanged.
  AUTOST_NCCL_CHECK(ncclBroadcast(p, p, t.nbytes(), ncclUint8, root, as_comm(comm_), cudaStreamLegacy));
  AUTOST_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

}  // namespace autost::nn
#endif
