#include "data/cifar.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace autost::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kImageBytes = 3 * 32 * 32;

struct Variant {
  const char* dataset;
  const char* archive;
  int label_bytes;  // 1 (CIFAR-10: label) or 2 (CIFAR-100: coarse, fine)
  int64_t record() const { return label_bytes + kImageBytes; }
};
constexpr Variant kCifar10{"cifar10", "cifar-10-binary.tar.gz", 1};
constexpr Variant kCifar100{"cifar100", "cifar-100-binary.tar.gz", 2};

std::string require_file(const Variant& v, const fs::path& root, const std::string& name) {
  fs::path p = root / name;
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p.string();
  fs::path pickled = root / fs::path(name).stem();
  AUTOST_CHECK(!fs::exists(pickled, ec), v.dataset, ": ", p.string(), ": missing file, but ", pickled.string(),
               " exists: this is the Python version; use the binary version (", v.archive, ")");
  AUTOST_FAIL(v.dataset, ": ", p.string(), ": missing file (extract ", v.archive, " and pass its folder)");
}

// Checks a record file's size and first byte before anything is allocated; returns its record count.
int64_t check_records(const Variant& v, const std::string& path, int64_t expected_records, bool strict_counts) {
  std::error_code ec;
  const int64_t bytes = static_cast<int64_t>(fs::file_size(path, ec));
  AUTOST_CHECK(!ec, v.dataset, ": ", path, ": size: cannot read the file size (", ec.message(), ")");
  std::ifstream in(path, std::ios::binary);
  AUTOST_CHECK(in, v.dataset, ": ", path, ": open: cannot open file");
  // Pickle protocol 2+ begins with opcode 0x80; a binary record begins with a label < 100.
  AUTOST_CHECK(bytes == 0 || in.peek() != 0x80, v.dataset, ": ", path,
               ": format: starts with the pickle opcode 0x80: this is the Python version; use the binary version (",
               v.archive, ")");
  AUTOST_CHECK(bytes % v.record() == 0, v.dataset, ": ", path, ": size: ", bytes, " bytes is not a multiple of the ",
               v.record(), "-byte record: truncated or wrong variant");
  const int64_t records = bytes / v.record();
  AUTOST_CHECK(!strict_counts || records == expected_records, v.dataset, ": ", path, ": count: ", records,
               " records, expected ", expected_records, " (", expected_records * v.record(), " bytes)");
  return records;
}

std::vector<uint8_t> read_all(const Variant& v, const std::string& path, int64_t bytes) {
  std::ifstream in(path, std::ios::binary);
  AUTOST_CHECK(in, v.dataset, ": ", path, ": open: cannot open file");
  std::vector<uint8_t> buf(static_cast<size_t>(bytes));
  in.read(reinterpret_cast<char*>(buf.data()), bytes);
  AUTOST_CHECK(in.gcount() == bytes, v.dataset, ": ", path, ": size: file shrank while reading (got ", in.gcount(),
               " of ", bytes, " bytes)");
  return buf;
}

// One name per line; trailing whitespace and \r trimmed, blank lines ignored (§1.4).
std::vector<std::string> read_names(const std::string& dataset, const fs::path& path, size_t expected,
                                    const std::vector<std::string>& fallback) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return fallback;
  std::ifstream in(path);
  AUTOST_CHECK(in, dataset, ": ", path.string(), ": open: cannot open file");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    size_t end = line.find_last_not_of(" \t\r\n");
    if (end == std::string::npos) continue;
    names.push_back(line.substr(0, end + 1));
  }
  AUTOST_CHECK(names.size() == expected, dataset, ": ", path.string(), ": class names: ", names.size(),
               " non-blank lines, expected ", expected);
  return names;
}

struct Loaded {
  Tensor images, labels, coarse;
};

Loaded decode(const Variant& v, const std::vector<std::string>& paths, const std::vector<int64_t>& expected,
              const CifarOptions& opts) {
  std::vector<int64_t> counts;
  int64_t n = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    counts.push_back(check_records(v, paths[i], expected[i], opts.strict_counts));
    n += counts.back();
  }
  Loaded out;
  out.images = empty({n, 3, 32, 32}, TensorOptions(kUInt8));
  out.labels = empty({n}, TensorOptions(kInt64));
  if (v.label_bytes == 2) out.coarse = empty({n}, TensorOptions(kInt64));
  uint8_t* img = out.images.data<uint8_t>();
  int64_t* lab = out.labels.data<int64_t>();
  int64_t k = 0;
  // One file in memory at a time, beside the output.
  for (size_t f = 0; f < paths.size(); ++f) {
    const std::vector<uint8_t> file = read_all(v, paths[f], counts[f] * v.record());
    for (int64_t r = 0; r < counts[f]; ++r, ++k) {
      const uint8_t* rec = file.data() + r * v.record();
      if (v.label_bytes == 1) {
        AUTOST_CHECK(rec[0] < 10, v.dataset, ": ", paths[f], ": label range: label ", int(rec[0]), " in record ", r,
                     " is not < 10");
        lab[k] = rec[0];
      } else {
        const int coarse = rec[0], fine = rec[1];
        AUTOST_CHECK(coarse < 20, v.dataset, ": ", paths[f], ": label range: coarse label ", coarse, " in record ", r,
                     " is not < 20");
        AUTOST_CHECK(fine < 100, v.dataset, ": ", paths[f], ": label range: fine label ", fine, " in record ", r,
                     " is not < 100");
        AUTOST_CHECK(cifar100_coarse_of(fine) == coarse, v.dataset, ": ", paths[f], ": label mismatch: record ", r,
                     " has coarse ", coarse, " but fine ", fine, " belongs to coarse ", cifar100_coarse_of(fine),
                     " (not CIFAR-100, or label bytes swapped)");
        out.coarse.data<int64_t>()[k] = coarse;
        lab[k] = fine;
      }
      std::memcpy(img + k * kImageBytes, rec + v.label_bytes, kImageBytes);
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

const std::vector<std::string>& cifar100_fine_class_names() {
  static const std::vector<std::string> names = {
      "apple",       "aquarium_fish", "baby",         "bear",       "beaver",    "bed",        "bee",
      "beetle",      "bicycle",       "bottle",       "bowl",       "boy",       "bridge",     "bus",
      "butterfly",   "camel",         "can",          "castle",     "caterpillar", "cattle",   "chair",
      "chimpanzee",  "clock",         "cloud",        "cockroach",  "couch",     "crab",       "crocodile",
      "cup",         "dinosaur",      "dolphin",      "elephant",   "flatfish",  "forest",     "fox",
      "girl",        "hamster",       "house",        "kangaroo",   "keyboard",  "lamp",       "lawn_mower",
      "leopard",     "lion",          "lizard",       "lobster",    "man",       "maple_tree", "motorcycle",
      "mountain",    "mouse",         "mushroom",     "oak_tree",   "orange",    "orchid",     "otter",
      "palm_tree",   "pear",          "pickup_truck", "pine_tree",  "plain",     "plate",      "poppy",
      "porcupine",   "possum",        "rabbit",       "raccoon",    "ray",       "road",       "rocket",
      "rose",        "sea",           "seal",         "shark",      "shrew",     "skunk",      "skyscraper",
      "snail",       "snake",         "spider",       "squirrel",   "streetcar", "sunflower",  "sweet_pepper",
      "table",       "tank",          "telephone",    "television", "tiger",     "tractor",    "train",
      "trout",       "tulip",         "turtle",       "wardrobe",   "whale",     "willow_tree", "wolf",
      "woman",       "worm"};
  return names;
}

const std::vector<std::string>& cifar100_coarse_class_names() {
  static const std::vector<std::string> names = {
      "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
      "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
      "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
      "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees", "vehicles_1",
      "vehicles_2"};
  return names;
}

int cifar100_coarse_of(int fine) {
  static const std::array<int, 100> table = [] {
    static const int members[20][5] = {
        {4, 30, 55, 72, 95},  {1, 32, 67, 73, 91},  {54, 62, 70, 82, 92}, {9, 10, 16, 28, 61},
        {0, 51, 53, 57, 83},  {22, 39, 40, 86, 87}, {5, 20, 25, 84, 94},  {6, 7, 14, 18, 24},
        {3, 42, 43, 88, 97},  {12, 17, 37, 68, 76}, {23, 33, 49, 60, 71}, {15, 19, 21, 31, 38},
        {34, 63, 64, 66, 75}, {26, 45, 77, 79, 99}, {2, 11, 35, 46, 98},  {27, 29, 44, 78, 93},
        {36, 50, 65, 74, 80}, {47, 52, 56, 59, 96}, {8, 13, 48, 58, 90},  {41, 69, 81, 85, 89}};
    std::array<int, 100> t{};
    t.fill(-1);
    for (int c = 0; c < 20; ++c)
      for (int f : members[c]) t[f] = c;
    return t;
  }();
  AUTOST_CHECK(fine >= 0 && fine < 100, "cifar100_coarse_of: fine label ", fine, " is not in 0..99");
  return table[fine];
}

Dataset load_cifar10(const std::string& root, Split split, const CifarOptions& opts) {
  std::vector<std::string> paths;
  std::vector<int64_t> expected;
  if (split == Split::Train) {
    for (int i = 1; i <= 5; ++i) paths.push_back(require_file(kCifar10, root, "data_batch_" + std::to_string(i) + ".bin"));
  } else {
    paths.push_back(require_file(kCifar10, root, "test_batch.bin"));
  }
  expected.assign(paths.size(), 10000);
  Loaded l = decode(kCifar10, paths, expected, opts);
  Dataset ds;
  ds.name = "cifar10";
  ds.split = split;
  ds.images = l.images;
  ds.labels = l.labels;
  ds.class_names = read_names("cifar10", fs::path(root) / "batches.meta.txt", 10, cifar10_class_names());
  return ds;
}

Dataset load_cifar100(const std::string& root, Split split, const CifarOptions& opts) {
  const bool train = split == Split::Train;
  std::vector<std::string> paths = {require_file(kCifar100, root, train ? "train.bin" : "test.bin")};
  Loaded l = decode(kCifar100, paths, {train ? 50000 : 10000}, opts);
  Dataset ds;
  ds.name = "cifar100";
  ds.split = split;
  ds.images = l.images;
  ds.labels = l.labels;
  ds.coarse_labels = l.coarse;
  ds.class_names = read_names("cifar100", fs::path(root) / "fine_label_names.txt", 100, cifar100_fine_class_names());
  ds.coarse_class_names =
      read_names("cifar100", fs::path(root) / "coarse_label_names.txt", 20, cifar100_coarse_class_names());
  return ds;
}

}  // namespace autost::data
