// ImageNet-style folders: stb_image decoding of RGB, grayscale, Adobe CMYK and PNG-named-.JPEG files
// against PIL's decode of the same files (fixtures written by tests/reference/make_jpeg.py), the
// folder index (sorted classes and files, val labelled by train's classes), lazy decoding, and each
// layout or file problem as one error line naming the folder or file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "data/image_decode.h"
#include "data/image_folder.h"
#include "tests/data_harness.h"
#include "tensor/atomic_file.h"
#include "tensor/npy.h"

using namespace autost;
using namespace autost::data;
using namespace autost::test;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(AUTOST_FIXTURES_DIR) + "/data/" + name; }

// Largest |stb - PIL| over all pixels; the expected file is PIL's uint8 [H, W, 3].
int max_diff_to_pil(const Tensor& chw, const std::string& name) {
  const Tensor hwc = read_npy(fixture(name + ".rgb.npy"));
  REQUIRE(hwc.shape() == Shape{chw.size(1), chw.size(2), 3});
  const uint8_t* a = chw.data<uint8_t>();
  const uint8_t* b = hwc.data<uint8_t>();
  const int64_t plane = chw.size(1) * chw.size(2);
  int worst = 0;
  for (int64_t i = 0; i < plane; ++i)
    for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(int(a[c * plane + i]) - int(b[3 * i + c])));
  return worst;
}

void copy_fixture(const std::string& name, const std::string& to) {
  fs::create_directories(fs::path(to).parent_path());
  fs::copy_file(fixture(name), to, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("Decode: RGB, grayscale, Adobe CMYK and a PNG named .JPEG all become RGB [3, H, W] like PIL's") {
  // stb_image's IDCT and upsampling differ from libjpeg's by a few LSB (DATA_FORMATS.md §3.7-3.8).
  for (const char* name : {"img_rgb.JPEG", "img_gray.JPEG", "img_cmyk.JPEG", "img_png.JPEG"}) {
    CAPTURE(std::string(name));
    const Tensor img = read_image(fixture(name));
    CHECK(img.dtype() == kUInt8);
    CHECK(img.shape() == Shape{3, 8, 16});
    CHECK(max_diff_to_pil(img, name) <= 3);
  }
  // Grayscale is replicated into three equal planes.
  const Tensor gray = read_image(fixture("img_gray.JPEG"));
  const std::vector<int64_t> g = gray.to_vector<int64_t>();
  CHECK(std::equal(g.begin(), g.begin() + 128, g.begin() + 128));
  CHECK(std::equal(g.begin(), g.begin() + 128, g.begin() + 256));
}

TEST_CASE("Decode: JPEG markers tell grayscale, YCbCr and CMYK apart before decoding") {
  const JpegInfo rgb = sniff_jpeg(read_file(fixture("img_rgb.JPEG")));
  const JpegInfo gray = sniff_jpeg(read_file(fixture("img_gray.JPEG")));
  const JpegInfo cmyk = sniff_jpeg(read_file(fixture("img_cmyk.JPEG")));
  const JpegInfo bare = sniff_jpeg(read_file(fixture("img_cmyk_noadobe.JPEG")));
  CHECK(rgb.components == 3);
  CHECK(gray.components == 1);
  CHECK((cmyk.components == 4 && cmyk.adobe));
  CHECK((bare.components == 4 && !bare.adobe));
  CHECK(sniff_jpeg(read_file(fixture("img_png.JPEG"))).components == 0);
  CHECK(sniff_jpeg("").components == 0);
}

TEST_CASE("Decode: each undecodable file is rejected naming it") {
  CHECK_REJECTS([] { read_image(fixture("img_cmyk_noadobe.JPEG")); }, "img_cmyk_noadobe.JPEG",
                "CMYK JPEG without an Adobe marker");
  CHECK_REJECTS([] { read_image(fixture("img_truncated.JPEG")); }, "img_truncated.JPEG", "cannot decode");
  CHECK_REJECTS([] { decode_image("not an image at all", "text.JPEG"); }, "text.JPEG", "cannot decode");
  CHECK_REJECTS([] { decode_image("", "empty.JPEG"); }, "empty.JPEG", "cannot decode");
  CHECK_REJECTS([] { read_image("/nonexistent/x.JPEG"); }, "/nonexistent/x.JPEG", "cannot open");
}

TEST_CASE("Image folder: classes from train's sorted folders, files sorted, val labelled the same") {
  TempDir d;
  // Classes created out of order; n01 sorts first.
  copy_fixture("img_rgb.JPEG", d / "train/n02/b.JPEG");
  copy_fixture("img_gray.JPEG", d / "train/n02/a.jpeg");
  copy_fixture("img_cmyk.JPEG", d / "train/n01/z.JPEG");
  copy_fixture("img_png.JPEG", d / "train/n03/c.JPEG");
  write_string(d / "train/n03/notes.txt", "not an image: ignored and counted");
  copy_fixture("img_rgb.JPEG", d / "val/n03/v1.JPEG");
  copy_fixture("img_rgb.JPEG", d / "val/n01/v2.jpg");
  copy_fixture("img_gray.JPEG", d / "val/n02/v3.PNG");  // a JPEG under a .PNG name: sniffed by content

  const ImageFolder train(d.path.string(), Split::Train);
  CHECK(train.class_names() == std::vector<std::string>{"n01", "n02", "n03"});
  REQUIRE(train.size() == 4);
  std::vector<std::string> names;
  std::vector<int64_t> labels;
  for (const ImageSample& s : train.samples()) {
    names.push_back(fs::path(s.path).filename().string());
    labels.push_back(s.label);
  }
  CHECK(names == std::vector<std::string>{"z.JPEG", "a.jpeg", "b.JPEG", "c.JPEG"});
  CHECK(labels == std::vector<int64_t>{0, 1, 1, 2});
  CHECK(train.ignored_files() == 1);
  for (int64_t i = 0; i < train.size(); ++i) CHECK(train.decode(i).shape() == Shape{3, 8, 16});
  CHECK(max_diff_to_pil(train.decode(0), "img_cmyk.JPEG") <= 3);

  const ImageFolder val(d.path.string(), Split::Test);
  REQUIRE(val.size() == 3);
  CHECK(val.class_names() == train.class_names());
  CHECK(val.samples()[0].label == 0);
  CHECK(val.samples()[2].label == 2);
  CHECK(val.decode(1).shape() == Shape{3, 8, 16});
  CHECK_REJECTS([&] { val.decode(3); }, "image folder", "index 3");
  CHECK(ImageFolder(d.path.string(), Split::Train, ImageFolderOptions{3, false}).size() == 4);
  CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Train, ImageFolderOptions{1000, false}); }, "train",
                "3 class folders, expected 1000");
}

TEST_CASE("Image folder: an undecodable file fails by name, or with the option is skipped and counted") {
  TempDir d;
  copy_fixture("img_rgb.JPEG", d / "train/n01/good.JPEG");
  copy_fixture("img_truncated.JPEG", d / "train/n01/bad.JPEG");
  const ImageFolder strict(d.path.string(), Split::Train);
  REQUIRE(strict.size() == 2);
  CHECK(fs::path(strict.samples()[0].path).filename() == "bad.JPEG");
  CHECK_REJECTS([&] { strict.decode(0); }, "bad.JPEG", "cannot decode");
  CHECK_REJECTS([&] { strict.try_decode(0); }, "bad.JPEG", "cannot decode");

  const ImageFolder skipping(d.path.string(), Split::Train, ImageFolderOptions{0, true});
  CHECK_FALSE(skipping.try_decode(0).has_value());
  CHECK(skipping.try_decode(1).has_value());
  CHECK(skipping.skipped() == 1);
  CHECK(skipping.skipped_files() == std::vector<std::string>{skipping.samples()[0].path});
}

TEST_CASE("Image folder: each layout problem is an error naming the folder") {
  {
    TempDir d;
    copy_fixture("img_rgb.JPEG", d / "train/n01/a.JPEG");
    copy_fixture("img_rgb.JPEG", d / "train/n02/a.JPEG");
    // The flat ILSVRC2012 val layout.
    copy_fixture("img_rgb.JPEG", d / "val/ILSVRC2012_val_00000001.JPEG");
    copy_fixture("img_rgb.JPEG", d / "val/ILSVRC2012_val_00000002.JPEG");
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Test); }, "val", "flat ILSVRC2012 val layout");
    fs::remove_all(d.path / "val");
    copy_fixture("img_rgb.JPEG", d / "val/n01/a.JPEG");
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Test); }, "val", "missing class folders n02");
    copy_fixture("img_rgb.JPEG", d / "val/n02/a.JPEG");
    copy_fixture("img_rgb.JPEG", d / "val/n09/a.JPEG");
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Test); }, "val", "class folders n09 are not in");
    fs::remove_all(d.path / "val/n09");
    CHECK(ImageFolder(d.path.string(), Split::Test).size() == 2);
    fs::create_directories(d.path / "train/n05");
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Train); }, "n05", "no .JPEG");
  }
  {
    TempDir d;
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Train); }, "train", "missing folder");
    fs::create_directories(d.path / "train");
    CHECK_REJECTS([&] { ImageFolder(d.path.string(), Split::Train); }, "train", "no class folders");
    CHECK_FALSE(is_image_file_name("README"));
    CHECK(is_image_file_name("x.JpEg"));
  }
}
