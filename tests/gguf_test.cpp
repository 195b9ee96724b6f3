#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "tests/test_util.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/mapped_file.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

// A writer holding one value of every metadata type, arrays of several, and a tensor of every computable type.
GgufWriter sample_writer(std::vector<std::vector<uint8_t>>& storage) {
  GgufWriter w;
  w.set("u8", GgufValue::make(GgufType::UINT8, uint8_t{200}));
  w.set("i8", GgufValue::make(GgufType::INT8, int8_t{-100}));
  w.set("u16", GgufValue::make(GgufType::UINT16, uint16_t{60000}));
  w.set("i16", GgufValue::make(GgufType::INT16, int16_t{-30000}));
  w.set("u32", GgufValue::make(GgufType::UINT32, uint32_t{4000000000u}));
  w.set("i32", GgufValue::make(GgufType::INT32, int32_t{-2000000000}));
  w.set("f32", GgufValue::make(GgufType::FLOAT32, 3.25f));
  w.set("bool", GgufValue::make(GgufType::BOOL, true));
  w.set("string", GgufValue::make(GgufType::STRING, std::string("héllo\nworld")));
  w.set("u64", GgufValue::make(GgufType::UINT64, uint64_t{1} << 60));
  w.set("i64", GgufValue::make(GgufType::INT64, int64_t{-(int64_t{1} << 60)}));
  w.set("f64", GgufValue::make(GgufType::FLOAT64, 2.718281828459045));
  w.set_string_array("strings", {"a", "", "ccc", "<0x0A>"});
  w.set_f32_array("floats", {1.5f, -2.0f});
  w.set_i32_array("ints", {1, -2, 3});
  w.set("bools", GgufValue::make_array(GgufType::BOOL, {true, false}));
  w.set("empty", GgufValue::make_array(GgufType::UINT64, {}));
  const GgmlType types[] = {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0};
  for (GgmlType t : types) {
    const size_t cols = 64, rows = 3;
    const auto values = test::random_floats(cols * rows, static_cast<uint32_t>(t) + 1);
    std::vector<uint8_t> bytes(*ggml_row_bytes(t, cols) * rows);
    for (size_t r = 0; r < rows; ++r) quantize_row(t, values.data() + r * cols, bytes.data() + r * *ggml_row_bytes(t, cols), cols);
    storage.push_back(bytes);
    w.add_tensor_bytes(std::string("tensor.") + ggml_traits(t).name, t, {cols, rows}, storage.back());
  }
  return w;
}

TEST(Gguf, RoundTripsEveryMetadataAndTensorType) {
  std::vector<std::vector<uint8_t>> storage;
  storage.reserve(8);
  const GgufWriter w = sample_writer(storage);
  const std::vector<uint8_t> bytes = w.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "memory");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.metadata.size(), 17u);
  EXPECT_EQ(std::get<uint8_t>(f.find("u8")->scalar), 200);
  EXPECT_EQ(std::get<int8_t>(f.find("i8")->scalar), -100);
  EXPECT_EQ(std::get<uint16_t>(f.find("u16")->scalar), 60000);
  EXPECT_EQ(std::get<int16_t>(f.find("i16")->scalar), -30000);
  EXPECT_EQ(f.require_uint("u32"), 4000000000u);
  EXPECT_EQ(f.require_int("i32"), -2000000000);
  EXPECT_EQ(f.require_float("f32"), 3.25);
  EXPECT_EQ(f.get_bool("bool"), true);
  EXPECT_EQ(f.require_string("string"), "héllo\nworld");
  EXPECT_EQ(f.require_uint("u64"), uint64_t{1} << 60);
  EXPECT_EQ(f.require_int("i64"), -(int64_t{1} << 60));
  EXPECT_EQ(f.require_float("f64"), 2.718281828459045);
  EXPECT_EQ(f.require_string_array("strings"), (std::vector<std::string>{"a", "", "ccc", "<0x0A>"}));
  EXPECT_EQ(f.require_float_array("floats"), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(f.require_int_array("ints"), (std::vector<int32_t>{1, -2, 3}));
  EXPECT_EQ(f.find("bools")->array.size(), 2u);
  EXPECT_EQ(f.find("empty")->array_type, GgufType::UINT64);
  ASSERT_EQ(f.tensors.size(), 5u);
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    const GgufTensorInfo& t = f.tensors[i];
    EXPECT_EQ(t.dims, (std::vector<uint64_t>{64, 3}));
    EXPECT_EQ(t.offset % 32, 0u);
    ASSERT_EQ(t.n_bytes, storage[i].size());
    EXPECT_EQ(std::memcmp(t.data, storage[i].data(), t.n_bytes), 0) << t.name;
  }
  // Writing what was read gives the same bytes.
  GgufWriter again;
  for (const auto& [k, v] : f.metadata) again.set(k, v);
  for (const GgufTensorInfo& t : f.tensors) again.add_tensor_bytes(t.name, t.type, t.dims, {t.data, t.n_bytes});
  EXPECT_EQ(again.write_to_memory(), bytes);
}

TEST(Gguf, TypedAccessNamesKeyAndTypes) {
  GgufWriter w;
  w.set("tokenizer.ggml.scores", GgufValue::make_array(GgufType::UINT8, {uint8_t{1}, uint8_t{2}}));
  w.set("neg", GgufValue::make(GgufType::INT32, int32_t{-5}));
  const auto bytes = w.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "crafted.gguf");
  try {
    f.require_float_array("tokenizer.ggml.scores");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "crafted.gguf: key 'tokenizer.ggml.scores' has type ARRAY[UINT8], expected ARRAY[FLOAT32]");
  }
  EXPECT_THROW(f.require_uint("neg"), FormatError);
  EXPECT_THROW(f.require_string("missing.key"), FormatError);
}

TEST(Gguf, AlignmentKeyIsHonouredAndChecked) {
  GgufWriter w;
  w.set_alignment(64);
  const std::vector<uint8_t> data(4 * 5, 1);
  w.add_tensor_bytes("a", GgmlType::F32, {5}, data);
  w.add_tensor_bytes("b", GgmlType::F32, {5}, data);
  const auto bytes = w.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "m");
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.data_offset % 64, 0u);
  EXPECT_EQ(f.find_tensor("b")->offset, 64u);

  for (const GgufValue& bad : {GgufValue::make(GgufType::UINT32, uint32_t{0}), GgufValue::make(GgufType::UINT32, uint32_t{48}),
                               GgufValue::make(GgufType::UINT64, uint64_t{32}), GgufValue::make(GgufType::STRING, std::string("32"))}) {
    GgufWriter b;
    b.set("general.alignment", bad);
    const auto bb = b.write_to_memory();
    EXPECT_THROW(parse_gguf(bb, "bad-alignment"), FormatError) << bad.type_name();
  }
}

TEST(Gguf, ReadsEveryLlamaCppVocabFile) {
  size_t parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_path("llamacpp-vocab"))) {
    if (entry.path().extension() != ".gguf") continue;
    const MappedFile file(entry.path().string());
    const GgufFile f = parse_gguf(file.bytes(), entry.path().string());
    EXPECT_GT(f.require_string_array("tokenizer.ggml.tokens").size(), 1000u) << entry.path();
    EXPECT_TRUE(f.find("tokenizer.ggml.model")) << entry.path();
    ++parsed;
  }
  EXPECT_EQ(parsed, 9u);
}

TEST(Gguf, ReadsLlamaCppModelFiles) {
  for (const char* name : {"interop/stories260K-llamacpp-f32.gguf", "interop/prose-15m-q8_0.gguf", "interop/prose-15m-q4_0.gguf"}) {
    const MappedFile file(test::data_path(name));
    const GgufFile f = parse_gguf(file.bytes(), name);
    EXPECT_EQ(f.require_string("general.architecture"), "llama");
    EXPECT_NE(f.find_tensor("token_embd.weight"), nullptr);
  }
}

// Header builder for crafted files: lets a test put any value anywhere.
struct RawGguf {
  std::vector<uint8_t> b;
  template <typename T>
  RawGguf& put(T v) {
    const size_t at = b.size();
    b.resize(at + sizeof(T));
    std::memcpy(b.data() + at, &v, sizeof(T));
    return *this;
  }
  RawGguf& str(const std::string& s) {
    put<uint64_t>(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  RawGguf& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return put<uint32_t>(kGgufMagic).put<uint32_t>(version).put<uint64_t>(n_tensors).put<uint64_t>(n_kv);
  }
  RawGguf& tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name).put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) put<uint64_t>(d);
    return put<uint32_t>(type).put<uint64_t>(offset);
  }
  RawGguf& pad(size_t to) {
    b.resize((b.size() + to - 1) / to * to, 0);
    return *this;
  }
};

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    parse_gguf(bytes, "crafted.gguf");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Gguf, CraftedFilesGiveNamedErrors) {
  EXPECT_NE(error_of({}).find("not a GGUF file"), std::string::npos);
  EXPECT_NE(error_of({'G', 'G', 'M', 'L', 0, 0, 0, 0}).find("bad magic 'GGML'"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(0, 0, 1).b).find("unsupported GGUF version 1"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(0, 0, 4).b).find("unsupported GGUF version 4"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(0, uint64_t{1} << 60).b).find("metadata count"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(uint64_t{1} << 60, 0).b).find("tensor count"), std::string::npos);
  // A string whose length runs past the end of the file.
  EXPECT_NE(error_of(RawGguf().header(0, 1).put<uint64_t>(1000).put<uint64_t>(0).put<uint64_t>(0).b).find("claims 1000 bytes"), std::string::npos);
  // An array with more elements than the file could hold.
  EXPECT_NE(error_of(RawGguf().header(0, 1).str("k").put<uint32_t>(9).put<uint32_t>(4).put<uint64_t>(uint64_t{1} << 40).b)
                .find("array 'k' claims"),
            std::string::npos);
  // Unknown value type, nested arrays, bad bool.
  EXPECT_NE(error_of(RawGguf().header(0, 1).str("k").put<uint32_t>(13).put<uint32_t>(0).b).find("value type 13"),
            std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(0, 1).str("k").put<uint32_t>(9).put<uint32_t>(9).put<uint64_t>(1).b).find("nested"),
            std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(0, 1).str("k").put<uint32_t>(7).put<uint8_t>(2).b).find("BOOL"), std::string::npos);
  // Duplicate keys and tensor names.
  EXPECT_NE(error_of(RawGguf().header(0, 2).str("k").put<uint32_t>(4).put<uint32_t>(1).str("k").put<uint32_t>(4).put<uint32_t>(2).b)
                .find("duplicate metadata key 'k'"),
            std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(2, 0).tensor("t", {32}, 0, 0).tensor("t", {32}, 0, 128).pad(32).b)
                .find("duplicate tensor name 't'"),
            std::string::npos);
  // Dimensions: too many, overflowing (2^42 + 1 rows of 2^22), unknown type, partial block.
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).b).find("5 dimensions"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {uint64_t{1} << 22, (uint64_t{1} << 42) + 1}, 0, 0).b).find("overflow"),
            std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {uint64_t{1} << 31, uint64_t{1} << 31}, 0, 0).b).find("overflow"),
            std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {32}, 77, 0).b).find("type 77 (unknown)"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {33}, 8, 0).b).find("not a multiple of its block size 32"),
            std::string::npos);
  // Misaligned offset; data past the end of the file; offset + size overflowing.
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {8}, 0, 4).b).find("not a multiple of the alignment"),
            std::string::npos);
  RawGguf past = RawGguf().header(1, 0).tensor("t", {64}, 0, 0).pad(32);
  past.b.resize(past.b.size() + 100);
  EXPECT_NE(error_of(past.b).find("extends past the end of the file"), std::string::npos);
  EXPECT_NE(error_of(RawGguf().header(1, 0).tensor("t", {8}, 0, ~uint64_t{31}).pad(32).b).find("past the end"),
            std::string::npos);
}

// Every prefix of a valid file is either a clean error or (for the full file) a success; never a crash.
TEST(Gguf, EveryTruncationIsACleanError) {
  std::vector<std::vector<uint8_t>> storage;
  storage.reserve(8);
  const auto bytes = sample_writer(storage).write_to_memory();
  for (size_t len = 0; len < bytes.size(); ++len) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
    EXPECT_THROW(parse_gguf(cut, "truncated.gguf"), FormatError) << "length " << len;
  }
}

// Flipping bytes of the header gives either a parse or a clean error; tensor extents stay inside the buffer.
TEST(Gguf, ByteFlipsInTheHeaderNeverEscapeTheBuffer) {
  std::vector<std::vector<uint8_t>> storage;
  storage.reserve(8);
  const auto bytes = sample_writer(storage).write_to_memory();
  const GgufFile good = parse_gguf(bytes, "good");
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> bad = bytes;
    const int flips = 1 + trial % 4;
    for (int i = 0; i < flips; ++i) bad[rng() % good.data_offset] ^= static_cast<uint8_t>(1u << (rng() % 8));
    try {
      const GgufFile f = parse_gguf(bad, "flipped");
      for (const GgufTensorInfo& t : f.tensors) {
        ASSERT_GE(t.data, bad.data());
        ASSERT_LE(t.data + t.n_bytes, bad.data() + bad.size());
      }
    } catch (const FormatError&) {
    }
  }
}

TEST(GgufWriter, UnwritablePathLeavesNothingBehind) {
  GgufWriter w;
  w.set_u32("k", 1);
  EXPECT_THROW(w.write("/nonexistent-dir/out.gguf"), FormatError);
  const std::string path = ::testing::TempDir() + "edt_writer_fail.gguf";
  GgufWriter failing;
  failing.add_tensor("t", GgmlType::F32, {8}, [](uint8_t*) { throw FormatError("source vanished"); });
  EXPECT_THROW(failing.write(path), FormatError);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST(GgufWriter, FullDiskIsAnErrorWithNoPartialFile) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does. The writer writes to
  // PATH.partial, so point it at a directory where that name is /dev/full via a symlink.
  const std::string dir = ::testing::TempDir() + "edt_full_disk";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/out.gguf";
  std::filesystem::remove(path + ".partial");
  std::filesystem::create_symlink("/dev/full", path + ".partial");
  GgufWriter w;
  const std::vector<uint8_t> data(1 << 20, 7);
  w.add_tensor_bytes("big", GgmlType::F32, {data.size() / 4}, data);
  EXPECT_THROW(w.write(path), FormatError);
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edt
