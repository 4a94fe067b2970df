// safetensors files and training checkpoints: round trips of every dtype, the written bytes' layout,
// a table of corrupted files each refused with a specific message, atomic saves, the file that
// tools/convert_pth.py writes, and RNG state surviving a checkpoint.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "nn/checkpoint.h"
#include "nn/safetensors.h"
#include "tensor/copy.h"
#include "tensor/npy.h"
#include "tests/harness.h"
#include "tests/temp_dir.h"

using namespace autost;
using namespace autost::nn;
namespace fs = std::filesystem;

using autost::test::TempDir;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string u64le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

// A file from a header text and data bytes (header length taken from the text unless given).
std::string file_bytes(const std::string& header, const std::string& data, int64_t header_len = -1) {
  return u64le(header_len < 0 ? header.size() : static_cast<uint64_t>(header_len)) + header + data;
}

std::string contiguous_bytes(const Tensor& t) {
  Tensor c = raw_contiguous(raw_to_device(t, Device::cpu()));
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

std::vector<std::pair<std::string, Tensor>> every_dtype() {
  Generator g(42);
  Tensor f32 = uniform({3, 5}, -2, 2, kFloat32, &g);
  return {
      {"layer.0.weight", f32},
      {"layer.0.weight_t", f32.transpose(0, 1)},  // non-contiguous view: saved in logical order
      {"f64", uniform({4}, -1, 1, kFloat64, &g)},
      {"bf16", uniform({2, 3}, -3, 3, kFloat32, &g).to(kBFloat16)},
      {"i32", from_vector({-2147483648.0, -1, 0, 7, 2147483647.0}, {5}, kInt32)},
      {"i64", from_vector({-9007199254740993.0, 123456789012.0}, {2}, kInt64)},
      {"bn.num_batches_tracked", scalar_tensor(17, kInt64)},  // 0-d
      {"u8", from_vector({0, 1, 200, 255}, {2, 2}, kUInt8)},
      {"mask", from_vector({1, 0, 0, 1, 1}, {5}, kBool)},
      {"empty", zeros({0, 4}, kFloat32)},
      {"scalar64", scalar_tensor(-0.125, kFloat64)},
  };
}

// Loads `path`, expecting an autost::Error whose single-line message names the file and says `phrase`.
void check_rejected(const std::string& path, const std::string& phrase) {
  try {
    load_safetensors(path);
    FAIL_CHECK("no error for ", path, " (expected '", phrase, "')");
  } catch (const Error& e) {
    const std::string msg = e.what();
    INFO("message: ", msg);
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(phrase) != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("safetensors round trip of every dtype, 0-d and empty tensors, and metadata") {
  TempDir dir("autost_safetensors");
  const std::string path = dir.file("all.safetensors");
  auto tensors = every_dtype();
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"note", "héllo \"quoted\"\n"}, {"empty", ""}};
  save_safetensors(path, tensors, meta);
  CHECK(!fs::exists(path + ".tmp"));

  SafetensorsFile back = load_safetensors(path);
  CHECK(back.metadata == meta);
  REQUIRE(back.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    const auto& [bname, b] = back.tensors[i];
    INFO(name);
    CHECK(bname == name);  // header order is the save order
    CHECK(b.dtype() == t.dtype());
    CHECK(b.shape() == t.shape());
    CHECK(b.device().is_cpu());
    CHECK(b.is_contiguous());
    CHECK(contiguous_bytes(b) == contiguous_bytes(t));
  }
  CHECK(back.tensors[6].second.dim() == 0);
  CHECK(back.tensors[6].second.item<int64_t>() == 17);
  CHECK(back.tensors[1].second.to_vector<float>() == tensors[0].second.transpose(0, 1).contiguous().to_vector<float>());

  // Hook for checking the bytes with the independent numpy reader (tests/reference/safetensors_read.py):
  // AUTOST_SAFETENSORS_DUMP=DIR writes DIR/all.safetensors and DIR/expected/<name>.npy.
  if (const char* dump = std::getenv("AUTOST_SAFETENSORS_DUMP")) {
    fs::create_directories(fs::path(dump) / "expected");
    save_safetensors((fs::path(dump) / "all.safetensors").string(), tensors, meta);
    for (const auto& [name, t] : tensors)
      write_npy((fs::path(dump) / "expected" / (name + ".npy")).string(),
                t.dtype() == kBFloat16 ? t.to(kFloat32) : t);
  }
}

TEST_CASE("safetensors writes a standard layout: 8-byte aligned header, contiguous offsets in order") {
  TempDir dir("autost_safetensors");
  const std::string path = dir.file("layout.safetensors");
  auto tensors = every_dtype();
  save_safetensors(path, tensors, {{"k", "v"}});
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() >= 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(bytes[i]);
  CHECK(n % 8 == 0);
  REQUIRE(8 + n <= bytes.size());
  const std::string text = bytes.substr(8, n);
  CHECK(text.front() == '{');
  auto header = nlohmann::ordered_json::parse(text);  // trailing padding is plain spaces
  CHECK(header["__metadata__"] == nlohmann::json{{"k", "v"}});
  uint64_t pos = 0;
  size_t i = 0;
  for (const auto& [name, e] : header.items()) {
    if (name == "__metadata__") continue;
    REQUIRE(i < tensors.size());
    CHECK(name == tensors[i].first);
    CHECK(e["dtype"] == safetensors_dtype_name(tensors[i].second.dtype()));
    CHECK(e["shape"].get<std::vector<int64_t>>() == tensors[i].second.shape());
    CHECK(e["data_offsets"][0].get<uint64_t>() == pos);
    pos += tensors[i].second.nbytes();
    CHECK(e["data_offsets"][1].get<uint64_t>() == pos);
    CHECK(bytes.substr(8 + n + e["data_offsets"][0].get<uint64_t>(), tensors[i].second.nbytes()) ==
          contiguous_bytes(tensors[i].second));
    ++i;
  }
  CHECK(i == tensors.size());
  CHECK(bytes.size() == 8 + n + pos);
  CHECK(header["bf16"]["dtype"] == "BF16");
  CHECK(header["mask"]["dtype"] == "BOOL");
  CHECK(header["bn.num_batches_tracked"]["shape"] == nlohmann::json::array());
  CHECK(header["empty"]["data_offsets"][0] == header["empty"]["data_offsets"][1]);
}

TEST_CASE("safetensors refuses corrupted files with a message naming the file and the problem") {
  TempDir dir("autost_safetensors");
  const std::string eight(8, '\x01');  // two F32 ones' worth of bytes (not that the value matters)
  const std::string a2 = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  // A valid file to cut short.
  const std::string good = file_bytes("{" + a2 + "}", eight);
  struct Case {
    const char* name;
    std::string bytes;
    const char* phrase;
  };
  const std::vector<Case> cases = {
      {"short", "abc", "shorter than the 8-byte header length"},
      {"truncated_header", good.substr(0, 20), "exceeds the file size"},
      {"truncated_data", good.substr(0, good.size() - 3), "run past the end of the data section"},
      {"header_len_huge", file_bytes("{}", "", int64_t{1} << 40), "is too large"},
      {"header_len_past_end", file_bytes("{}", "", 64), "exceeds the file size"},
      {"invalid_json", file_bytes(R"({"a":{"dtype":)", ""), "invalid JSON"},
      {"bad_utf8", file_bytes("{\"\xff\":1}", ""), "invalid JSON"},
      {"huge_number", file_bytes(R"({"w":{"dtype":1e99999,"shape":[1],"data_offsets":[0,4]}})", ""), "invalid JSON"},
      {"not_object", file_bytes("[1,2]", ""), "header is not a JSON object"},
      {"entry_not_object", file_bytes(R"({"a":3})", ""), "entry is not a JSON object"},
      {"missing_dtype", file_bytes(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight), "missing \"dtype\""},
      {"missing_shape", file_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", eight), "missing \"shape\""},
      {"missing_offsets", file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", eight), "missing \"data_offsets\""},
      {"dtype_not_string", file_bytes(R"({"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", eight),
       "dtype is not a string"},
      {"unknown_dtype", file_bytes(R"({"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", eight),
       "unsupported dtype 'F17'"},
      {"shape_not_array", file_bytes(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", eight),
       "shape is not an array"},
      {"negative_shape", file_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight),
       "shape must hold non-negative integers"},
      {"fractional_shape", file_bytes(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", eight),
       "shape must hold non-negative integers"},
      {"overflow_shape",
       file_bytes(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}})", eight),
       "is too large"},
      {"offsets_arity", file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight),
       "data_offsets must be [begin, end]"},
      {"offsets_negative", file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", eight),
       "data_offsets must hold non-negative integers"},
      {"offsets_reversed", file_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", eight),
       "end before they begin"},
      {"shape_bytes_mismatch", file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight),
       "needs 12 bytes"},
      {"offsets_overlap",
       file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  eight + "1234"),
       "overlap another tensor's bytes"},
      {"offsets_gap",
       file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                  eight + eight + "1234"),
       "gap in data_offsets"},
      {"offsets_past_data", file_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", eight),
       "run past the end of the data section"},
      {"trailing_bytes", file_bytes("{" + a2 + "}", eight + "xyz"), "belong to no tensor"},
      {"duplicate_key", file_bytes("{" + a2 + "," + a2 + "}", eight), "duplicate key 'a'"},
      {"duplicate_field", file_bytes(R"({"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}})", eight),
       "duplicate key 'dtype'"},
      {"metadata_not_string", file_bytes(R"({"__metadata__":{"epoch":3}})", ""), "value for 'epoch' is not a string"},
      {"metadata_not_object", file_bytes(R"({"__metadata__":[1]})", ""), "__metadata__ is not a JSON object"},
      {"bad_bool", file_bytes(R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x01\x02", 2)),
       "byte other than 0 or 1"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      const std::string path = dir.file(std::string(c.name) + ".safetensors");
      write_bytes(path, c.bytes);
      check_rejected(path, c.phrase);
    }
  }
  SUBCASE("missing file") { check_rejected(dir.file("absent.safetensors"), "cannot open"); }
  SUBCASE("the valid base file loads") {
    const std::string path = dir.file("good.safetensors");
    write_bytes(path, good);
    CHECK(load_safetensors(path).tensors.size() == 1);
  }
}

TEST_CASE("safetensors save is atomic") {
  TempDir dir("autost_safetensors");
  auto small = std::vector<std::pair<std::string, Tensor>>{{"x", ones({2}, kFloat32)}};
  SUBCASE("a missing target directory fails without leaving files") {
    const std::string path = dir.file("missing/sub/x.safetensors");
    CHECK_THROWS_WITH_AS(save_safetensors(path, small), doctest::Contains("missing/sub/x.safetensors"), Error);
    CHECK(!fs::exists(dir.path / "missing"));
    CHECK(fs::is_empty(dir.path));
  }
  SUBCASE("a failed rename removes the temporary file and keeps what was there") {
    const std::string path = dir.file("is_a_dir");
    fs::create_directories(fs::path(path) / "inside");
    CHECK_THROWS_WITH_AS(save_safetensors(path, small), doctest::Contains("cannot rename"), Error);
    CHECK(!fs::exists(path + ".tmp"));
    CHECK(fs::is_directory(fs::path(path) / "inside"));
  }
  SUBCASE("saving over an existing file replaces it whole") {
    const std::string path = dir.file("x.safetensors");
    save_safetensors(path, {{"big", zeros({1000}, kFloat64)}, {"other", ones({3}, kInt64)}}, {{"old", "1"}});
    const auto big_size = fs::file_size(path);
    save_safetensors(path, small);
    CHECK(fs::file_size(path) < big_size);
    SafetensorsFile f = load_safetensors(path);
    REQUIRE(f.tensors.size() == 1);
    CHECK(f.tensors[0].first == "x");
    CHECK(f.metadata.empty());
    CHECK(!fs::exists(path + ".tmp"));
  }
  SUBCASE("a save refused before writing leaves the old file intact") {
    const std::string path = dir.file("keep.safetensors");
    save_safetensors(path, small);
    const std::string before = read_bytes(path);
    CHECK_THROWS_WITH_AS(save_safetensors(path, {{"a", ones({1})}, {"a", ones({1})}}),
                         doctest::Contains("duplicate tensor name 'a'"), Error);
    CHECK_THROWS_WITH_AS(save_safetensors(path, {{"__metadata__", ones({1})}}), doctest::Contains("__metadata__"), Error);
    CHECK_THROWS_WITH_AS(save_safetensors(path, {{"u", Tensor()}}), doctest::Contains("'u' is undefined"), Error);
    CHECK(read_bytes(path) == before);
    CHECK(!fs::exists(path + ".tmp"));
  }
}

TEST_CASE("safetensors reads what tools/convert_pth.py writes from a torch checkpoint") {
  const std::string dir = std::string(AUTOST_FIXTURES_DIR) + "/safetensors";
  SafetensorsFile f = load_safetensors(dir + "/converted.safetensors");
  CHECK(f.metadata.at("format") == "pt");
  const std::vector<std::string> names = {"conv.weight", "conv.bias", "bn.running_mean", "bn.num_batches_tracked",
                                          "head.weight", "emb.bf16", "mask", "bytes", "index", "empty"};
  REQUIRE(f.tensors.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    CHECK(f.tensors[i].first == names[i]);  // "module." stripped, order kept
    Tensor expected = read_npy(dir + "/expected/" + names[i] + ".npy");
    const Tensor& got = f.tensors[i].second;
    if (got.dtype() == kBFloat16) CHECK(expected.dtype() == kFloat32);
    else CHECK(got.dtype() == expected.dtype());
    CHECK_CLOSE(got, expected, 0.0, 0.0);
  }
  CHECK(f.tensors[3].second.dim() == 0);
  CHECK(f.tensors[3].second.item<int64_t>() == 7);
  CHECK(f.tensors[4].second.shape() == Shape{3, 4});  // saved from a transposed (non-contiguous) tensor
  CHECK(f.tensors[9].second.shape() == Shape{0, 3});
}

TEST_CASE("training checkpoint round trip restores tensors, counters and the RNG stream") {
  TempDir dir("autost_safetensors");
  const std::string path = dir.file("ckpt.safetensors");
  NamedTensors model = {{"block.0.attn.q_linear.weight", rand({3, 2})},
                        {"bn.running_mean", zeros({3})},
                        {"bn.num_batches_tracked", scalar_tensor(5, kInt64)}};
  NamedTensors optim = {{"state.0.exp_avg", rand({3, 2})}, {"state.0.step", scalar_tensor(12, kFloat32)}};

  manual_seed(1234);
  rand({7});  // move the stream off its start so the offset matters
  TrainingState state;
  state.epoch = 3;
  state.step = 1200;
  state.scheduler_epoch = 4;
  state.extra = {{"best_acc", "0.875"}, {"recipe", "cifar10"}};
  capture_default_rng(state);
  CHECK(state.rng_seed == 1234);
  CHECK(state.rng_offset > 0);
  save_training_checkpoint(path, model, optim, state);
  const std::vector<double> after_save = rand({10}, kFloat64).to_vector<double>();

  manual_seed(999);  // a different run
  rand({3});
  TrainingCheckpoint ck = load_training_checkpoint(path);
  restore_default_rng(ck.state);
  CHECK(rand({10}, kFloat64).to_vector<double>() == after_save);

  CHECK(ck.state.epoch == 3);
  CHECK(ck.state.step == 1200);
  CHECK(ck.state.scheduler_epoch == 4);
  CHECK(ck.state.rng_seed == state.rng_seed);
  CHECK(ck.state.rng_offset == state.rng_offset);
  CHECK(ck.state.extra == state.extra);
  REQUIRE(ck.model.size() == model.size());
  for (size_t i = 0; i < model.size(); ++i) {
    CHECK(ck.model[i].first == model[i].first);
    CHECK(contiguous_bytes(ck.model[i].second) == contiguous_bytes(model[i].second));
  }
  REQUIRE(ck.optimizer.size() == optim.size());
  for (size_t i = 0; i < optim.size(); ++i) {
    CHECK(ck.optimizer[i].first == optim[i].first);
    CHECK(contiguous_bytes(ck.optimizer[i].second) == contiguous_bytes(optim[i].second));
  }
  // Stored as a plain state dict plus "optimizer." entries, so other tools can read it.
  SafetensorsFile raw = load_safetensors(path);
  CHECK(raw.tensors[3].first == "optimizer.state.0.exp_avg");
  CHECK(raw.metadata.at("epoch") == "3");
}

TEST_CASE("training checkpoint errors") {
  TempDir dir("autost_safetensors");
  const std::string path = dir.file("c.safetensors");
  NamedTensors model = {{"w", ones({2})}};
  CHECK_THROWS_WITH_AS(save_training_checkpoint(path, {{"optimizer.w", ones({1})}}, {}, {}),
                       doctest::Contains("clashes with the optimizer. prefix"), Error);
  CHECK(!fs::exists(path));

  auto meta_with = [&](const std::string& key, const std::string& value) {
    save_training_checkpoint(path, model, {}, {});
    auto m = load_safetensors(path).metadata;
    if (value.empty()) m.erase(key);
    else m[key] = value;
    save_safetensors(path, model, m);
  };
  save_safetensors(path, model);
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("not an autost training checkpoint"), Error);
  meta_with("autost_checkpoint_version", "2");
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("version 2 is not supported"), Error);
  meta_with("autost_checkpoint_version", "one");
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("is not an integer: 'one'"), Error);
  meta_with("step", "");
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("no 'step' metadata"), Error);
  meta_with("epoch", "12x");
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("'epoch' is not an integer"), Error);
  meta_with("rng_offset", "-1");
  CHECK_THROWS_WITH_AS(load_training_checkpoint(path), doctest::Contains("'rng_offset' is not an integer"), Error);
  try {
    load_training_checkpoint(path);
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
}

TEST_CASE("safetensors: random byte corruptions either load or throw autost::Error, never crash") {
  TempDir dir("autost_safetensors");
  const std::string good_path = dir.file("good.safetensors");
  save_safetensors(good_path, every_dtype(), {{"k", "v"}});
  const std::string good = read_bytes(good_path);
  const std::string path = dir.file("mutated.safetensors");
  uint64_t state = 88172645463325252ull;  // xorshift: deterministic and independent of the library RNG
  auto next = [&] { return state ^= state << 13, state ^= state >> 7, state ^= state << 17; };
  int refused = 0;
  for (int i = 0; i < 400; ++i) {
    std::string bytes = good;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int k = 0; k < edits; ++k) {
      // Mostly inside the length and the header, where the structure is.
      const size_t limit = next() % 4 == 0 ? bytes.size() : std::min<size_t>(bytes.size(), 600);
      bytes[next() % limit] = static_cast<char>(next());
    }
    if (i % 10 == 0) bytes.resize(next() % bytes.size());
    write_bytes(path, bytes);
    try {
      load_safetensors(path);
    } catch (const Error& e) {
      ++refused;
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
  }
  CHECK(refused > 100);
}
