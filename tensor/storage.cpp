#include "tensor/storage.h"

#include "tensor/allocator.h"

namespace autost {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  check_device_usable(device);
  data_ = device.is_cpu() ? cpu_allocate(nbytes) : cuda_allocate(nbytes, device.index);
}

Storage::~Storage() {
  if (device_.is_cpu())
    cpu_free(data_, nbytes_);
  else
    cuda_free(data_, nbytes_, device_.index);
}

}  // namespace autost
