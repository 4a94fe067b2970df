#pragma once
#include <cstddef>
#include <memory>

#include "tensor/device.h"

namespace autost {

// A block of device memory shared by every tensor viewing it. Freed (or returned to the CUDA
// cache) when the last view goes away.
class Storage {
 public:
  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // A uint8 storage holding this one's values element for element (same element offsets), when
  // every value is known to be 0 or 1: the spikes a neuron fires, whose byte copy it keeps for
  // its own backward anyway. Ops that keep a spike operand for backward keep a view of these bytes
  // instead of the floats (autograd/node.h saved_compact). Writes through copy/fill drop it.
  const std::shared_ptr<Storage>& byte_shadow() const { return byte_shadow_; }
  void set_byte_shadow(std::shared_ptr<Storage> bytes) { byte_shadow_ = std::move(bytes); }
  // Before a write. Reads only when there is none, so threads filling disjoint slices of one
  // ordinary tensor do not race on it.
  void drop_byte_shadow() {
    if (byte_shadow_) byte_shadow_.reset();
  }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::shared_ptr<Storage> byte_shadow_;
};

}  // namespace autost
