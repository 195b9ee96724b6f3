#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/test_util.h"
#include "weights/error.h"
#include "weights/mapped_file.h"
#include "weights/safetensors.h"

namespace edt {
namespace {

std::vector<uint8_t> make_safetensors(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> b(8 + header.size() + data_bytes, 0);
  const uint64_t n = header.size();
  std::memcpy(b.data(), &n, 8);
  std::memcpy(b.data() + 8, header.data(), header.size());
  for (size_t i = 0; i < data_bytes; ++i) b[8 + header.size() + i] = static_cast<uint8_t>(i);
  return b;
}

std::string error_of(const std::vector<uint8_t>& b) {
  try {
    parse_safetensors(b, "crafted.safetensors");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ParsesAValidHeader) {
  const auto b = make_safetensors(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}})",
      32);
  const auto tensors = parse_safetensors(b, "x");
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "a");
  EXPECT_EQ(tensors[0].shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(tensors[1].bytes.size(), 8u);
  EXPECT_EQ(tensors[1].bytes[0], 24);
}

TEST(Safetensors, CraftedHeadersGiveNamedErrors) {
  EXPECT_NE(error_of({1, 2, 3}).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(make_safetensors("not json", 0)).find("not a JSON object"), std::string::npos);
  auto huge = make_safetensors("{}", 0);
  const uint64_t n = uint64_t{1} << 40;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_NE(error_of(huge).find("header length"), std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)).find("outside"),
            std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}})", 16)).find("need 16"),
            std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"Q9","shape":[4],"data_offsets":[0,4]}})", 4)).find("unknown dtype 'Q9'"),
            std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,4]}})", 4)).find("shape"),
            std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", 4))
                .find("overflow"),
            std::string::npos);
  EXPECT_NE(error_of(make_safetensors(R"({"a":{"dtype":"F32"}})", 0)).find("needs dtype"), std::string::npos);
}

TEST(Safetensors, UnsupportedDtypeIsNamedWhenRead) {
  const auto b = make_safetensors(R"({"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16);
  const auto tensors = parse_safetensors(b, "x.safetensors");
  float out[2];
  try {
    SafetensorsCheckpoint::read_f32(tensors[0], out);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'ids' has dtype I64, expected F32, F16 or BF16"), std::string::npos);
  }
}

TEST(Safetensors, EveryTruncationOfARealFileIsACleanError) {
  const MappedFile file(test::data_path("random/llama2-mha/model.safetensors"));
  const auto bytes = file.bytes();
  const auto full = parse_safetensors(bytes, "full");
  EXPECT_GT(full.size(), 10u);
  for (size_t len = 0; len < bytes.size(); len += len < 4096 ? 1 : 997) {
    EXPECT_THROW(parse_safetensors(bytes.first(len), "cut"), FormatError) << len;
  }
}

TEST(Safetensors, ShardedCheckpointOpensThroughTheIndex) {
  const auto ckpt = SafetensorsCheckpoint::open(test::models_path("prose-15m"));
  EXPECT_EQ(ckpt.tensors().size(), 75u);
  EXPECT_EQ(ckpt.require("model.embed_tokens.weight").dtype, "BF16");
  EXPECT_THROW(ckpt.require("model.layers.99.mlp.up_proj.weight"), FormatError);
}

TEST(Safetensors, MissingShardIsNamed) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "edt_missing_shard";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path src = test::models_path("prose-15m");
  fs::copy_file(src / "model.safetensors.index.json", dir / "model.safetensors.index.json");
  for (int i = 1; i <= 3; ++i) {
    const std::string name = "model-0000" + std::to_string(i) + "-of-00004.safetensors";
    fs::copy_file(src / name, dir / name);
  }
  try {
    SafetensorsCheckpoint::open(dir.string());
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("shard 'model-00004-of-00004.safetensors' named in weight_map is missing"),
              std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edt
