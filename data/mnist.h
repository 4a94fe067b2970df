#pragma once
// MNIST and Fashion-MNIST from a folder holding the four standard IDX files, each either gzipped
// (`train-images-idx3-ubyte.gz`, as Debian's dataset-fashion-mnist installs them) or raw.
#include <string>

#include "data/dataset.h"

namespace autost::data {

// Where `apt-get install dataset-fashion-mnist` puts the files (DATA_FORMATS.md §4.3).
inline constexpr const char* kFashionMnistRoot = "/usr/share/datasets/fashion-mnist";

enum class MnistKind { Mnist, FashionMnist };

// images: uint8 [N, 1, 28, 28]; labels: int64 [N] in 0..9.
Dataset load_mnist_like(MnistKind kind, const std::string& root, Split split);
Dataset load_fashion_mnist(Split split, const std::string& root = kFashionMnistRoot);
Dataset load_mnist(const std::string& root, Split split);

const std::vector<std::string>& fashion_mnist_class_names();

}  // namespace autost::data
