#pragma once
// Small PNG line and scatter plots of training curves: axes with ticks (whole numbers on the x axis when the
// ticks would be finer), light grid lines, one coloured line (and point markers) per series, a
// title and a legend in the top margin. Enough to eyeball a run, not a plotting library.
#include <string>
#include <vector>

namespace autost::apps::train {

struct Series {
  std::string name;
  std::vector<double> x, y;  // a non-finite y leaves the point out
};

// Renders the series into an RGB image (width x height, row-major) ...
std::vector<unsigned char> render_line_plot(const std::string& title, const std::string& x_label,
                                            const std::vector<Series>& series, int width, int height);
// ... and writes it as a PNG, atomically.
void write_line_plot(const std::string& path, const std::string& title, const std::string& x_label,
                     const std::vector<Series>& series, int width = 640, int height = 400);

// The same with the points only marked, not joined, and ticks on any x scale (a proxy against
// accuracy).
std::vector<unsigned char> render_scatter_plot(const std::string& title, const std::string& x_label,
                                               const std::vector<Series>& series, int width, int height);
void write_scatter_plot(const std::string& path, const std::string& title, const std::string& x_label,
                        const std::vector<Series>& series, int width = 640, int height = 400);

// Tick positions covering [lo, hi] with a 1, 2 or 5 x 10^k step, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace autost::apps::train
