#pragma once
// Summary statistics for the tools' reports.
#include <vector>

namespace edt {

// q-th quantile (q in [0, 1]) by linear interpolation between order statistics; 0 for an empty sample.
double quantile(std::vector<double> v, double q);
double mean(const std::vector<double>& v);
// Half-width of the 95% confidence interval of the mean (Student's t with n-1 degrees of freedom).
double ci95_half_width(const std::vector<double>& v);

}  // namespace edt
