#include "tools/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "weights/error.h"

namespace edt {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// About five round tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi) {
  const double span = hi - lo, raw = span / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-12 * span; v += step) t.push_back(v);
  return t;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// One chart's elements, in its own coordinates (0..width, 0..height).
std::string chart_body(const PlotSpec& spec) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const PlotSeries& s : spec.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (!(x1 >= x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double pad_y = (y1 - y0) * 0.05;
  y0 -= pad_y;
  y1 += pad_y;
  const double left = 70, right = spec.width - 190, top = 40, bottom = spec.height - 50;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };

  std::ostringstream o;
  o << "<rect width='" << spec.width << "' height='" << spec.height << "' fill='white'/>\n";
  o << "<text x='" << spec.width / 2 << "' y='22' text-anchor='middle' font-size='15'>" << escape(spec.title)
    << "</text>\n";
  for (double t : ticks(x0, x1))
    o << "<line x1='" << px(t) << "' y1='" << top << "' x2='" << px(t) << "' y2='" << bottom
      << "' stroke='#eee'/><text x='" << px(t) << "' y='" << bottom + 16 << "' text-anchor='middle'>" << num(t)
      << "</text>\n";
  for (double t : ticks(y0, y1))
    o << "<line x1='" << left << "' y1='" << py(t) << "' x2='" << right << "' y2='" << py(t)
      << "' stroke='#eee'/><text x='" << left - 6 << "' y='" << py(t) + 4 << "' text-anchor='end'>" << num(t)
      << "</text>\n";
  o << "<rect x='" << left << "' y='" << top << "' width='" << right - left << "' height='" << bottom - top
    << "' fill='none' stroke='#333'/>\n";
  o << "<text x='" << (left + right) / 2 << "' y='" << spec.height - 12 << "' text-anchor='middle'>"
    << escape(spec.x_label) << "</text>\n";
  o << "<text transform='translate(16," << (top + bottom) / 2 << ") rotate(-90)' text-anchor='middle'>"
    << escape(spec.y_label) << "</text>\n";
  for (size_t si = 0; si < spec.series.size(); ++si) {
    const PlotSeries& s = spec.series[si];
    if (s.lines && s.x.size() > 1) {
      o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.5'"
        << (s.dashed ? " stroke-dasharray='5,3'" : "") << " points='";
      for (size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) o << px(s.x[i]) << "," << py(s.y[i]) << " ";
      o << "'/>\n";
    }
    if (s.points)
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        o << "<circle cx='" << px(s.x[i]) << "' cy='" << py(s.y[i]) << "' r='3.5' fill='" << s.color << "'/>\n";
        if (i < s.point_labels.size())
          o << "<text x='" << px(s.x[i]) + 5 << "' y='" << py(s.y[i]) - 5 << "' font-size='10' fill='" << s.color
            << "'>" << escape(s.point_labels[i]) << "</text>\n";
      }
    const double ly = top + 10 + 18.0 * static_cast<double>(si);
    o << "<line x1='" << right + 12 << "' y1='" << ly << "' x2='" << right + 36 << "' y2='" << ly << "' stroke='"
      << s.color << "' stroke-width='3'" << (s.dashed ? " stroke-dasharray='5,3'" : "") << "/><text x='"
      << right + 42 << "' y='" << ly + 4 << "'>" << escape(s.name) << "</text>\n";
  }
  return o.str();
}

void write_file(const std::string& path, int width, int height, const std::string& body) {
  std::ofstream out(path, std::ios::binary);
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='12'>\n" << body << "</svg>\n";
  if (!out) throw FormatError(path + ": cannot write the plot");
}

}  // namespace

void write_svg_plot(const std::string& path, const PlotSpec& spec) {
  write_file(path, spec.width, spec.height, chart_body(spec));
}

void write_svg_panels(const std::string& path, const std::vector<PlacedPlot>& panels) {
  int width = 0, height = 0;
  std::string body;
  for (const PlacedPlot& p : panels) {
    width = std::max(width, p.x + p.spec.width);
    height = std::max(height, p.y + p.spec.height);
    body += "<g transform='translate(" + std::to_string(p.x) + "," + std::to_string(p.y) + ")'>\n" +
            chart_body(p.spec) + "</g>\n";
  }
  write_file(path, width, height, body);
}

}  // namespace edt
