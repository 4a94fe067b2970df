// Per-sample image transforms: normalisation, flip, crops, resizes, PIL warps, ImageOps and
// ImageEnhance. Exact PIL/torch behaviour is checked against tests/fixtures/transforms (written
// once by tests/reference/transforms.py); the rest against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "data/transforms/crop.h"
#include "data/transforms/enhance.h"
#include "data/transforms/flip.h"
#include "data/transforms/normalize.h"
#include "data/transforms/pixel_ops.h"
#include "data/transforms/resize.h"
#include "data/transforms/warp.h"
#include "image_harness.h"

using namespace autost;
using namespace autost::data;
using autost::test::fixture_image;

namespace {

Image from_values(int C, int H, int W, const std::vector<float>& v) {
  REQUIRE(static_cast<int64_t>(v.size()) == static_cast<int64_t>(C) * H * W);
  return image_from_float(v.data(), C, H, W);
}

const std::vector<float> kFill = {125, 123, 114};

// The output sizes tests/reference/transforms.py resized the fixture image to (up and down).
struct Size {
  std::string name;
  int h, w;
};
const Size kResizeSizes[] = {{"47x43", 47, 43}, {"17x15", 17, 15}};

}  // namespace

TEST_CASE("normalize: (v - 255 mean) / (255 std) per channel") {
  Image img = from_values(2, 1, 2, {0, 255, 0, 128});
  normalize(img, {{0.5f, 0.25f}, {0.5f, 0.25f}});
  CHECK(img.px[0] == doctest::Approx(-1.0));
  CHECK(img.px[1] == doctest::Approx(1.0));
  CHECK(img.px[2] == doctest::Approx(-1.0));
  CHECK(img.px[3] == doctest::Approx((128 - 63.75) / 63.75));
  Image bad = from_values(2, 1, 1, {0, 0});
  CHECK_THROWS_WITH_AS(normalize(bad, {{0.5f, 0.5f, 0.5f}, {0.2f, 0.2f, 0.2f}}), doctest::Contains("3 values for an image of 2 channels"), Error);
  CHECK_THROWS_WITH_AS(normalize(bad, {{0.5f}, {0.2f, 0.3f}}), doctest::Contains("1 means and 2 stds"), Error);
}

TEST_CASE("hflip mirrors every row of every plane; random_hflip flips with probability p") {
  Image img = from_values(2, 2, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  hflip(img);
  CHECK(img.px == std::vector<float>{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10});
  const Image original = from_values(1, 1, 2, {1, 2});
  int flipped = 0;
  for (uint64_t s = 0; s < 200; ++s) {
    Rng rng(s, RngPurpose::Test, 0, 0);
    Image a = original;
    random_hflip(0.5)(a, rng);
    flipped += a.px[0] == 2;
    Image never = original, always = original;
    random_hflip(0.0)(never, rng);
    random_hflip(1.0)(always, rng);
    CHECK(never.px == original.px);
    CHECK(always.px == std::vector<float>{2, 1});
  }
  CHECK(flipped > 70);  // Binomial(200, 1/2): outside (70, 130) has probability < 1e-4
  CHECK(flipped < 130);
}

TEST_CASE("crop and center_crop: torchvision's rounding and zero padding") {
  Image img = from_values(1, 6, 5, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29});
  Image c = crop(img, {1, 2, 2, 2});
  CHECK(c.px == std::vector<float>{7, 8, 12, 13});
  Image outside = crop(img, {-1, 4, 2, 2}, 9.f);
  CHECK(outside.px == std::vector<float>{9, 9, 4, 9});
  // (6 - 3) / 2 = 1.5 and (5 - 2) / 2 = 1.5 both round half to even: 2.
  Image cc = center_crop(img, 3, 2);
  CHECK(cc.px == std::vector<float>{12, 13, 17, 18, 22, 23});
  // Larger than the image: padded (8 - 6) // 2 = 1 row above, (7 - 5) // 2 = 1 column left.
  Image big = center_crop(img, 8, 7);
  CHECK(big.H == 8);
  CHECK(big.W == 7);
  CHECK(big.at(0, 0, 0) == 0.f);
  CHECK(big.at(0, 1, 1) == 0.f);
  CHECK(big.at(0, 1, 2) == 1.f);
  CHECK(big.at(0, 6, 5) == 29.f);
  CHECK(big.at(0, 7, 6) == 0.f);
}

TEST_CASE("random crop with padding stays inside the padded image and reaches every offset") {
  std::set<std::pair<int, int>> seen;
  for (uint64_t s = 0; s < 400; ++s) {
    Rng rng(s, RngPurpose::Test, 0, 0);
    CropBox b = random_crop_box(6, 5, 6, 5, 1, rng);
    CHECK(b.top >= -1);
    CHECK(b.top <= 1);
    CHECK(b.left >= -1);
    CHECK(b.left <= 1);
    seen.insert({b.top, b.left});
  }
  CHECK(seen.size() == 9);
  Rng rng(1, RngPurpose::Test, 0, 0);
  CHECK_THROWS_WITH_AS(random_crop_box(6, 5, 9, 5, 1, rng), doctest::Contains("does not fit"), Error);
  Image img(1, 4, 4, 7.f);
  random_crop(4, 4, 2, 3.f)(img, rng);
  for (float v : img.px) CHECK((v == 7.f || v == 3.f));
}

TEST_CASE("random resized crop: torchvision's attempts and fallback") {
  // scale (1, 1), ratio (1, 1) on a square image: always the whole image (the CIFAR recipe).
  for (uint64_t s = 0; s < 20; ++s) {
    Rng rng(s, RngPurpose::Test, 0, 0);
    CropBox b = random_resized_crop_box(32, 32, {1, 1}, {1, 1}, rng);
    CHECK(b.top == 0);
    CHECK(b.left == 0);
    CHECK(b.h == 32);
    CHECK(b.w == 32);
  }
  // A 10x100 image never fits a full-area crop of aspect <= 4/3: fallback h = 10,
  // w = round(10 · 4/3) = 13, centred: left (100 - 13) // 2 = 43.
  Rng rng(3, RngPurpose::Test, 0, 0);
  CropBox wide = random_resized_crop_box(10, 100, {1, 1}, {3.0 / 4, 4.0 / 3}, rng);
  CHECK(wide.top == 0);
  CHECK(wide.left == 43);
  CHECK(wide.h == 10);
  CHECK(wide.w == 13);
  CropBox tall = random_resized_crop_box(100, 10, {1, 1}, {3.0 / 4, 4.0 / 3}, rng);
  CHECK(tall.h == 13);  // round(10 / (3/4)) = 13
  CHECK(tall.w == 10);
  CHECK(tall.top == 43);
  CHECK(tall.left == 0);
  // The ImageNet default: every box lies inside the image with area and aspect in range (or is the
  // fallback).
  for (uint64_t s = 0; s < 200; ++s) {
    Rng r(s, RngPurpose::Test, 0, 0);
    CropBox b = random_resized_crop_box(48, 64, {0.08, 1.0}, {3.0 / 4, 4.0 / 3}, r);
    CHECK(b.top >= 0);
    CHECK(b.left >= 0);
    CHECK(b.top + b.h <= 48);
    CHECK(b.left + b.w <= 64);
    CHECK(b.h * b.w >= 0.08 * 48 * 64 * 0.8);  // rounding of w and h can shrink the area a little
  }
  Image img(3, 20, 30, 50.f);
  random_resized_crop(8, 8, {0.08, 1.0}, {3.0 / 4, 4.0 / 3}, Interp::Bicubic)(img, rng);
  CHECK(img.H == 8);
  CHECK(img.W == 8);
  for (float v : img.px) CHECK(v == 50.f);  // a constant image stays constant through the resize
}

TEST_CASE("resize_pil matches Pillow's Image.resize (uint8, antialiased, a = -0.5)") {
  Image img = fixture_image("image");
  for (const Size& s : kResizeSizes) {
    CAPTURE(s.name);
    CHECK_IMAGE(resize_pil(img, s.h, s.w, Interp::Bilinear), fixture_image("pil_resize_bilinear_" + s.name), 0);
    CHECK_IMAGE(resize_pil(img, s.h, s.w, Interp::Bicubic), fixture_image("pil_resize_bicubic_" + s.name), 0);
  }
  CHECK_IMAGE(resize_pil(img, img.H, img.W, Interp::Bicubic), img, 0);
  CHECK_THROWS_WITH_AS(resize_pil(img, 5, 5, Interp::Nearest), doctest::Contains("nearest is not supported"), Error);
  CHECK_THROWS_WITH_AS(resize_pil(img, 0, 5, Interp::Bicubic), doctest::Contains("bad output size"), Error);
}

TEST_CASE("resize_torch matches F.interpolate (align_corners=False, bicubic a = -0.75)") {
  Image img = fixture_image("image");
  const std::pair<Interp, std::string> modes[] = {
      {Interp::Nearest, "nearest"}, {Interp::Bilinear, "bilinear"}, {Interp::Bicubic, "bicubic"}};
  for (const auto& [interp, mode] : modes)
    for (const Size& s : kResizeSizes) {
      CAPTURE(mode);
      CAPTURE(s.name);
      CHECK_IMAGE(resize_torch(img, s.h, s.w, interp), fixture_image("torch_resize_" + mode + "_" + s.name), 1e-3);
    }
}

TEST_CASE("shorter_side_size: the short side becomes size, the long side is truncated") {
  CHECK(shorter_side_size(375, 500, 256) == std::pair<int, int>{256, 341});  // 256·500/375 = 341.33
  CHECK(shorter_side_size(500, 333, 224) == std::pair<int, int>{336, 224});  // 224·500/333 = 336.3
  CHECK(shorter_side_size(32, 32, 32) == std::pair<int, int>{32, 32});
}

TEST_CASE("PIL affine warps match Image.transform / Image.rotate (bicubic a = -1, truncation, fill)") {
  Image img = fixture_image("image");
  struct Case {
    const char* name;
    Image actual;
  };
  const Case cases[] = {
      {"pil_rotate_p27_bicubic", pil_rotate(img, 27.0, Interp::Bicubic, kFill)},
      {"pil_rotate_m13_bilinear", pil_rotate(img, -13.5, Interp::Bilinear, kFill)},
      {"pil_rotate_p90_bicubic", pil_rotate(img, 90.0, Interp::Bicubic, kFill)},
      {"pil_shearx_p027_bicubic", warp_affine_pil(img, pil_shear_x_coeffs(0.27), Interp::Bicubic, kFill)},
      {"pil_sheary_m02_bilinear", warp_affine_pil(img, pil_shear_y_coeffs(-0.2), Interp::Bilinear, kFill)},
      {"pil_translatex_p0405_bicubic",
       warp_affine_pil(img, pil_translate_coeffs(0.405 * img.W, 0), Interp::Bicubic, kFill)},
      {"pil_translatey_m37_bicubic", warp_affine_pil(img, pil_translate_coeffs(0, -3.7), Interp::Bicubic, kFill)},
  };
  for (const Case& c : cases) {
    std::string name = c.name;
    CAPTURE(name);
    CHECK_IMAGE(c.actual, fixture_image(c.name), 0);
  }
  Image square = crop(img, {0, 0, 32, 32});
  CHECK_IMAGE(pil_rotate(square, 90.0, Interp::Bicubic, kFill), fixture_image("pil_square_rotate_p90"), 0);
  CHECK_IMAGE(pil_rotate(square, -90.0, Interp::Bicubic, kFill), fixture_image("pil_square_rotate_m90"), 0);
  CHECK_IMAGE(pil_rotate(square, 180.0, Interp::Bicubic, kFill), fixture_image("pil_square_rotate_p180"), 0);
  CHECK_IMAGE(pil_rotate(square, 0.0, Interp::Bicubic, kFill), square, 0);
}

TEST_CASE("ImageOps point operations match Pillow") {
  const Image img = fixture_image("image");
  auto run = [&](void (*op)(Image&)) {
    Image a = img;
    op(a);
    return a;
  };
  CHECK_IMAGE(run(equalize), fixture_image("pil_equalize"), 0);
  CHECK_IMAGE(run(autocontrast), fixture_image("pil_autocontrast"), 0);
  CHECK_IMAGE(run(invert), fixture_image("pil_invert"), 0);
  Image p = img, s = img, sa = img;
  posterize(p, 2);
  solarize(s, 100);
  solarize_add(sa, 99);
  CHECK_IMAGE(p, fixture_image("pil_posterize_2"), 0);
  CHECK_IMAGE(s, fixture_image("pil_solarize_100"), 0);
  CHECK_IMAGE(sa, fixture_image("pil_solarize_add_99"), 0);
  // One distinct value: equalize and autocontrast leave the channel alone.
  Image flat(1, 3, 3, 77.f);
  equalize(flat);
  autocontrast(flat);
  for (float v : flat.px) CHECK(v == 77.f);
  CHECK_THROWS_WITH_AS(posterize(p, 9), doctest::Contains("outside 0..8"), Error);
}

TEST_CASE("ImageEnhance blends match Pillow (color, contrast, brightness, sharpness)") {
  const Image img = fixture_image("image");
  struct Op {
    const char* name;
    void (*fn)(Image&, double);
  };
  for (Op op : {Op{"color", adjust_color}, Op{"contrast", adjust_contrast}, Op{"brightness", adjust_brightness},
                Op{"sharpness", adjust_sharpness}})
    for (const char* factor : {"0.19", "1.81"}) {
      Image a = img;
      op.fn(a, std::stod(factor));
      CAPTURE(op.name);
      CAPTURE(factor);
      CHECK_IMAGE(a, fixture_image(std::string("pil_") + op.name + "_" + factor), 0);
      Image same = img;
      op.fn(same, 1.0);
      CHECK_IMAGE(same, img, 0);
    }
  Image two(2, 3, 3, 1.f);
  CHECK_THROWS_WITH_AS(adjust_color(two, 0.5), doctest::Contains("1- or 3-channel"), Error);
}
