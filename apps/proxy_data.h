#pragma once
// The data batch that `autost search` gives the proxies that run the model (naswot, snip, and flops
// with --ld): seeded Gaussian noise, or a seeded sample of a dataset's test split, normalised.
#include <cstdint>
#include <string>

#include "nas/genome.h"
#include "tensor/tensor.h"

namespace autost::apps {

struct ProxyBatch {
  Tensor images;  // float32 [B, C, S, S]
  Tensor labels;  // int64 [B]
};

// spec: "random" (N(0, 1) images, uniform labels), "fashion-mnist[:DIR]", "cifar10:DIR" or
// "cifar100:DIR". The images must have the search input's channels and side; errors say which
// options to change.
ProxyBatch load_proxy_batch(const std::string& spec, int64_t batch, const nas::InputSpec& input, uint64_t seed);

}  // namespace autost::apps
