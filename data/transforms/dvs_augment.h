#pragma once
// The CIFAR10-DVS clip augmentations of Spikformer (cifar10dvs/train.py, autoaugment.py): a
// horizontal flip of the whole clip (random_hflip in flip.h) and SNNAugmentWide, a TrivialAugment
// variant applied identically to every frame and polarity of the clip [T, 2, H, W]:
//   one op uniformly from {Identity, ShearX, TranslateX, TranslateY, Rotate, Cutout}; a magnitude
//   uniformly from the op's 31-point grid (torch.linspace in float32), negated with probability 1/2;
//   ShearX: F.affine(shear = [degrees(m), 0]) about the centre (x_in = x + tan(m)·y);
//   TranslateX/Y: F.affine(translate = int(m)) (truncated toward zero: -5..5 px);
//   Rotate: F.rotate(m degrees), counter-clockwise, about the centre;
//   Cutout: torchvision RandomErasing(p=1, scale=(0.001, 0.11), ratio=(1, 1), value=0).
// The warps use torchvision's tensor semantics (warp.h) with nearest sampling and zeros outside.
#include <vector>

#include "data/transforms/transform.h"

namespace autost::data {

enum class DvsOp { Identity, ShearX, TranslateX, TranslateY, Rotate, Cutout };
const char* dvs_op_name(DvsOp op);

// torch.linspace(start, end, steps) in float32, value for value as torch's CPU kernel computes it
// (see dvs_augment.cpp); SNNAugmentWide builds its grids with it.
std::vector<float> torch_linspace(float start, float end, int steps);
// The 31-point grid of an op (empty for Identity).
std::vector<float> snn_augment_grid(DvsOp op);

void apply_dvs_op(Image& clip, DvsOp op, double magnitude, Rng& rng);
void snn_augment_wide(Image& clip, Rng& rng);
SampleTransform snn_augment_wide_transform();

}  // namespace autost::data
