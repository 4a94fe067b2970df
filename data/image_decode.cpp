#include "data/image_decode.h"

#include <stb/stb_image.h>

#include <climits>
#include <memory>

#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::data {
namespace {

// 2^27 pixels (400 MB as RGB) is far above any ImageNet photo; a header claiming more is refused
// before stb_image allocates it.
constexpr int64_t kMaxPixels = int64_t(1) << 27;

}  // namespace

JpegInfo sniff_jpeg(std::string_view b) {
  JpegInfo info;
  auto byte = [&b](size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return info;
  size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (byte(pos) != 0xFF) return info;  // lost sync: let the decoder report it
    const unsigned char marker = byte(pos + 1);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return info;  // end of image, start of scan
    const size_t len = size_t(byte(pos + 2)) << 8 | byte(pos + 3);
    if (len < 2 || pos + 2 + len > b.size()) return info;
    const std::string_view seg = b.substr(pos + 4, len - 2);
    if (marker == 0xEE && seg.substr(0, 5) == "Adobe") info.adobe = true;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width, components.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC && seg.size() >= 6)
      info.components = static_cast<unsigned char>(seg[5]);
    pos += 2 + len;
  }
  return info;
}

Tensor decode_image(std::string_view bytes, const std::string& name) {
  AUTOST_CHECK(bytes.size() <= size_t(INT_MAX), "image ", name, ": ", bytes.size(), " bytes is too large to decode");
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  AUTOST_CHECK(stbi_info_from_memory(data, len, &w, &h, &comp), "image ", name, ": cannot decode (",
               stbi_failure_reason(), ")");
  AUTOST_CHECK(int64_t(w) * h <= kMaxPixels, "image ", name, ": ", w, "x", h, " pixels is more than the ",
               kMaxPixels, "-pixel limit (corrupt header?)");
  const JpegInfo jpeg = sniff_jpeg(bytes);
  AUTOST_CHECK(jpeg.components != 4 || jpeg.adobe, "image ", name,
               ": CMYK JPEG without an Adobe marker: stb_image would decode it in wrong colours; convert it to RGB");
  std::unique_ptr<stbi_uc, void (*)(void*)> px(stbi_load_from_memory(data, len, &w, &h, &comp, 3), stbi_image_free);
  AUTOST_CHECK(px != nullptr, "image ", name, ": cannot decode (", stbi_failure_reason(), ")");
  Tensor out = empty({3, h, w}, TensorOptions(kUInt8));
  uint8_t* dst = out.data<uint8_t>();
  const int64_t plane = int64_t(h) * w;
  for (int64_t i = 0; i < plane; ++i)
    for (int c = 0; c < 3; ++c) dst[c * plane + i] = px.get()[3 * i + c];
  return out;
}

Tensor read_image(const std::string& path) { return decode_image(read_file(path), path); }

}  // namespace autost::data
