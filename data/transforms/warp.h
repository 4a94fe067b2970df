#pragma once
// Affine warps by inverse mapping: each output pixel looks up where it comes from in the input.
// Two conventions, because the two references differ in the details:
//
// PIL (Image.transform(AFFINE), Image.rotate; what timm's RandAugment calls), libImaging/Geometry.c:
//   the output pixel centre (x + 0.5, y + 0.5) maps through the 6 coefficients to an input position
//   (u, v) in continuous coordinates; outside [0, W) x [0, H) the output is the fill colour; else
//   nearest takes pixel (floor u, floor v), bilinear and bicubic interpolate at (u - 0.5, v - 0.5)
//   with edge-clamped neighbours and store clamp-then-truncate to uint8. PIL's bicubic here is the
//   cubic convolution with a = -1 (not the a = -0.5 of its resize). Pixel-valued input only.
//   (PIL takes a separate fixed-point path for nearest warps without filter; the recipes never use
//   nearest with PIL, so only the generic path is reproduced.)
//
// torchvision tensors (F.affine / F.rotate on a tensor; what SNNAugmentWide calls): the matrix is
//   in image-centred coordinates, the sampling grid is normalised to [-1, 1] and grid_sample runs
//   with align_corners = False and zero padding, all in float32. Nearest rounds half to even; out of
//   range reads 0, and a fill colour, when given, replaces out-of-range pixels (nearest) or blends
//   by the sampled coverage (bilinear), as torchvision does.
#include <array>
#include <optional>
#include <vector>

#include "data/transforms/image.h"

namespace autost::data {

// PIL's AFFINE data (a, b, c, d, e, f): input = (a·X + b·Y + c, d·X + e·Y + f).
using AffineCoeffs = std::array<double, 6>;

Image warp_affine_pil(const Image& img, const AffineCoeffs& inverse, Interp interp, const std::vector<float>& fill);
// The maps timm's ops pass to PIL.
AffineCoeffs pil_rotate_coeffs(int W, int H, double degrees);  // Image.rotate: about (W/2, H/2), counter-clockwise
AffineCoeffs pil_shear_x_coeffs(double factor);                // (1, f, 0, 0, 1, 0)
AffineCoeffs pil_shear_y_coeffs(double factor);                // (1, 0, 0, f, 1, 0)
AffineCoeffs pil_translate_coeffs(double dx, double dy);       // (1, 0, dx, 0, 1, dy): content moves by -dx
// Image.rotate(degrees) with PIL's shortcuts (0 -> copy, 180 -> exact flip, 90/270 on a square ->
// exact transpose), else the warp.
Image pil_rotate(const Image& img, double degrees, Interp interp, const std::vector<float>& fill);

// torchvision's _get_inverse_affine_matrix: the inverse of T·C·R(angle)·S(scale)·SHy·SHx·C^-1 in
// centred coordinates; angles in degrees (affine's angle is clockwise on screen).
AffineCoeffs torchvision_inverse_affine(double angle, double tx, double ty, double scale, double shear_x,
                                        double shear_y, double cx = 0, double cy = 0);
Image warp_affine_torch(const Image& img, const AffineCoeffs& centred_inverse, Interp interp,
                        const std::optional<std::vector<float>>& fill = std::nullopt);
// F.affine(img, angle, [tx, ty], scale, [shear_x, shear_y]) and F.rotate(img, angle) (about the centre).
Image torch_affine(const Image& img, double angle, double tx, double ty, double scale, double shear_x, double shear_y,
                   Interp interp, const std::optional<std::vector<float>>& fill = std::nullopt);
Image torch_rotate(const Image& img, double degrees, Interp interp,
                   const std::optional<std::vector<float>>& fill = std::nullopt);

}  // namespace autost::data
