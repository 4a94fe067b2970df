#include "apps/train/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::apps::train {
namespace {

struct Rgb {
  unsigned char r, g, b;
};
constexpr Rgb kBlack{0, 0, 0}, kGrid{225, 225, 225}, kWhite{255, 255, 255};
// Distinguishable line colours (matplotlib's first four).
constexpr Rgb kPalette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * h * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    unsigned char* p = &px_[(static_cast<size_t>(y) * w_ + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  void fill(int x0, int y0, int x1, int y1, Rgb c) {  // inclusive corners
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
      for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) set(x, y, c);
  }
  // Bresenham, drawn `thick` pixels wide.
  void line(int x0, int y0, int x1, int y1, Rgb c, int thick = 1) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
      fill(x0 - (thick - 1) / 2, y0 - (thick - 1) / 2, x0 + thick / 2, y0 + thick / 2, c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  // stb_easy_font builds each glyph from axis-aligned quads; they are filled as rectangles.
  void text(int x, int y, const std::string& s, Rgb c) {
    std::vector<char> str(s.begin(), s.end());
    str.push_back('\0');
    // stb_easy_font stops writing when the buffer is full (its ~270 bytes per character is an average;
    // "1500" needed more), so a whole glyph's worst case is allowed per character.
    std::vector<char> quads(s.size() * 1024 + 64);
    const int n = stb_easy_font_print(static_cast<float>(x), static_cast<float>(y), str.data(), nullptr, quads.data(),
                                      static_cast<int>(quads.size()));
    for (int q = 0; q < n; ++q) {
      float v[4][4];
      std::memcpy(v, quads.data() + q * 64, sizeof v);  // 4 vertices of x, y, z, rgba
      fill(static_cast<int>(v[0][0]), static_cast<int>(v[0][1]), static_cast<int>(v[2][0]) - 1,
           static_cast<int>(v[2][1]) - 1, c);
    }
  }
  static int text_width(const std::string& s) {
    std::vector<char> str(s.begin(), s.end());
    str.push_back('\0');
    return stb_easy_font_width(str.data());
  }
  std::vector<unsigned char> take() { return std::move(px_); }

 private:
  int w_, h_;
  std::vector<unsigned char> px_;
};

std::string tick_label(double v) {
  if (std::abs(v) < 1e-12) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void write_png(const std::string& path, const std::vector<unsigned char>& rgb, int width, int height) {
  std::string png;
  auto append = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  AUTOST_CHECK(stbi_write_png_to_func(append, &png, width, height, 3, rgb.data(), width * 3), path,
               ": PNG encoding failed");
  write_file_atomic(path, png);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  AUTOST_CHECK(std::isfinite(lo) && std::isfinite(hi) && hi > lo && target > 0, "nice_ticks: bad range [", lo, ", ",
               hi, "]");
  const double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw))), norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(t);
  return ticks;
}

namespace {

// A line plot joins each series' points and keeps whole-number x ticks (epochs); a scatter plot
// only marks the points, on any x scale.
std::vector<unsigned char> render_plot(const std::string& title, const std::string& x_label,
                                       const std::vector<Series>& series, int width, int height, bool scatter) {
  AUTOST_CHECK(width >= 200 && height >= 150, "plot: ", width, "x", height, " is too small");
  // The data's extent; an empty or flat range is widened so the axes still make sense.
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
        y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
      }
  if (!(x0 <= x1)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 - x0 < 1e-12) x0 -= 1, x1 += 1;
  if (scatter) {  // markers clear of the axes
    const double pad = (x1 - x0) * 0.05;
    x0 -= pad, x1 += pad;
  }
  if (y1 - y0 < 1e-12 * std::max(1.0, std::abs(y0))) {
    const double pad = std::max(std::abs(y0) * 0.1, 1e-3);
    y0 -= pad, y1 += pad;
  }
  const std::vector<double> yt0 = nice_ticks(y0, y1);
  const double ystep = yt0.size() > 1 ? yt0[1] - yt0[0] : (y1 - y0);
  y0 = std::floor(y0 / ystep + 1e-9) * ystep, y1 = std::ceil(y1 / ystep - 1e-9) * ystep;
  std::vector<double> xticks = nice_ticks(x0, x1, 6);
  const std::vector<double> yticks = nice_ticks(y0, y1);
  if (!scatter && xticks.size() > 1 && xticks[1] - xticks[0] < 1) {  // epochs: whole numbers only
    xticks.clear();
    for (double t = std::ceil(x0); t <= x1; ++t) xticks.push_back(t);
  }

  const int left = 64, right = width - 24, top = 32, bottom = height - 40;
  auto px = [&](double x) { return left + static_cast<int>(std::lround((x - x0) / (x1 - x0) * (right - left))); };
  auto py = [&](double y) { return bottom - static_cast<int>(std::lround((y - y0) / (y1 - y0) * (bottom - top))); };

  Canvas c(width, height);
  for (double t : yticks) {
    c.line(left, py(t), right, py(t), kGrid);
    const std::string l = tick_label(t);
    c.line(left - 4, py(t), left, py(t), kBlack);
    c.text(left - 8 - Canvas::text_width(l), py(t) - 4, l, kBlack);
  }
  for (double t : xticks) {
    c.line(px(t), top, px(t), bottom, kGrid);
    c.line(px(t), bottom, px(t), bottom + 4, kBlack);
    const std::string l = tick_label(t);
    c.text(px(t) - Canvas::text_width(l) / 2, bottom + 8, l, kBlack);
  }
  c.line(left, top, left, bottom, kBlack);
  c.line(left, bottom, right, bottom, kBlack);
  c.text(left, 10, title, kBlack);
  c.text((left + right - Canvas::text_width(x_label)) / 2, bottom + 24, x_label, kBlack);

  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const Rgb col = kPalette[k % std::size(kPalette)];
    bool have_prev = false;
    int qx = 0, qy = 0;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      const int x = px(s.x[i]), y = py(s.y[i]);
      if (have_prev && !scatter) c.line(qx, qy, x, y, col, 2);
      c.fill(x - 2, y - 2, x + 2, y + 2, col);
      qx = x, qy = y, have_prev = true;
    }
  }
  // Legend: one row in the top margin, right-aligned, so it never hides data.
  int lx = right;
  for (size_t k = series.size(); k-- > 0;) {
    lx -= Canvas::text_width(series[k].name) + 28;
    c.line(lx, 14, lx + 18, 14, kPalette[k % std::size(kPalette)], 2);
    c.text(lx + 22, 10, series[k].name, kBlack);
    lx -= 12;
  }
  return c.take();
}

}  // namespace

std::vector<unsigned char> render_line_plot(const std::string& title, const std::string& x_label,
                                            const std::vector<Series>& series, int width, int height) {
  return render_plot(title, x_label, series, width, height, /*scatter=*/false);
}

std::vector<unsigned char> render_scatter_plot(const std::string& title, const std::string& x_label,
                                               const std::vector<Series>& series, int width, int height) {
  return render_plot(title, x_label, series, width, height, /*scatter=*/true);
}

void write_line_plot(const std::string& path, const std::string& title, const std::string& x_label,
                     const std::vector<Series>& series, int width, int height) {
  write_png(path, render_line_plot(title, x_label, series, width, height), width, height);
}

void write_scatter_plot(const std::string& path, const std::string& title, const std::string& x_label,
                        const std::vector<Series>& series, int width, int height) {
  write_png(path, render_scatter_plot(title, x_label, series, width, height), width, height);
}

}  // namespace autost::apps::train
