// Augmentations: RandAugment (config parsing, op lists, ops against Pillow fixtures, the per-image
// draws), random erasing, mixup/cutmix targets, and the CIFAR10-DVS clip ops against torchvision.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "data/transforms/dvs_augment.h"
#include "data/transforms/erasing.h"
#include "data/transforms/mixup.h"
#include "data/transforms/rand_augment.h"
#include "data/transforms/warp.h"
#include "image_harness.h"

using namespace autost;
using namespace autost::data;
using autost::test::fixture_image;

namespace {

RandAugmentParams cifar_params() {
  RandAugmentParams p;
  p.fill = rand_augment_fill({0.4914f, 0.4822f, 0.4465f});
  p.interpolation = Interp::Bicubic;
  return p;
}

bool same_pixels(const Image& a, const Image& b) { return a.px == b.px; }

}  // namespace

TEST_CASE("parse_rand_augment: the recipe strings and timm's defaults") {
  RandAugmentConfig c = parse_rand_augment("rand-m9-n1-mstd0.4-inc1");
  CHECK(c.magnitude == 9);
  CHECK(c.num_ops == 1);
  CHECK(c.magnitude_std == doctest::Approx(0.4));
  CHECK(c.increasing);
  CHECK(c.magnitude_max == 10);
  CHECK_FALSE(c.weight_index.has_value());
  RandAugmentConfig imagenet = parse_rand_augment("rand-m9-mstd0.5-inc1");
  CHECK(imagenet.num_ops == 2);
  CHECK(imagenet.magnitude_std == doctest::Approx(0.5));
  RandAugmentConfig bare = parse_rand_augment("rand");
  CHECK(bare.magnitude == 10);
  CHECK(bare.num_ops == 2);
  CHECK(bare.magnitude_std == 0.0);
  CHECK_FALSE(bare.increasing);
  CHECK(std::isinf(parse_rand_augment("rand-mstd101").magnitude_std));
  CHECK(parse_rand_augment("rand-m9-inc0").increasing);  // timm's quirk: any value enables it
  CHECK(parse_rand_augment("rand-mmax0").magnitude_max == 10);
  CHECK(parse_rand_augment("rand-mmax20-m15").magnitude_max == 20);
  CHECK(parse_rand_augment("rand-m7-foo").magnitude == 7);  // a section without digits is ignored
  CHECK(*parse_rand_augment("rand-w0").weight_index == 0);
}

TEST_CASE("parse_rand_augment: bad strings are one-line errors naming the string") {
  CHECK_THROWS_WITH_AS(parse_rand_augment("randaug-m9"), doctest::Contains("must start with 'rand'"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment(""), doctest::Contains("must start with 'rand'"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-x5"), doctest::Contains("unknown section 'x5'"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-9"), doctest::Contains("unknown section '9'"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-m9.5"), doctest::Contains("'m' wants an integer"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-mstd0.4x"), doctest::Contains("bad number '0.4x'"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-w1"), doctest::Contains("only weight set w0"), Error);
  CHECK_THROWS_WITH_AS(parse_rand_augment("rand-m9-n1-mstd0.4-inc1-q3"), doctest::Contains("rand-m9-n1-mstd0.4-inc1-q3"),
                       Error);
}

TEST_CASE("RandAugment op lists: Spikformer's five and timm's fifteen (with inc variants)") {
  using A = AugOp;
  std::vector<AugOp> five = {A::Equalize, A::Rotate, A::ShearX, A::TranslateXRel, A::TranslateYRel};
  CHECK(rand_augment_ops(OpSet::SpikformerCifar, false) == five);
  CHECK(rand_augment_ops(OpSet::SpikformerCifar, true) == five);
  std::vector<AugOp> plain = rand_augment_ops(OpSet::Timm, false), inc = rand_augment_ops(OpSet::Timm, true);
  REQUIRE(plain.size() == 15);
  REQUIRE(inc.size() == 15);
  CHECK(plain[4] == A::Posterize);
  CHECK(inc[4] == A::PosterizeIncreasing);
  CHECK(inc[5] == A::SolarizeIncreasing);
  CHECK(inc[6] == A::SolarizeAdd);
  CHECK(inc[10] == A::SharpnessIncreasing);
  CHECK(std::string(aug_op_name(inc[7])) == "ColorIncreasing");
}

TEST_CASE("rand_augment_fill: round(255 · mean), the recipes' fill colours") {
  CHECK(rand_augment_fill({0.4914f, 0.4822f, 0.4465f}) == std::vector<float>{125, 123, 114});
  CHECK(rand_augment_fill({0.485f, 0.456f, 0.406f}) == std::vector<float>{124, 116, 104});
}

TEST_CASE("RandAugment ops at a given magnitude equal the Pillow operations timm calls") {
  const Image img = fixture_image("image");
  RandAugmentParams p = cifar_params();
  auto op = [&](AugOp o, double m, bool negate, Interp interp = Interp::Bicubic) {
    Image a = img;
    apply_aug_op(a, o, m, negate, interp, p);
    return a;
  };
  CHECK_IMAGE(op(AugOp::Rotate, 9, false), fixture_image("pil_rotate_p27_bicubic"), 0);     // 30 · 0.9 = 27 degrees
  CHECK_IMAGE(op(AugOp::Rotate, 4.5, true, Interp::Bilinear), fixture_image("pil_rotate_m13_bilinear"), 0);
  CHECK_IMAGE(op(AugOp::ShearX, 9, false), fixture_image("pil_shearx_p027_bicubic"), 0);     // 0.3 · 0.9
  CHECK_IMAGE(op(AugOp::TranslateXRel, 9, false), fixture_image("pil_translatex_p0405_bicubic"), 0);  // 0.45 · 0.9
  CHECK_IMAGE(op(AugOp::Equalize, 9, false), fixture_image("pil_equalize"), 0);
  CHECK_IMAGE(op(AugOp::AutoContrast, 3, true), fixture_image("pil_autocontrast"), 0);
  CHECK_IMAGE(op(AugOp::Invert, 3, true), fixture_image("pil_invert"), 0);
  CHECK_IMAGE(op(AugOp::PosterizeIncreasing, 5, false), fixture_image("pil_posterize_2"), 0);  // 4 - int(2)
  CHECK_IMAGE(op(AugOp::Posterize, 5, false), fixture_image("pil_posterize_2"), 0);            // int(0.5 · 4)
  CHECK_IMAGE(op(AugOp::Solarize, 3.90625, false), fixture_image("pil_solarize_100"), 0);      // int(0.390625 · 256)
  CHECK_IMAGE(op(AugOp::SolarizeIncreasing, 6.09375, false), fixture_image("pil_solarize_100"), 0);  // 256 - 156
  CHECK_IMAGE(op(AugOp::SolarizeAdd, 9, false), fixture_image("pil_solarize_add_99"), 0);      // int(0.9 · 110)
  CHECK_IMAGE(op(AugOp::Color, 0.5, false), fixture_image("pil_color_0.19"), 0);               // 1.8 · 0.05 + 0.1
  CHECK_IMAGE(op(AugOp::ContrastIncreasing, 9, true), fixture_image("pil_contrast_0.19"), 0);  // 1 - 0.81
  CHECK_IMAGE(op(AugOp::BrightnessIncreasing, 9, false), fixture_image("pil_brightness_1.81"), 0);  // 1 + 0.81
  CHECK_IMAGE(op(AugOp::Sharpness, 9.5, false), fixture_image("pil_sharpness_1.81"), 0);      // 1.8 · 0.95 + 0.1
  // Posterize at level 10 keeps 4 bits, PosterizeIncreasing at level 0 keeps 4 too; magnitude 0 of
  // a geometric op is the identity.
  CHECK_IMAGE(op(AugOp::Rotate, 0, false), img, 0);
  CHECK_IMAGE(op(AugOp::TranslateYRel, 0, true), img, 0);
}

TEST_CASE("RandAugment draws: skip probability 1/2 per op, seeded, and the fill colour at the border") {
  const Image img = fixture_image("image");
  RandAugment ra(parse_rand_augment("rand-m9-n1-mstd0.4-inc1"), OpSet::SpikformerCifar, cifar_params());
  int unchanged = 0;
  for (uint64_t s = 0; s < 400; ++s) {
    Image a = img, b = img;
    Rng r1(s, RngPurpose::Test, 0, 0), r2(s, RngPurpose::Test, 0, 0);
    ra(a, r1);
    ra(b, r2);
    CHECK(same_pixels(a, b));  // same stream, same result
    unchanged += same_pixels(a, img);
  }
  // n = 1 op applied with probability 1/2 (every op at m ~ 9 changes this image):
  // Binomial(400, 1/2) lies in (150, 250) with probability > 1 - 1e-6.
  CHECK(unchanged > 150);
  CHECK(unchanged < 250);
  // Uniform magnitudes (mstd > 100) and weighted choice work too.
  RandAugment uniform(parse_rand_augment("rand-m9-n2-mstd101-w0"), OpSet::Timm, cifar_params());
  Rng r(7, RngPurpose::Test, 0, 0);
  Image a = img;
  uniform(a, r);
  CHECK(a.H == img.H);
  CHECK_THROWS_WITH_AS(RandAugment(parse_rand_augment("rand-n6-w0"), OpSet::SpikformerCifar, cifar_params()),
                       doctest::Contains("only 5 ops have a non-zero weight"), Error);
}

TEST_CASE("random erasing (timm): one box of zeros with area and aspect in range, probability p") {
  RandomErasingOptions o;
  o.probability = 1.0;
  for (uint64_t s = 0; s < 200; ++s) {
    Image img(3, 32, 32, 1.f);
    Rng rng(s, RngPurpose::Test, 0, 0);
    int boxes = random_erase(img, o, rng);
    int zeros = 0, y0 = 32, y1 = -1, x0 = 32, x1 = -1;
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        if (img.at(0, y, x) == 0.f) {
          ++zeros;
          y0 = std::min(y0, y), y1 = std::max(y1, y), x0 = std::min(x0, x), x1 = std::max(x1, x);
          CHECK(img.at(1, y, x) == 0.f);
          CHECK(img.at(2, y, x) == 0.f);
        }
    if (boxes == 0) {
      CHECK(zeros == 0);
      continue;
    }
    int h = y1 - y0 + 1, w = x1 - x0 + 1;
    CHECK(zeros == h * w);  // one solid rectangle
    CHECK(h < 32);
    CHECK(w < 32);
    // area ~ U(0.02, 1/3) · 1024 before rounding h and w; aspect in [0.3, 1/0.3] up to rounding.
    CHECK(h * w >= 0.02 * 1024 * 0.5);
    CHECK(h * w <= 1024.0 / 3 * 1.3);
  }
  int erased = 0;
  o.probability = 0.25;
  for (uint64_t s = 0; s < 400; ++s) {
    Image img(1, 16, 16, 1.f);
    Rng rng(s, RngPurpose::Test, 0, 0);
    erased += random_erase(img, o, rng);
  }
  CHECK(erased > 60);  // Binomial(400, ~0.25): mean 100, sd 8.7
  CHECK(erased < 140);
  // "rand" fills one normal value per channel; "pixel" one per pixel.
  o.probability = 1.0;
  o.mode = EraseMode::Rand;
  Image img(2, 32, 32, 100.f);
  Rng rng(5, RngPurpose::Test, 0, 0);
  REQUIRE(random_erase(img, o, rng) == 1);
  std::set<float> values0;
  for (float v : std::vector<float>(img.plane(0), img.plane(0) + 1024))
    if (v != 100.f) values0.insert(v);
  CHECK(values0.size() == 1);
  o.mode = EraseMode::Pixel;
  Image img2(1, 32, 32, 100.f);
  REQUIRE(random_erase(img2, o, rng) == 1);
  std::set<float> values;
  for (float v : img2.px)
    if (v != 100.f) values.insert(v);
  CHECK(values.size() > 10);
  o.min_area = 0.5;
  o.max_area = 0.1;
  CHECK_THROWS_WITH_AS(random_erase(img2, o, rng), doctest::Contains("random erasing: bad options"), Error);
}

TEST_CASE("mixup in batch mode: partner B-1-i, lambda from the draw, targets lam·y + (1-lam)·y_rev") {
  const int B = 4, K = 5;
  MixupOptions o;
  o.mixup_alpha = 0.5;
  o.num_classes = K;
  o.label_smoothing = 0.1;
  std::vector<int64_t> labels = {0, 3, 3, 1};
  std::vector<Image> images;
  for (int i = 0; i < B; ++i) images.emplace_back(2, 3, 3, static_cast<float>(10 * i + 1));
  Rng peek(11, RngPurpose::Test, 0, 0), rng(11, RngPurpose::Test, 0, 0);
  MixDecision d = draw_mix(o, true, 3, 3, peek);
  CHECK_FALSE(d.cutmix);
  CHECK(d.lam > 0.0);
  CHECK(d.lam < 1.0);
  Mixup mix(o);
  std::vector<float> targets;
  std::vector<Image> mixed = images;
  mix.apply(mixed, labels, targets, 0, rng);
  REQUIRE(targets.size() == static_cast<size_t>(B * K));
  const double off = 0.1 / K, on = 1 - 0.1 + off;
  for (int i = 0; i < B; ++i) {
    float expected = images[i].px[0] * static_cast<float>(d.lam) + images[B - 1 - i].px[0] * static_cast<float>(1 - d.lam);
    CHECK(mixed[i].px[7] == expected);
    double sum = 0;
    for (int k = 0; k < K; ++k) {
      double y1 = k == labels[i] ? on : off, y2 = k == labels[B - 1 - i] ? on : off;
      CHECK(targets[i * K + k] == doctest::Approx(d.lam * y1 + (1 - d.lam) * y2));
      sum += targets[i * K + k];
    }
    CHECK(sum == doctest::Approx(1.0));
  }
  // FastCollateMixup on uint8: rounded half to even.
  o.round_to_uint8 = true;
  std::vector<Image> rounded = images;
  Rng rng2(11, RngPurpose::Test, 0, 0);
  Mixup(o).apply(rounded, labels, targets, 0, rng2);
  for (int i = 0; i < B; ++i)
    CHECK(rounded[i].px[0] == std::nearbyint(images[i].px[0] * static_cast<float>(d.lam) +
                                             images[B - 1 - i].px[0] * static_cast<float>(1 - d.lam)));
}

TEST_CASE("cutmix: the partner's box, lambda corrected to the box area; switch_prob picks the kind") {
  const int K = 3, H = 16, W = 12;
  MixupOptions o;
  o.mixup_alpha = 0;
  o.cutmix_alpha = 1.0;
  o.num_classes = K;
  o.label_smoothing = 0;
  std::vector<int64_t> labels = {0, 2};
  for (uint64_t s = 0; s < 50; ++s) {
    std::vector<Image> images = {Image(1, H, W, 1.f), Image(1, H, W, 2.f)};
    Rng peek(s, RngPurpose::Test, 0, 0), rng(s, RngPurpose::Test, 0, 0);
    MixDecision d = draw_mix(o, true, H, W, peek);
    REQUIRE(d.cutmix);
    std::vector<float> targets;
    Mixup(o).apply(images, labels, targets, 0, rng);
    int from_partner = 0;
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        bool in_box = y >= d.y0 && y < d.y1 && x >= d.x0 && x < d.x1;
        CHECK(images[0].at(0, y, x) == (in_box ? 2.f : 1.f));
        from_partner += in_box;
      }
    double lam = 1.0 - static_cast<double>(from_partner) / (H * W);
    CHECK(d.lam == doctest::Approx(lam));
    CHECK(targets[0] == doctest::Approx(lam));       // label 0, no smoothing
    CHECK(targets[2] == doctest::Approx(1 - lam));   // partner's label 2
    CHECK(targets[0] + targets[1] + targets[2] == doctest::Approx(1.0));
  }
  o.mixup_alpha = 0.8;
  o.switch_prob = 0.0;
  Rng r(3, RngPurpose::Test, 0, 0);
  CHECK_FALSE(draw_mix(o, true, H, W, r).cutmix);
  o.switch_prob = 1.0;
  CHECK(draw_mix(o, true, H, W, r).cutmix);
  o.cutmix_minmax = std::make_pair(0.2, 0.5);
  for (int i = 0; i < 20; ++i) {
    MixDecision d = draw_mix(o, true, H, W, r);
    CHECK(d.y1 - d.y0 >= 3);  // randint[int(16·0.2), int(16·0.5)) = [3, 8)
    CHECK(d.y1 - d.y0 < 8);
  }
}

TEST_CASE("mixup off from an epoch, prob 0, and the Beta draw") {
  MixupOptions o;
  o.mixup_alpha = 0.5;
  o.num_classes = 10;
  o.label_smoothing = 0.1;
  o.off_epoch = 200;
  Mixup mix(o);
  std::vector<int64_t> labels = {4, 7};
  std::vector<Image> images = {Image(1, 2, 2, 10.f), Image(1, 2, 2, 20.f)};
  std::vector<float> targets;
  Rng rng(1, RngPurpose::Test, 0, 0);
  mix.apply(images, labels, targets, 200, rng);
  CHECK(images[0].px[0] == 10.f);
  CHECK(images[1].px[0] == 20.f);
  for (int k = 0; k < 10; ++k) {
    CHECK(targets[k] == doctest::Approx(k == 4 ? 0.91 : 0.01));       // CIFAR-10: on 0.91, off 0.01
    CHECK(targets[10 + k] == doctest::Approx(k == 7 ? 0.91 : 0.01));
  }
  CHECK(mix.enabled_at(199));
  CHECK_FALSE(mix.enabled_at(200));
  o.prob = 0.0;
  CHECK(draw_mix(o, true, 2, 2, rng).lam == 1.0);
  // Beta(0.5, 0.5) has mean 1/2 and sd 0.354: the mean of 2000 draws is within 0.04 of 1/2.
  double sum = 0;
  for (int i = 0; i < 2000; ++i) sum += rng.beta(0.5, 0.5);
  CHECK(sum / 2000 == doctest::Approx(0.5).epsilon(0.08));
  o.num_classes = 3;
  o.prob = 1.0;
  CHECK_THROWS_WITH_AS(Mixup(o).apply(images, labels, targets, 0, rng), doctest::Contains("label 4 outside [0, 3)"),
                       Error);
  o.label_smoothing = 1.5;
  CHECK_THROWS_WITH_AS(Mixup{o}, doctest::Contains("label smoothing 1.5"), Error);
}

TEST_CASE("SNNAugmentWide grids equal torch.linspace in float32") {
  Tensor t = read_npy(std::string(AUTOST_FIXTURES_DIR) + "/transforms/linspace_shear.npy");
  CHECK(t.to_vector<float>() == snn_augment_grid(DvsOp::ShearX));
  t = read_npy(std::string(AUTOST_FIXTURES_DIR) + "/transforms/linspace_translate.npy");
  CHECK(t.to_vector<float>() == snn_augment_grid(DvsOp::TranslateX));
  t = read_npy(std::string(AUTOST_FIXTURES_DIR) + "/transforms/linspace_rotate.npy");
  CHECK(t.to_vector<float>() == snn_augment_grid(DvsOp::Rotate));
  t = read_npy(std::string(AUTOST_FIXTURES_DIR) + "/transforms/linspace_cutout.npy");
  CHECK(t.to_vector<float>() == snn_augment_grid(DvsOp::Cutout));
  CHECK(snn_augment_grid(DvsOp::Identity).empty());
}

TEST_CASE("DVS clip ops equal torchvision's tensor F.affine / F.rotate (nearest, zeros outside)") {
  const Image clip = fixture_image("clip");
  REQUIRE(clip.frames == 3);
  Rng rng(0, RngPurpose::Test, 0, 0);
  auto run = [&](DvsOp op, int k) {
    Image a = clip;
    apply_dvs_op(a, op, snn_augment_grid(op)[k], rng);
    CHECK(a.frames == 3);
    return a;
  };
  CHECK_IMAGE(run(DvsOp::ShearX, 3), fixture_image("tv_shearx_3"), 0);
  CHECK_IMAGE(run(DvsOp::ShearX, 27), fixture_image("tv_shearx_27"), 0);
  CHECK_IMAGE(run(DvsOp::TranslateX, 2), fixture_image("tv_translatex_2"), 0);
  CHECK_IMAGE(run(DvsOp::TranslateX, 24), fixture_image("tv_translatex_24"), 0);
  CHECK_IMAGE(run(DvsOp::TranslateX, 9), fixture_image("tv_translatex_9"), 0);  // int(-1.9999999) = -1
  CHECK_IMAGE(run(DvsOp::TranslateY, 9), fixture_image("tv_translatey_9"), 0);
  CHECK_IMAGE(run(DvsOp::TranslateY, 2), fixture_image("tv_translatey_2"), 0);
  CHECK_IMAGE(run(DvsOp::TranslateY, 24), fixture_image("tv_translatey_24"), 0);
  CHECK_IMAGE(run(DvsOp::Rotate, 4), fixture_image("tv_rotate_4"), 0);
  CHECK_IMAGE(run(DvsOp::Rotate, 19), fixture_image("tv_rotate_19"), 0);
  Image same = clip;
  apply_dvs_op(same, DvsOp::Identity, 0.0, rng);
  CHECK_IMAGE(same, clip, 0);
  // The bilinear path with a fill colour (mask blend), on one frame.
  Image frame = clip;
  frame.C = 2;
  frame.frames = 0;
  frame.px.resize(frame.numel());
  CHECK_IMAGE(torch_rotate(frame, 17.0, Interp::Bilinear, std::vector<float>{0.5f, 2.0f}),
              fixture_image("tv_rotate_bilinear_fill"), 1e-4);
}

TEST_CASE("SNNAugmentWide Cutout: one square of zeros through every frame; the clip op is seeded") {
  for (uint64_t s = 0; s < 50; ++s) {
    Image clip(6, 32, 32, 1.f);
    clip.frames = 3;
    Rng rng(s, RngPurpose::Test, 0, 0);
    apply_dvs_op(clip, DvsOp::Cutout, 0, rng);
    int zeros = 0;
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        if (clip.at(0, y, x) == 0.f) {
          ++zeros;
          for (int c = 1; c < 6; ++c) CHECK(clip.at(c, y, x) == 0.f);
        }
    int side = static_cast<int>(std::lround(std::sqrt(zeros)));
    CHECK(side * side == zeros);  // ratio (1, 1): a square
    CHECK(zeros <= std::pow(std::round(std::sqrt(0.11 * 1024)), 2));
  }
  const Image clip = fixture_image("clip");
  Image a = clip, b = clip;
  Rng r1(9, RngPurpose::Test, 0, 0), r2(9, RngPurpose::Test, 0, 0);
  snn_augment_wide(a, r1);
  snn_augment_wide(b, r2);
  CHECK(a.px == b.px);
  int changed = 0;
  for (uint64_t s = 0; s < 120; ++s) {
    Image c = clip;
    Rng r(s, RngPurpose::Test, 0, 0);
    snn_augment_wide(c, r);
    changed += c.px != clip.px;
  }
  // Identity (1/6) and zero magnitudes leave the clip alone; everything else changes it.
  CHECK(changed > 70);
  CHECK(changed < 115);
}
