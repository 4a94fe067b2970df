#include "data/mnist.h"

#include <filesystem>

#include "data/idx.h"
#include "tensor/view.h"

namespace autost::data {
namespace {

namespace fs = std::filesystem;

std::string install_hint(MnistKind kind) {
  if (kind == MnistKind::FashionMnist)
    return "install it with `apt-get install dataset-fashion-mnist` (files go to " + std::string(kFashionMnistRoot) +
           ") or pass the folder holding the IDX files";
  return "Debian has no MNIST package: download the four IDX files (train-images-idx3-ubyte.gz, ...) into this "
         "folder";
}

// The gzipped name first: it is what both the upstream mirrors and Debian ship.
std::string find_file(MnistKind kind, const std::string& dataset, const std::string& root, const std::string& base) {
  for (const std::string& name : {base + ".gz", base}) {
    fs::path p = fs::path(root) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  AUTOST_FAIL(dataset, ": missing file: ", (fs::path(root) / base).string(), "(.gz) not found; ", install_hint(kind));
}

std::vector<std::string> digit_names() {
  std::vector<std::string> v;
  for (int i = 0; i < 10; ++i) v.push_back(std::to_string(i));
  return v;
}

}  // namespace

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

Dataset load_mnist_like(MnistKind kind, const std::string& root, Split split) {
  const std::string dataset = kind == MnistKind::FashionMnist ? "fashion-mnist" : "mnist";
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images_path = find_file(kind, dataset, root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(kind, dataset, root, prefix + "-labels-idx1-ubyte");

  Dataset ds;
  ds.name = dataset;
  ds.split = split;
  ds.class_names = kind == MnistKind::FashionMnist ? fashion_mnist_class_names() : digit_names();
  Tensor images = read_idx_images(images_path, 28, 28);
  ds.labels = read_idx_labels(labels_path, ds.num_classes());
  AUTOST_CHECK(images.size(0) == ds.labels.size(0), dataset, ": count mismatch: ", images_path, " holds ",
               images.size(0), " images but ", labels_path, " holds ", ds.labels.size(0),
               " labels (files from different splits?)");
  ds.images = raw_view(images, {images.size(0), 1, 28, 28});
  return ds;
}

Dataset load_fashion_mnist(Split split, const std::string& root) {
  return load_mnist_like(MnistKind::FashionMnist, root, split);
}

Dataset load_mnist(const std::string& root, Split split) { return load_mnist_like(MnistKind::Mnist, root, split); }

}  // namespace autost::data
