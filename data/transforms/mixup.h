#pragma once
// Mixup / CutMix with label smoothing, timm's Mixup and FastCollateMixup in "batch" mode: one λ
// (and one cutmix box) per batch, and sample i is mixed with sample B-1-i (the batch reversed).
//
//   if mixing is on and U < prob: cutmix when both alphas > 0 and U < switch_prob (or only cutmix
//   is set), λ ~ Beta(alpha, alpha) of the chosen kind; else λ = 1.
//   mixup:  x_i = λ x_i + (1-λ) x_{B-1-i}   (rounded half-to-even when round_to_uint8, as
//           FastCollateMixup does on uint8 images)
//   cutmix: cut = (int(H sqrt(1-λ)), int(W sqrt(1-λ))), centre uniform, box clipped to the image;
//           (cutmix_minmax: cut ~ randint[int(H min), int(H max)), corner uniform); the partner's
//           pixels are copied into the box and λ = 1 - box area / (H W) (correct_lam).
//   targets: λ·smooth(y_i) + (1-λ)·smooth(y_{B-1-i}), smooth = off s/K everywhere, on 1 - s + s/K.
// From `off_epoch` on mixing stops (λ = 1) and the targets are just smoothed one-hots.
#include <optional>
#include <utility>

#include "data/transforms/transform.h"

namespace autost::data {

struct MixupOptions {
  double mixup_alpha = 1.0;
  double cutmix_alpha = 0.0;
  std::optional<std::pair<double, double>> cutmix_minmax;  // forces cutmix with alpha 1
  double prob = 1.0;
  double switch_prob = 0.5;
  bool correct_lam = true;
  double label_smoothing = 0.1;
  int64_t num_classes = 0;
  std::optional<int64_t> off_epoch;  // mixing is off for epoch >= off_epoch
  bool round_to_uint8 = false;       // FastCollateMixup on pixel-valued images
};

struct MixDecision {
  double lam = 1.0;
  bool cutmix = false;
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0;  // cutmix box [y0, y1) x [x0, x1)
};

// The per-batch draws (mixing enabled or not) for images of H x W.
MixDecision draw_mix(const MixupOptions& opts, bool enabled, int H, int W, Rng& rng);
void mix_images(std::vector<Image>& images, const MixDecision& d, bool round_to_uint8);
// targets: [B, num_classes], row-major.
void mix_targets(const std::vector<int64_t>& labels, double lam, int64_t num_classes, double smoothing,
                 std::vector<float>& targets);

class Mixup : public BatchTransform {
 public:
  explicit Mixup(MixupOptions opts);
  int64_t num_classes() const override { return opts_.num_classes; }
  void apply(std::vector<Image>& images, const std::vector<int64_t>& labels, std::vector<float>& targets,
             int64_t epoch, Rng& rng) const override;
  bool enabled_at(int64_t epoch) const { return !opts_.off_epoch || epoch < *opts_.off_epoch; }

 private:
  MixupOptions opts_;
};

}  // namespace autost::data
