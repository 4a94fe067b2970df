#include "data/transforms/mixup.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace autost::data {

namespace {

MixupOptions checked(MixupOptions o) {
  if (o.cutmix_minmax) {
    AUTOST_CHECK(o.cutmix_minmax->first < o.cutmix_minmax->second && o.cutmix_minmax->first >= 0 &&
                     o.cutmix_minmax->second <= 1,
                 "mixup: cutmix_minmax (", o.cutmix_minmax->first, ", ", o.cutmix_minmax->second,
                 ") must satisfy 0 <= min < max <= 1");
    o.cutmix_alpha = 1.0;
  }
  AUTOST_CHECK(o.num_classes > 0, "mixup: num_classes must be positive");
  AUTOST_CHECK(o.mixup_alpha >= 0 && o.cutmix_alpha >= 0, "mixup: negative alpha");
  AUTOST_CHECK(o.prob >= 0 && o.prob <= 1 && o.switch_prob >= 0 && o.switch_prob <= 1,
               "mixup: prob and switch_prob must lie in [0, 1]");
  AUTOST_CHECK(o.label_smoothing >= 0 && o.label_smoothing < 1, "mixup: label smoothing ", o.label_smoothing,
               " outside [0, 1)");
  return o;
}

}  // namespace

MixDecision draw_mix(const MixupOptions& o, bool enabled, int H, int W, Rng& rng) {
  MixDecision d;
  bool any = o.mixup_alpha > 0 || o.cutmix_alpha > 0;
  if (!enabled || !any || !(rng.uniform() < o.prob)) return d;
  if (o.mixup_alpha > 0 && o.cutmix_alpha > 0) {
    d.cutmix = rng.uniform() < o.switch_prob;
    d.lam = d.cutmix ? rng.beta(o.cutmix_alpha, o.cutmix_alpha) : rng.beta(o.mixup_alpha, o.mixup_alpha);
  } else if (o.mixup_alpha > 0) {
    d.lam = rng.beta(o.mixup_alpha, o.mixup_alpha);
  } else {
    d.cutmix = true;
    d.lam = rng.beta(o.cutmix_alpha, o.cutmix_alpha);
  }
  if (!d.cutmix || d.lam == 1.0) return d;
  if (o.cutmix_minmax) {
    int ch = static_cast<int>(rng.randint(static_cast<int>(H * o.cutmix_minmax->first),
                                          static_cast<int>(H * o.cutmix_minmax->second) - 1));
    int cw = static_cast<int>(rng.randint(static_cast<int>(W * o.cutmix_minmax->first),
                                          static_cast<int>(W * o.cutmix_minmax->second) - 1));
    d.y0 = static_cast<int>(rng.randint(0, std::max(H - ch - 1, 0)));
    d.x0 = static_cast<int>(rng.randint(0, std::max(W - cw - 1, 0)));
    d.y1 = d.y0 + ch;
    d.x1 = d.x0 + cw;
  } else {
    double ratio = std::sqrt(1.0 - d.lam);
    int ch = static_cast<int>(H * ratio), cw = static_cast<int>(W * ratio);
    int cy = static_cast<int>(rng.randint(0, H - 1)), cx = static_cast<int>(rng.randint(0, W - 1));
    d.y0 = std::clamp(cy - ch / 2, 0, H);
    d.y1 = std::clamp(cy + ch / 2, 0, H);
    d.x0 = std::clamp(cx - cw / 2, 0, W);
    d.x1 = std::clamp(cx + cw / 2, 0, W);
  }
  if (o.correct_lam || o.cutmix_minmax)
    d.lam = 1.0 - static_cast<double>(d.y1 - d.y0) * (d.x1 - d.x0) / (static_cast<double>(H) * W);
  return d;
}

void mix_images(std::vector<Image>& images, const MixDecision& d, bool round_to_uint8) {
  if (d.lam == 1.0) return;
  const size_t B = images.size();
  for (size_t i = 1; i < B; ++i)
    AUTOST_CHECK(images[i].C == images[0].C && images[i].H == images[0].H && images[i].W == images[0].W,
                 "mixup: images of different sizes in one batch");
  std::vector<Image> original = images;  // partners are read from the unmixed batch
  const float lam = static_cast<float>(d.lam), rest = static_cast<float>(1.0 - d.lam);
  for (size_t i = 0; i < B; ++i) {
    Image& out = images[i];
    const Image& partner = original[B - 1 - i];
    if (d.cutmix) {
      for (int c = 0; c < out.C; ++c)
        for (int y = d.y0; y < d.y1; ++y)
          for (int x = d.x0; x < d.x1; ++x) out.at(c, y, x) = partner.at(c, y, x);
      continue;
    }
    for (int64_t k = 0; k < out.numel(); ++k) {
      float v = out.px[k] * lam + partner.px[k] * rest;
      out.px[k] = round_to_uint8 ? std::clamp(std::nearbyint(v), 0.f, 255.f) : v;
    }
  }
}

void mix_targets(const std::vector<int64_t>& labels, double lam, int64_t K, double smoothing,
                 std::vector<float>& targets) {
  const size_t B = labels.size();
  const double off = smoothing / K, on = 1.0 - smoothing + off;
  targets.assign(B * K, 0.f);
  for (size_t i = 0; i < B; ++i) {
    int64_t a = labels[i], b = labels[B - 1 - i];
    AUTOST_CHECK(a >= 0 && a < K, "mixup: label ", a, " outside [0, ", K, ")");
    for (int64_t k = 0; k < K; ++k) {
      double ya = k == a ? on : off, yb = k == b ? on : off;
      targets[i * K + k] = static_cast<float>(ya * lam + yb * (1.0 - lam));
    }
  }
}

Mixup::Mixup(MixupOptions opts) : opts_(checked(std::move(opts))) {}

void Mixup::apply(std::vector<Image>& images, const std::vector<int64_t>& labels, std::vector<float>& targets,
                  int64_t epoch, Rng& rng) const {
  AUTOST_CHECK(images.size() == labels.size() && !images.empty(), "mixup: ", images.size(), " images and ",
               labels.size(), " labels");
  MixDecision d = draw_mix(opts_, enabled_at(epoch), images[0].H, images[0].W, rng);
  mix_images(images, d, opts_.round_to_uint8);
  mix_targets(labels, d.lam, opts_.num_classes, opts_.label_smoothing, targets);
}

}  // namespace autost::data
