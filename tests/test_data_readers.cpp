// Dataset readers (IDX / MNIST / Fashion-MNIST, CIFAR-10/100) on small synthetic files written here:
// round trips of pixels and labels, gzip and raw, and one bad file per check, each rejected with a
// message naming the file and the check.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "data/cifar.h"
#include "data/idx.h"
#include "data/mnist.h"
#include "tests/data_harness.h"

using namespace autost;
using namespace autost::data;
using namespace autost::test;
namespace fs = std::filesystem;

using autost::test::TempDir;

namespace {

void write_gz(const std::string& p, const Bytes& b) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  if (!b.empty()) REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

Bytes idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes pattern(size_t n, unsigned seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 131 + seed * 17 + (i >> 7)) & 0xff);
  return b;
}

Bytes image_file(uint32_t n, unsigned seed = 1) { return idx_bytes(0x08, {n, 28, 28}, pattern(size_t(n) * 784, seed)); }
Bytes label_file(const Bytes& labels) { return idx_bytes(0x08, {uint32_t(labels.size())}, labels); }

// A complete MNIST-style folder: n_train / n_test images with the given labels.
void write_mnist_folder(const TempDir& d, bool gz, const Bytes& train_labels, const Bytes& test_labels) {
  auto w = gz ? write_gz : write_raw;
  const std::string ext = gz ? ".gz" : "";
  w(d / ("train-images-idx3-ubyte" + ext), image_file(uint32_t(train_labels.size()), 1));
  w(d / ("train-labels-idx1-ubyte" + ext), label_file(train_labels));
  w(d / ("t10k-images-idx3-ubyte" + ext), image_file(uint32_t(test_labels.size()), 2));
  w(d / ("t10k-labels-idx1-ubyte" + ext), label_file(test_labels));
}

}  // namespace

TEST_CASE("IDX round trip: raw and gzip give the same pixels and labels") {
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    TempDir d("autost_data");
    const Bytes labels = {9, 0, 0, 3, 0, 2, 7};
    write_mnist_folder(d, gz, labels, {1, 2, 3});
    const std::string ext = gz ? ".gz" : "";
    Tensor img = read_idx_images(d / ("train-images-idx3-ubyte" + ext));
    CHECK(img.dtype() == kUInt8);
    CHECK(img.shape() == Shape{7, 28, 28});
    const Bytes expect = pattern(7 * 784, 1);
    CHECK(std::equal(expect.begin(), expect.end(), img.data<uint8_t>()));
    Tensor lab = read_idx_labels(d / ("train-labels-idx1-ubyte" + ext), 10);
    CHECK(lab.dtype() == kInt64);
    CHECK(lab.to_vector<int64_t>() == std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7});

    Dataset tr = load_fashion_mnist(Split::Train, d.path.string());
    CHECK(tr.name == "fashion-mnist");
    CHECK(tr.images.shape() == Shape{7, 1, 28, 28});
    CHECK(tr.images.dtype() == kUInt8);
    CHECK(std::equal(expect.begin(), expect.end(), tr.images.data<uint8_t>()));
    CHECK(tr.labels.to_vector<int64_t>() == std::vector<int64_t>{9, 0, 0, 3, 0, 2, 7});
    CHECK(tr.class_names.size() == 10);
    CHECK(tr.class_names[9] == "Ankle boot");
    Dataset te = load_mnist(d.path.string(), Split::Test);
    CHECK(te.images.shape() == Shape{3, 1, 28, 28});
    CHECK(te.labels.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 3});
    CHECK(te.class_names[3] == "3");
  }
}

TEST_CASE("IDX: an empty set and a generic rank are read") {
  TempDir d("autost_data");
  write_raw(d / "empty", idx_bytes(0x08, {0, 28, 28}, {}));
  CHECK(read_idx_images(d / "empty").shape() == Shape{0, 28, 28});
  write_gz(d / "cube.gz", idx_bytes(0x08, {2, 3, 4, 5}, pattern(120, 3)));
  Tensor t = read_idx_u8(d / "cube.gz");
  CHECK(t.shape() == Shape{2, 3, 4, 5});
  CHECK(int(t.data<uint8_t>()[119]) == int(pattern(120, 3)[119]));
}

TEST_CASE("IDX: each bad file is rejected naming the file and the check") {
  TempDir d("autost_data");
  struct Case {
    const char* name;
    Bytes bytes;
    bool gz;
    bool labels;  // read as labels (else images)
    const char* check;
  };
  Bytes bad_magic = image_file(2);
  bad_magic[0] = 0x12;
  Bytes bad_type = image_file(2);
  bad_type[2] = 0x0D;
  Bytes little_endian = {0, 0, 8, 1, 0x03, 0, 0, 0, 1, 2, 3};  // count 3 written little-endian
  Bytes truncated = image_file(3);
  truncated.resize(truncated.size() - 5);
  Bytes trailing = label_file({1, 2});
  trailing.push_back(0);
  const Case cases[] = {
      {"magic", bad_magic, false, false, "magic"},
      {"magic.gz", bad_magic, true, false, "magic"},
      {"type", bad_type, false, false, "type"},
      {"rank", idx_bytes(0x08, {2, 784}, pattern(2 * 784, 1)), false, false, "dims"},
      {"rank_labels", idx_bytes(0x08, {2, 1}, {1, 2}), false, true, "dims"},
      {"size32", idx_bytes(0x08, {1, 32, 32}, pattern(1024, 1)), false, false, "dims"},
      {"little_endian", little_endian, false, true, "little-endian"},
      {"truncated", truncated, false, false, "truncated"},
      {"truncated.gz", truncated, true, false, "truncated"},
      {"trailing", trailing, false, true, "trailing"},
      {"trailing.gz", trailing, true, true, "trailing"},
      {"short_header", {0, 0}, false, true, "header"},
      {"short_dims", {0, 0, 8, 3, 0, 0}, true, false, "header"},
      {"label_range", label_file({1, 10, 2}), false, true, "label range"},
      {"label_range.gz", label_file({1, 2, 255}), true, true, "label range"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string p = d / c.name;
    (c.gz ? write_gz : write_raw)(p, c.bytes);
    if (c.labels)
      CHECK_REJECTS([&] { read_idx_labels(p, 10); }, c.name, c.check);
    else
      CHECK_REJECTS([&] { read_idx_images(p); }, c.name, c.check);
  }
}

TEST_CASE("IDX: a gzip missing its trailer is an error although gzread returned every byte") {
  TempDir d("autost_data");
  const std::string good = d / "labels.gz", cut = d / "cut-labels.gz";
  write_gz(good, label_file({1, 2, 3, 4}));
  std::ifstream in(good, std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() - 8);  // CRC32 + ISIZE
  write_raw(cut, gz);
  CHECK(read_idx_labels(good).numel() == 4);
  CHECK_REJECTS([&] { read_idx_labels(cut); }, "cut-labels.gz", "gzip");
  // A corrupted CRC, with the length intact, is caught the same way.
  Bytes bad_crc = gz;
  std::ifstream in2(good, std::ios::binary);
  Bytes full((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  full[full.size() - 8] ^= 0xff;
  write_raw(d / "crc-labels.gz", full);
  CHECK_REJECTS([&] { read_idx_labels(d / "crc-labels.gz"); }, "crc-labels.gz", "gzip");
}

TEST_CASE("IDX: a header promising more than the file can hold is refused before allocating") {
  TempDir d("autost_data");
  write_raw(d / "huge", idx_bytes(0x08, {1000000, 28, 28}, pattern(784, 1)));
  CHECK_REJECTS([&] { read_idx_images(d / "huge"); }, "huge", "size");
  write_gz(d / "huge.gz", idx_bytes(0x08, {1000000, 28, 28}, pattern(784, 1)));
  CHECK_REJECTS([&] { read_idx_images(d / "huge.gz"); }, "huge.gz", "size");
}

TEST_CASE("MNIST folder: count mismatch and missing files") {
  TempDir d("autost_data");
  write_mnist_folder(d, true, {1, 2, 3}, {4, 5});
  // Test labels paired with train images: 3 images, 2 labels.
  write_gz(d / "train-labels-idx1-ubyte.gz", label_file({4, 5}));
  CHECK_REJECTS([&] { load_fashion_mnist(Split::Train, d.path.string()); }, "train-labels-idx1-ubyte.gz", "count mismatch");
  CHECK_NOTHROW(load_fashion_mnist(Split::Test, d.path.string()));

  fs::remove(d / "t10k-images-idx3-ubyte.gz");
  CHECK_REJECTS([&] { load_fashion_mnist(Split::Test, d.path.string()); }, "t10k-images-idx3-ubyte", "missing file");
  CHECK_REJECTS([&] { load_fashion_mnist(Split::Test, d.path.string()); }, "t10k-images-idx3-ubyte",
                "apt-get install dataset-fashion-mnist");
  CHECK_REJECTS([&] { load_fashion_mnist(Split::Train, (d.path / "nowhere").string()); }, "train-images-idx3-ubyte",
                "apt-get install dataset-fashion-mnist");
  CHECK_REJECTS([&] { read_idx_labels(d / "absent"); }, "absent", "missing file");
}

TEST_CASE("Fashion-MNIST from the Debian package, when installed") {
  if (!fs::exists(kFashionMnistRoot)) {
    MESSAGE("dataset-fashion-mnist not installed; skipping the real-data check");
    return;
  }
  Dataset tr = load_fashion_mnist(Split::Train);
  Dataset te = load_fashion_mnist(Split::Test);
  CHECK(tr.images.shape() == Shape{60000, 1, 28, 28});
  CHECK(te.images.shape() == Shape{10000, 1, 28, 28});
  // DATA_FORMATS §4.3: perfectly balanced, 6,000 train / 1,000 test per class.
  for (const auto& [ds, per_class] : {std::pair{&tr, int64_t(6000)}, std::pair{&te, int64_t(1000)}}) {
    std::vector<int64_t> hist(10, 0);
    for (int64_t l : ds->labels.to_vector<int64_t>()) ++hist[l];
    CHECK(hist == std::vector<int64_t>(10, per_class));
  }
}

// ---------------------------------------------------------------- CIFAR

namespace {

// Records with label bytes `labels[i]` (1 or 2 per record) and patterned pixels.
Bytes cifar_records(const std::vector<Bytes>& labels, unsigned seed) {
  Bytes b;
  for (size_t i = 0; i < labels.size(); ++i) {
    b.insert(b.end(), labels[i].begin(), labels[i].end());
    Bytes px = pattern(3072, seed * 1000 + unsigned(i));
    b.insert(b.end(), px.begin(), px.end());
  }
  return b;
}

const CifarOptions kLoose{false};

}  // namespace

TEST_CASE("CIFAR-10 round trip: five train batches in order, CHW pixels, names") {
  TempDir d("autost_data");
  std::vector<Bytes> all_labels;
  for (int f = 1; f <= 5; ++f) {
    std::vector<Bytes> labels = {{uint8_t(f)}, {uint8_t((f * 3) % 10)}};
    all_labels.insert(all_labels.end(), labels.begin(), labels.end());
    write_raw(d / ("data_batch_" + std::to_string(f) + ".bin"), cifar_records(labels, f));
  }
  write_raw(d / "test_batch.bin", cifar_records({{9}, {0}, {4}}, 9));
  Dataset tr = load_cifar10(d.path.string(), Split::Train, kLoose);
  CHECK(tr.images.shape() == Shape{10, 3, 32, 32});
  CHECK(tr.images.dtype() == kUInt8);
  CHECK(tr.labels.dtype() == kInt64);
  std::vector<int64_t> expect_labels;
  for (const Bytes& l : all_labels) expect_labels.push_back(l[0]);
  CHECK(tr.labels.to_vector<int64_t>() == expect_labels);
  // Image 3 is record 1 of data_batch_2; pixel (row r, col c, channel k) at k*1024 + r*32 + c.
  const Bytes px = pattern(3072, 2 * 1000 + 1);
  const uint8_t* img3 = tr.images.data<uint8_t>() + 3 * 3072;
  CHECK(std::equal(px.begin(), px.end(), img3));
  CHECK(int(img3[2 * 1024 + 5 * 32 + 7]) == int(px[2 * 1024 + 5 * 32 + 7]));
  CHECK(tr.class_names == cifar10_class_names());

  write_raw(d / "batches.meta.txt", {'a', '\r', '\n', '\n', 'b', ' ', '\n', 'c', '\n', 'd', '\n', 'e', '\n',
                                     'f', '\n', 'g', '\n', 'h', '\n', 'i', '\n', 'j', '\n', '\n'});
  Dataset te = load_cifar10(d.path.string(), Split::Test, kLoose);
  CHECK(te.labels.to_vector<int64_t>() == std::vector<int64_t>{9, 0, 4});
  CHECK(te.class_names == std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  // The strict default wants 10,000 records per file.
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Test); }, "test_batch.bin", "expected 10000");
}

TEST_CASE("CIFAR-100 round trip: fine and coarse labels, names") {
  TempDir d("autost_data");
  // (coarse, fine): beaver 4 and whale 95 are aquatic mammals (0); worm 99 is coarse 13.
  write_raw(d / "test.bin", cifar_records({{0, 4}, {13, 99}, {0, 95}}, 5));
  Dataset te = load_cifar100(d.path.string(), Split::Test, kLoose);
  CHECK(te.images.shape() == Shape{3, 3, 32, 32});
  CHECK(te.labels.to_vector<int64_t>() == std::vector<int64_t>{4, 99, 95});
  CHECK(te.coarse_labels.to_vector<int64_t>() == std::vector<int64_t>{0, 13, 0});
  const Bytes px = pattern(3072, 5 * 1000 + 2);
  CHECK(std::equal(px.begin(), px.end(), te.images.data<uint8_t>() + 2 * 3072));
  REQUIRE(te.class_names.size() == 100);
  CHECK(std::is_sorted(te.class_names.begin(), te.class_names.end()));
  CHECK(te.class_names[4] == "beaver");
  CHECK(te.class_names[30] == "dolphin");
  CHECK(te.class_names[55] == "otter");
  CHECK(te.class_names[72] == "seal");
  CHECK(te.class_names[95] == "whale");
  CHECK(te.coarse_class_names.size() == 20);
  CHECK(te.coarse_class_names[0] == "aquatic_mammals");
  // Every fine class has exactly one superclass, five fine classes each.
  std::vector<int> per_coarse(20, 0);
  for (int f = 0; f < 100; ++f) ++per_coarse.at(cifar100_coarse_of(f));
  CHECK(per_coarse == std::vector<int>(20, 5));
}

TEST_CASE("CIFAR: each bad file is rejected naming the file and the check") {
  TempDir d("autost_data");
  // CIFAR-10 test file of 2.5 records.
  Bytes part = cifar_records({{1}, {2}, {3}}, 1);
  part.resize(part.size() - 1500);
  write_raw(d / "test_batch.bin", part);
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Test, kLoose); }, "test_batch.bin", "not a multiple");
  // A CIFAR-10 file handed to the CIFAR-100 reader: 3 x 3073 is not a multiple of 3074.
  write_raw(d / "test.bin", cifar_records({{1}, {2}, {3}}, 1));
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Test, kLoose); }, "test.bin", "not a multiple of the 3074");

  write_raw(d / "test_batch.bin", cifar_records({{1}, {10}}, 1));
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Test, kLoose); }, "test_batch.bin", "label range");
  write_raw(d / "test.bin", cifar_records({{0, 4}, {19, 100}}, 1));
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Test, kLoose); }, "test.bin", "fine label 100");
  write_raw(d / "test.bin", cifar_records({{20, 4}}, 1));
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Test, kLoose); }, "test.bin", "coarse label 20");
  write_raw(d / "test.bin", cifar_records({{0, 0}}, 1));
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Test, kLoose); }, "test.bin", "label mismatch");

  // Missing files: a train batch absent; the pickled variant present instead.
  for (int f = 1; f <= 4; ++f) write_raw(d / ("data_batch_" + std::to_string(f) + ".bin"), cifar_records({{1}}, 1));
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Train, kLoose); }, "data_batch_5.bin", "missing file");
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Train, kLoose); }, "train.bin", "missing file");
  write_raw(d / "data_batch_5", {0x80, 0x02, 0x7d});
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Train, kLoose); }, "data_batch_5", "Python version");
  write_raw(d / "data_batch_5.bin", {0x80, 0x02, 0x7d});
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Train, kLoose); }, "data_batch_5.bin", "Python version");

  // Name files with the wrong number of non-blank lines.
  write_raw(d / "test_batch.bin", cifar_records({{1}}, 1));
  write_raw(d / "batches.meta.txt", {'a', '\n', 'b', '\n'});
  CHECK_REJECTS([&] { load_cifar10(d.path.string(), Split::Test, kLoose); }, "batches.meta.txt", "class names");
  write_raw(d / "test.bin", cifar_records({{0, 4}}, 1));
  write_raw(d / "fine_label_names.txt", {'x', '\n'});
  CHECK_REJECTS([&] { load_cifar100(d.path.string(), Split::Test, kLoose); }, "fine_label_names.txt", "class names");
}
