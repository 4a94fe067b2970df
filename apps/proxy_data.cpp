#include "apps/proxy_data.h"

#include <cmath>
#include <numeric>

#include "apps/train/datasets.h"
#include "autograd/ops.h"
#include "data/cifar.h"
#include "data/mnist.h"
#include "nas/py_random.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace autost::apps {

ProxyBatch load_proxy_batch(const std::string& spec, int64_t batch, const nas::InputSpec& input, uint64_t seed) {
  AUTOST_CHECK(batch > 0, "--proxy-batch wants a positive integer, got ", batch);
  ProxyBatch b;
  if (spec == "random") {
    Generator gen(seed);
    b.images = normal({batch, input.in_channels, input.img_size, input.img_size}, 0.0, 1.0, kFloat32, &gen);
    // floor(u * K) for u in [0, 1): uniform class indices.
    b.labels = uniform({batch}, 0.0, static_cast<double>(input.num_classes), kFloat64, &gen).to(kInt64);
    return b;
  }
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon), root = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (name != "fashion-mnist" && name != "cifar10" && name != "cifar100")
    AUTOST_FAIL("--proxy-data: unknown source '", spec, "' (random, fashion-mnist[:DIR], cifar10:DIR, cifar100:DIR)");
  // Normalised as training normalises the dataset (apps/train/datasets.h), from its default folder
  // when no DIR is given.
  const train::DatasetInfo& info = train::dataset_info(name);
  const std::string dir = root.empty() ? info.default_root : root;
  data::Dataset set;
  if (name == "fashion-mnist") {
    set = data::load_fashion_mnist(data::Split::Test, dir);
  } else {
    AUTOST_CHECK(!dir.empty(), "--proxy-data ", name, " needs its folder: ", name, ":DIR");
    set = name == "cifar10" ? data::load_cifar10(dir, data::Split::Test) : data::load_cifar100(dir, data::Split::Test);
  }
  const std::vector<double>& mean = info.mean;
  const std::vector<double>& stdev = info.std;
  const Shape& shape = set.images.shape();
  AUTOST_CHECK(shape[1] == input.in_channels && shape[2] == input.img_size && shape[3] == input.img_size,
               "--proxy-data ", name, " has ", shape[1], "x", shape[2], "x", shape[3], " images but the search builds ",
               input.in_channels, "x", input.img_size, "x", input.img_size, " models (set --in-ch and --img)");
  AUTOST_CHECK(set.num_classes() <= input.num_classes, "--proxy-data ", name, " has ", set.num_classes(),
               " classes but the search builds ", input.num_classes, "-class models (set --classes)");
  AUTOST_CHECK(batch <= set.size(), "--proxy-batch ", batch, " exceeds the ", set.size(), " images of ", name);
  // A seeded sample without replacement (a partial Fisher-Yates shuffle).
  std::vector<int64_t> order(static_cast<size_t>(set.size()));
  std::iota(order.begin(), order.end(), 0);
  nas::PyRandom rng(seed);
  for (int64_t i = 0; i < batch; ++i)
    std::swap(order[static_cast<size_t>(i)],
              order[static_cast<size_t>(i + rng.below(static_cast<uint64_t>(set.size() - i)))]);
  const Tensor index = from_vector(std::vector<double>(order.begin(), order.begin() + batch), {batch}, kInt64);
  NoGradGuard no_grad;
  Tensor x = div(index_select(set.images, 0, index).to(kFloat32), 255.0);
  const int64_t C = input.in_channels;
  x = div(sub(x, from_vector(mean, {1, C, 1, 1}, kFloat32)), from_vector(stdev, {1, C, 1, 1}, kFloat32));
  b.images = x.contiguous();
  b.labels = index_select(set.labels, 0, index);
  return b;
}

}  // namespace autost::apps
