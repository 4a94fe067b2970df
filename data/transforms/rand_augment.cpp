#include "data/transforms/rand_augment.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "data/transforms/enhance.h"
#include "data/transforms/pixel_ops.h"
#include "data/transforms/warp.h"
#include "tensor/error.h"

namespace autost::data {

namespace {

constexpr double kLevelDenom = 10.0;

// timm's _RAND_CHOICE_WEIGHTS_0, normalised over the ops in use.
double choice_weight(AugOp op) {
  switch (op) {
    case AugOp::Rotate: return 0.3;
    case AugOp::ShearX: case AugOp::ShearY: return 0.2;
    case AugOp::TranslateXRel: case AugOp::TranslateYRel: return 0.1;
    case AugOp::Color: case AugOp::Sharpness: case AugOp::AutoContrast: return 0.025;
    case AugOp::Solarize: case AugOp::SolarizeAdd: case AugOp::Contrast: case AugOp::Brightness:
    case AugOp::Equalize: return 0.005;
    default: return 0.0;  // Posterize, Invert
  }
}

double parse_number(const std::string& text, const std::string& config, const std::string& key) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  AUTOST_CHECK(used == text.size() && !text.empty(), "RandAugment config '", config, "': bad number '", text,
               "' for '", key, "'");
  return v;
}

int parse_integer(const std::string& text, const std::string& config, const std::string& key) {
  double v = parse_number(text, config, key);
  AUTOST_CHECK(v == std::floor(v) && text.find_first_of(".eE") == std::string::npos, "RandAugment config '", config,
               "': '", key, "' wants an integer, got '", text, "'");
  return static_cast<int>(v);
}

double signed_arg(double v, bool negate) { return negate ? -v : v; }

}  // namespace

const char* aug_op_name(AugOp op) {
  static const char* names[] = {"AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "PosterizeIncreasing",
                                "Solarize", "SolarizeIncreasing", "SolarizeAdd", "Color", "ColorIncreasing",
                                "Contrast", "ContrastIncreasing", "Brightness", "BrightnessIncreasing", "Sharpness",
                                "SharpnessIncreasing", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel"};
  return names[static_cast<int>(op)];
}

std::vector<AugOp> rand_augment_ops(OpSet set, bool increasing) {
  using A = AugOp;
  if (set == OpSet::SpikformerCifar) return {A::Equalize, A::Rotate, A::ShearX, A::TranslateXRel, A::TranslateYRel};
  if (increasing)
    return {A::AutoContrast, A::Equalize, A::Invert, A::Rotate, A::PosterizeIncreasing, A::SolarizeIncreasing,
            A::SolarizeAdd, A::ColorIncreasing, A::ContrastIncreasing, A::BrightnessIncreasing,
            A::SharpnessIncreasing, A::ShearX, A::ShearY, A::TranslateXRel, A::TranslateYRel};
  return {A::AutoContrast, A::Equalize, A::Invert, A::Rotate, A::Posterize, A::Solarize, A::SolarizeAdd, A::Color,
          A::Contrast, A::Brightness, A::Sharpness, A::ShearX, A::ShearY, A::TranslateXRel, A::TranslateYRel};
}

RandAugmentConfig parse_rand_augment(const std::string& config) {
  std::vector<std::string> sections;
  std::stringstream ss(config);
  for (std::string s; std::getline(ss, s, '-');) sections.push_back(s);
  AUTOST_CHECK(!sections.empty() && sections[0] == "rand", "RandAugment config '", config,
               "': must start with 'rand' (e.g. rand-m9-n1-mstd0.4-inc1)");
  RandAugmentConfig c;
  for (size_t i = 1; i < sections.size(); ++i) {
    const std::string& s = sections[i];
    size_t digit = 0;
    while (digit < s.size() && !std::isdigit(static_cast<unsigned char>(s[digit]))) ++digit;
    if (digit == s.size()) continue;  // no number: timm ignores the section
    std::string key = s.substr(0, digit), value = s.substr(digit);
    if (key == "mstd") {
      double v = parse_number(value, config, key);
      c.magnitude_std = v > 100 ? std::numeric_limits<double>::infinity() : v;
    } else if (key == "mmax") {
      int v = parse_integer(value, config, key);
      c.magnitude_max = v == 0 ? 10 : v;  // timm: `magnitude_max or 10`
    } else if (key == "inc") {
      c.increasing = true;
    } else if (key == "m") {
      c.magnitude = parse_integer(value, config, key);
    } else if (key == "n") {
      c.num_ops = parse_integer(value, config, key);
      AUTOST_CHECK(c.num_ops >= 0, "RandAugment config '", config, "': negative op count");
    } else if (key == "w") {
      c.weight_index = parse_integer(value, config, key);
      AUTOST_CHECK(*c.weight_index == 0, "RandAugment config '", config, "': only weight set w0 exists");
    } else {
      AUTOST_FAIL("RandAugment config '", config, "': unknown section '", s, "' (keys: m, n, mstd, mmax, inc, w)");
    }
  }
  return c;
}

std::vector<float> rand_augment_fill(const std::vector<float>& mean) {
  std::vector<float> fill;
  for (float m : mean) fill.push_back(std::min(255.f, static_cast<float>(std::nearbyint(255.0 * m))));
  return fill;
}

void apply_aug_op(Image& img, AugOp op, double magnitude, bool negate, Interp interp, const RandAugmentParams& p) {
  const double level = magnitude / kLevelDenom;
  auto enhance_arg = [&] { return level * 1.8 + 0.1; };
  auto enhance_inc_arg = [&] { return std::max(0.1, 1.0 + signed_arg(level * 0.9, negate)); };
  switch (op) {
    case AugOp::AutoContrast: autocontrast(img); break;
    case AugOp::Equalize: equalize(img); break;
    case AugOp::Invert: invert(img); break;
    case AugOp::Rotate: img = pil_rotate(img, signed_arg(level * 30.0, negate), interp, p.fill); break;
    case AugOp::Posterize:
    case AugOp::PosterizeIncreasing: {
      int bits = static_cast<int>(level * 4);
      if (op == AugOp::PosterizeIncreasing) bits = 4 - bits;
      if (bits < 8) posterize(img, std::max(bits, 0));
      break;
    }
    case AugOp::Solarize: solarize(img, static_cast<int>(level * 256)); break;
    case AugOp::SolarizeIncreasing: solarize(img, 256 - static_cast<int>(level * 256)); break;
    case AugOp::SolarizeAdd: solarize_add(img, static_cast<int>(level * 110)); break;
    case AugOp::Color: adjust_color(img, enhance_arg()); break;
    case AugOp::ColorIncreasing: adjust_color(img, enhance_inc_arg()); break;
    case AugOp::Contrast: adjust_contrast(img, enhance_arg()); break;
    case AugOp::ContrastIncreasing: adjust_contrast(img, enhance_inc_arg()); break;
    case AugOp::Brightness: adjust_brightness(img, enhance_arg()); break;
    case AugOp::BrightnessIncreasing: adjust_brightness(img, enhance_inc_arg()); break;
    case AugOp::Sharpness: adjust_sharpness(img, enhance_arg()); break;
    case AugOp::SharpnessIncreasing: adjust_sharpness(img, enhance_inc_arg()); break;
    case AugOp::ShearX: img = warp_affine_pil(img, pil_shear_x_coeffs(signed_arg(level * 0.3, negate)), interp, p.fill); break;
    case AugOp::ShearY: img = warp_affine_pil(img, pil_shear_y_coeffs(signed_arg(level * 0.3, negate)), interp, p.fill); break;
    case AugOp::TranslateXRel: {
      double px = signed_arg(level * p.translate_pct, negate) * img.W;
      img = warp_affine_pil(img, pil_translate_coeffs(px, 0), interp, p.fill);
      break;
    }
    case AugOp::TranslateYRel: {
      double px = signed_arg(level * p.translate_pct, negate) * img.H;
      img = warp_affine_pil(img, pil_translate_coeffs(0, px), interp, p.fill);
      break;
    }
  }
}

RandAugment::RandAugment(const RandAugmentConfig& config, OpSet set, RandAugmentParams params)
    : config_(config), params_(std::move(params)), ops_(rand_augment_ops(set, config.increasing)) {
  AUTOST_CHECK(params_.interpolation != Interp::Nearest || params_.random_interpolation,
               "RandAugment: interpolation must be bilinear, bicubic or random");
  if (config_.weight_index) {
    // timm weighs the plain op list even with inc (the Increasing ops take the weight of the op
    // at the same position).
    std::vector<AugOp> plain = rand_augment_ops(set, false);
    double total = 0;
    int nonzero = 0;
    for (AugOp op : plain) {
      total += choice_weight(op);
      nonzero += choice_weight(op) > 0;
    }
    for (AugOp op : plain) weights_.push_back(choice_weight(op) / total);
    AUTOST_CHECK(config_.num_ops <= nonzero, "RandAugment: ", config_.num_ops, " ops without replacement, but only ",
                 nonzero, " ops have a non-zero weight in w0");
  }
}

void RandAugment::operator()(Image& img, Rng& rng) const {
  std::vector<AugOp> chosen;
  if (weights_.empty()) {
    for (int i = 0; i < config_.num_ops; ++i)
      chosen.push_back(ops_[rng.randint(0, static_cast<int64_t>(ops_.size()) - 1)]);
  } else {
    // Weighted choice without replacement, one pick at a time over the renormalised rest.
    std::vector<double> w = weights_;
    for (int i = 0; i < config_.num_ops; ++i) {
      double total = 0;
      for (double v : w) total += v;
      double r = rng.uniform() * total;
      size_t k = 0;
      while (k + 1 < w.size() && (r >= w[k] || w[k] == 0)) r -= w[k++];
      chosen.push_back(ops_[k]);
      w[k] = 0;
    }
  }
  for (AugOp op : chosen) {
    if (rng.uniform() > 0.5) continue;  // timm: prob 0.5, skipped when random() > prob
    double m = config_.magnitude;
    if (std::isinf(config_.magnitude_std))
      m = rng.uniform(0, m);
    else if (config_.magnitude_std > 0)
      m = rng.normal(m, config_.magnitude_std);
    m = std::clamp(m, 0.0, static_cast<double>(config_.magnitude_max));
    bool negate = rng.uniform() > 0.5;
    Interp interp = params_.interpolation;
    if (params_.random_interpolation) interp = rng.bernoulli(0.5) ? Interp::Bilinear : Interp::Bicubic;
    apply_aug_op(img, op, m, negate, interp, params_);
  }
}

SampleTransform rand_augment_transform(const std::string& config, OpSet set, RandAugmentParams params) {
  auto ra = std::make_shared<RandAugment>(parse_rand_augment(config), set, std::move(params));
  return [ra](Image& img, Rng& rng) { (*ra)(img, rng); };
}

}  // namespace autost::data
