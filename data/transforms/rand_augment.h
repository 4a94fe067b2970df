#pragma once
// RandAugment as timm 0.5.4 builds it from a config string ("rand-m9-n1-mstd0.4-inc1"), on
// pixel-valued images with PIL semantics (data/transforms/warp.h, pixel_ops.h, enhance.h).
//
// Per image: choose num_ops ops uniformly with replacement (or by the 'w' weights, without
// replacement); each op is skipped with probability 1 - 0.5; otherwise its magnitude is
// m' = Normal(m, mstd) (U(0, m) when mstd > 100; m when mstd = 0), clipped to [0, mmax], and turned
// into the op's argument by timm's level functions (level = m'/10), with a random sign where timm
// negates ("±" below):
//   Rotate ±30·level deg | ShearX/Y ±0.3·level | TranslateX/YRel ±0.45·level·size px (fractional)
//   Posterize int(4·level) bits | PosterizeIncreasing 4 - int(4·level) | Solarize int(256·level)
//   SolarizeIncreasing 256 - int(256·level) | SolarizeAdd int(110·level)
//   Color/Contrast/Brightness/Sharpness 1.8·level + 0.1 | ...Increasing max(0.1, 1 ± 0.9·level)
// Geometric ops use the configured interpolation (bicubic in the recipes, or a uniform pick of
// bilinear/bicubic per op for "random") and the fill colour round(255·mean).
#include <optional>
#include <string>
#include <vector>

#include "data/transforms/transform.h"

namespace autost::data {

enum class AugOp {
  AutoContrast, Equalize, Invert, Rotate, Posterize, PosterizeIncreasing, Solarize, SolarizeIncreasing,
  SolarizeAdd, Color, ColorIncreasing, Contrast, ContrastIncreasing, Brightness, BrightnessIncreasing,
  Sharpness, SharpnessIncreasing, ShearX, ShearY, TranslateXRel, TranslateYRel,
};
const char* aug_op_name(AugOp op);

// Which op list: Spikformer's CIFAR aa_snn.py keeps five ops (the same five with inc); timm's full
// list has fifteen, six of them swapped for their Increasing variants by inc.
enum class OpSet { SpikformerCifar, Timm };
std::vector<AugOp> rand_augment_ops(OpSet set, bool increasing);

struct RandAugmentConfig {
  int magnitude = 10;
  int num_ops = 2;
  double magnitude_std = 0.0;   // +infinity: uniform in [0, magnitude]
  int magnitude_max = 10;       // clip bound (timm: mmax, 0 means the default 10)
  bool increasing = false;
  std::optional<int> weight_index;  // 'w': timm's op-choice weights (only index 0 exists)
};
// Parses timm's grammar: "rand" then '-'-separated sections, each a key followed by a number
// (split at the first digit): m, n, mstd, mmax, inc, w. Sections without a digit are ignored (as
// timm does); any other key, a bad number or a first section other than "rand" is an error naming
// the string. Quirk kept from timm: inc with any value (even inc0) turns the increasing ops on.
RandAugmentConfig parse_rand_augment(const std::string& config);

struct RandAugmentParams {
  std::vector<float> fill = {128, 128, 128};  // timm: round(255·mean) per channel
  Interp interpolation = Interp::Bicubic;
  bool random_interpolation = false;  // timm's "random": bilinear or bicubic per op
  double translate_pct = 0.45;
};
// The fill timm derives from a dataset mean: min(255, round(255·mean)) per channel.
std::vector<float> rand_augment_fill(const std::vector<float>& mean);

// One op at a given clipped magnitude (0..10) and sign, as timm's AugmentOp applies it after its
// draws. `negate` flips the sign of the signed arguments.
void apply_aug_op(Image& img, AugOp op, double magnitude, bool negate, Interp interp, const RandAugmentParams& params);

class RandAugment {
 public:
  RandAugment(const RandAugmentConfig& config, OpSet set, RandAugmentParams params);
  void operator()(Image& img, Rng& rng) const;
  const std::vector<AugOp>& ops() const { return ops_; }
  const RandAugmentConfig& config() const { return config_; }

 private:
  RandAugmentConfig config_;
  RandAugmentParams params_;
  std::vector<AugOp> ops_;
  std::vector<double> weights_;  // empty: uniform choice with replacement
};

SampleTransform rand_augment_transform(const std::string& config, OpSet set, RandAugmentParams params);

}  // namespace autost::data
