#pragma once
// PIL's ImageOps point operations on pixel-valued images (integers 0..255), per channel:
// autocontrast(cutoff 0), equalize, invert, posterize, solarize, and timm's solarize_add.
#include "data/transforms/image.h"

namespace autost::data {

void autocontrast(Image& img);                  // [min, max] -> [0, 255]: int(v·scale + offset)
void equalize(Image& img);                      // PIL's histogram equalisation (see pixel_ops.cpp)
void invert(Image& img);                        // 255 - v
void posterize(Image& img, int bits);           // keep the top `bits` bits (0..8)
void solarize(Image& img, int threshold);       // v >= threshold -> 255 - v
void solarize_add(Image& img, int add, int threshold = 128);  // v < threshold -> min(255, v + add)

}  // namespace autost::data
