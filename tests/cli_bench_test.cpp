// edt bench end to end on the demo model: a pp and a tg row, the tg row with its bandwidth and its share of the
// bandwidth limit (paired measurements from the probe's helper process), and the peak RSS line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>

#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace edt {
namespace {

TEST(CliBench, ReportsThroughputBandwidthAndPeakRss) {
  const std::string model = ::testing::TempDir() + "edt_cli_bench_" + std::to_string(::getpid()) + ".gguf";
  const auto convert = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + model);
  ASSERT_EQ(convert.exit_code, 0) << convert.output;
  const auto r = test::run_edt("bench -m " + model + " -p 16 -n 8 -t 1 -r 2");
  std::filesystem::remove(model);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\n1 +pp16 +[0-9.]+ +[0-9.]+)"))) << r.output;
  std::smatch tg;
  ASSERT_TRUE(std::regex_search(r.output, tg, std::regex(R"(\n1 +tg8 +([0-9.]+) +[0-9.]+ +([0-9.]+) GB/s +([0-9.]+)%)")))
      << r.output;
  EXPECT_GT(std::stod(tg[1].str()), 0.0);  // tokens/s
  EXPECT_GT(std::stod(tg[2].str()), 0.1);  // the probe answered
  EXPECT_GT(std::stod(tg[3].str()), 0.0);
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(peak RSS [0-9.]+ MiB)"))) << r.output;
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
