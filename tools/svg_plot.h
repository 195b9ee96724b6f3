#pragma once
// A small SVG chart writer (lines and points, axes with ticks, a legend) for the profiler's entropy/temperature
// traces and the evaluation's quality-diversity curves. No dependency: the SVG is written by hand.
#include <string>
#include <vector>

namespace edt {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  std::string color;      // CSS colour
  bool lines = true;      // connect the points
  bool points = false;    // draw a dot per point
  bool dashed = false;
  std::vector<std::string> point_labels;  // optional text beside each point
};

struct PlotSpec {
  std::string title, x_label, y_label;
  int width = 900, height = 420;
  std::vector<PlotSeries> series;
};

// Throws FormatError naming the path when it cannot be written.
void write_svg_plot(const std::string& path, const PlotSpec& spec);

// Several charts in one SVG, each at its offset (pixels from the top left); the image is as large as they need.
struct PlacedPlot {
  PlotSpec spec;
  int x = 0, y = 0;
};
void write_svg_panels(const std::string& path, const std::vector<PlacedPlot>& panels);

}  // namespace edt
