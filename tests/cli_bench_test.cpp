// edt bench end to end on the demo model: a pp and a tg row, the tg row with its bandwidth and its share of the
// bandwidth limit (paired measurements from the probe's helper process), and the peak RSS line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace edt {
namespace {

// The whitespace-separated fields of the first output line whose second field is `test` (std::regex is avoided:
// g++ 12 warns inside it under the sanitizer build's flags).
std::vector<std::string> row_fields(const std::string& output, const std::string& test) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string w; words >> w;) fields.push_back(w);
    if (fields.size() >= 2 && fields[1] == test) return fields;
  }
  return {};
}

TEST(CliBench, ReportsThroughputBandwidthAndPeakRss) {
  const std::string model = ::testing::TempDir() + "edt_cli_bench_" + std::to_string(::getpid()) + ".gguf";
  const auto convert = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + model);
  ASSERT_EQ(convert.exit_code, 0) << convert.output;
  const auto r = test::run_edt("bench -m " + model + " -p 16 -n 8 -t 1 -r 2");
  std::filesystem::remove(model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto pp = row_fields(r.output, "pp16");  // threads, test, tok/s, sd
  ASSERT_EQ(pp.size(), 4u) << r.output;
  EXPECT_EQ(pp[0], "1");
  EXPECT_GT(std::stod(pp[2]), 0.0);
  const auto tg = row_fields(r.output, "tg8");  // threads, test, tok/s, sd, bandwidth, "GB/s", % of limit
  ASSERT_EQ(tg.size(), 7u) << r.output;
  EXPECT_GT(std::stod(tg[2]), 0.0);
  EXPECT_GT(std::stod(tg[4]), 0.1) << "the probe did not answer";
  EXPECT_EQ(tg[5], "GB/s");
  ASSERT_EQ(tg[6].back(), '%');
  EXPECT_GT(std::stod(tg[6]), 0.0);
  EXPECT_NE(r.output.find("peak RSS "), std::string::npos) << r.output;
}

TEST(CliBench, RefusesBadFlags) {
  for (const char* args : {"bench -m x.gguf -t 0", "bench -m x.gguf -p 12,abc", "bench -m x.gguf -r 0"}) {
    const auto r = test::run_edt(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.output.find("bench"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace edt
