// Tensor basics: dtypes, views sharing storage, copies, conversions, factories, Philox, printing.
#include "tests/harness.h"
#include "tensor/allocator.h"
#include "tensor/copy.h"
#include "tensor/npy.h"

#include <cstdio>
#include <fstream>
#include "tensor/philox.h"

using namespace autost;
using autost::test::t64;

TEST_CASE("dtype sizes and bfloat16 round to nearest even") {
  CHECK(itemsize(kFloat32) == 4);
  CHECK(itemsize(kFloat64) == 8);
  CHECK(itemsize(kBFloat16) == 2);
  CHECK(itemsize(kInt64) == 8);
  CHECK(itemsize(kBool) == 1);
  CHECK(static_cast<float>(bfloat16(1.0f)) == 1.0f);
  CHECK(bfloat16(1.0f).bits == 0x3f80);
  // 1 + 2^-8 is exactly halfway between two bfloat16 values: ties go to the even one (1.0).
  CHECK(static_cast<float>(bfloat16(1.00390625f)) == 1.0f);
  // 1 + 3 * 2^-8 is halfway too: rounds up to the even 1 + 2^-6.
  CHECK(static_cast<float>(bfloat16(1.01171875f)) == 1.015625f);
  Tensor x = t64({0.1, -2.5, 3.0}, {3}).to(kBFloat16);
  CHECK(x.dtype() == kBFloat16);
  std::vector<double> back = x.to_vector<double>();
  CHECK(back[0] == doctest::Approx(0.10009765625));
  CHECK(back[1] == -2.5);
}

TEST_CASE("views share storage and have the right strides") {
  Tensor x = arange(24, kFloat64).view({2, 3, 4});
  CHECK(x.strides() == Shape{12, 4, 1});
  Tensor t = x.transpose(0, 2);
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.strides() == Shape{1, 4, 12});
  CHECK(!t.is_contiguous());
  CHECK(t.storage() == x.storage());
  Tensor p = x.permute({1, 2, 0});
  CHECK(p.shape() == Shape{3, 4, 2});
  CHECK(p.select(0, 1).select(0, 2).to_vector<double>() == std::vector<double>{6, 18});
  Tensor n = x.narrow(2, 1, 2);
  CHECK(n.shape() == Shape{2, 3, 2});
  CHECK(n.offset() == 1);
  CHECK(n.contiguous().to_vector<double>() ==
        std::vector<double>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});
  Tensor s = x.slice(2, 0, 4, 2);
  CHECK(s.contiguous().to_vector<double>() == std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22});
  Tensor e = t64({1, 2, 3}, {3, 1}).expand({3, 4});
  CHECK(e.strides() == Shape{1, 0});
  CHECK(e.contiguous().to_vector<double>() == std::vector<double>{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  CHECK(x.unsqueeze(1).shape() == Shape{2, 1, 3, 4});
  CHECK(x.unsqueeze(-1).shape() == Shape{2, 3, 4, 1});
  CHECK(x.unsqueeze(1).squeeze().shape() == Shape{2, 3, 4});
  CHECK(x.flatten(1).shape() == Shape{2, 12});
  CHECK(x.reshape({-1, 4}).shape() == Shape{6, 4});
  // Writing through a view changes the base.
  x.select(0, 1).select(0, 0).fill_(-1);
  CHECK(x.to_vector<double>()[12] == -1);
  CHECK(x.to_vector<double>()[15] == -1);
}

TEST_CASE("view refuses what needs a copy; reshape copies") {
  Tensor x = arange(6, kFloat32).view({2, 3});
  Tensor t = x.transpose(0, 1);
  CHECK_THROWS_AS(t.view({6}), Error);
  Tensor r = t.reshape({6});
  CHECK(r.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(r.storage() != x.storage());
  // A view over merged contiguous dims is allowed even for a non-contiguous tensor.
  Tensor y = arange(24, kFloat32).view({2, 3, 4}).narrow(0, 1, 1);
  CHECK(y.view({3, 4}).storage() == y.storage());
  CHECK_THROWS_AS(x.view({4, 2}), Error);
  CHECK_THROWS_AS(x.reshape({-1, -1}), Error);
}

TEST_CASE("copies convert dtype and broadcast") {
  Tensor x = t64({1.5, -2.7, 3.2, 0.0}, {2, 2});
  CHECK(x.to(kInt32).to_vector<int32_t>() == std::vector<int32_t>{1, -2, 3, 0});
  CHECK(x.to(kBool).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1, 1, 0});
  // Non-zero is true even when it would round to 0 in float32.
  CHECK(t64({1e-50, 0.0}, {2}).to(kBool).to_vector<uint8_t>() == std::vector<uint8_t>{1, 0});
  Tensor dst = zeros({2, 3}, kFloat32);
  dst.copy_(t64({1, 2, 3}, {3}));
  CHECK(dst.to_vector<float>() == std::vector<float>{1, 2, 3, 1, 2, 3});
  Tensor strided_dst = zeros({3, 2}, kFloat32).transpose(0, 1);
  strided_dst.copy_(t64({1, 2, 3, 4, 5, 6}, {2, 3}));
  CHECK(strided_dst.contiguous().to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  Tensor c = x.clone();
  c.fill_(7);
  CHECK(x.to_vector<double>()[0] == 1.5);
  CHECK_THROWS_AS(dst.copy_(zeros({4})), Error);
}

TEST_CASE("factories") {
  CHECK(zeros({2, 2}).to_vector<float>() == std::vector<float>(4, 0.f));
  CHECK(ones({3}, kInt64).to_vector<int64_t>() == std::vector<int64_t>{1, 1, 1});
  CHECK(full({2}, 2.5, kFloat64).to_vector<double>() == std::vector<double>{2.5, 2.5});
  CHECK(arange(0.0, 1.0, 0.25, kFloat64).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(arange(5).dtype() == kInt64);
  CHECK(arange(5).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(scalar_tensor(3.0).dim() == 0);
  CHECK(scalar_tensor(3.0).item() == 3.0);
  CHECK_THROWS_AS(zeros({2, -1}), Error);
  CHECK(arange(1).item<int>() == 0);
  CHECK_THROWS_AS(zeros({2}).item(), Error);
}

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
  // Known-answer test from Random123 (kat_vectors): counter {0,0,0,0}, key {0,0}.
  Philox4 r = philox4x32_10(0, 0);
  CHECK(r.v[0] == 0x6627e8d5u);
  CHECK(r.v[1] == 0xe169c58du);
  CHECK(r.v[2] == 0xbc57ac4cu);
  CHECK(r.v[3] == 0x9b00dbd8u);
}

TEST_CASE("random tensors: seeded, reproducible, right moments") {
  Generator g1(42), g2(42), g3(43);
  Tensor a = randn({10000}, kFloat64, &g1);
  Tensor b = randn({10000}, kFloat64, &g2);
  Tensor c = randn({10000}, kFloat64, &g3);
  CHECK(a.to_vector<double>() == b.to_vector<double>());
  CHECK(a.to_vector<double>() != c.to_vector<double>());
  std::vector<double> v = a.to_vector<double>();
  double mean = 0, sq = 0;
  for (double x : v) mean += x;
  mean /= v.size();
  for (double x : v) sq += (x - mean) * (x - mean);
  CHECK(std::abs(mean) < 0.05);
  CHECK(std::abs(sq / v.size() - 1.0) < 0.05);
  Tensor u = uniform({10000}, 2.0, 3.0, kFloat32, &g1);
  for (float x : u.to_vector<float>()) REQUIRE((x >= 2.0f && x < 3.0f));
  Tensor m = bernoulli({10000}, 0.3, kFloat32, &g1);
  double ones_frac = 0;
  for (float x : m.to_vector<float>()) ones_frac += x;
  CHECK(std::abs(ones_frac / 10000 - 0.3) < 0.02);
  // The stream advances: two draws from one generator differ.
  Generator g(7);
  CHECK(rand({4}, kFloat32, &g).to_vector<float>() != rand({4}, kFloat32, &g).to_vector<float>());
}

TEST_CASE("item, printing and errors") {
  Tensor x = t64({1, 2, 3, 4}, {2, 2});
  CHECK(x.str() == "tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], dtype=float64)");
  CHECK(arange(3).str() == "tensor([0, 1, 2], dtype=int64)");
  CHECK_THROWS_AS(x.item(), Error);
  CHECK_THROWS_WITH_AS(x.size(2), doctest::Contains("out of range"), Error);
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), doctest::Contains("repeated"), Error);
  CHECK_THROWS_WITH_AS(Device::parse("gpu"), doctest::Contains("unknown device"), Error);
}

TEST_CASE("CUDA requested without a device is a clear error") {
  if (cuda_available()) return;
  CHECK_THROWS_WITH_AS(zeros({2}, Device::cuda()), doctest::Contains("cuda"), Error);
}

TEST_CASE("CPU allocator: aligned, tracks current and peak bytes") {
  reset_peak_memory(Device::cpu());
  int64_t before = memory_stats(Device::cpu()).current_bytes;
  {
    Tensor t = empty({1000}, kFloat64);
    CHECK(reinterpret_cast<uintptr_t>(t.data_ptr()) % 64 == 0);
    CHECK(memory_stats(Device::cpu()).current_bytes - before == 8000);
  }
  CHECK(memory_stats(Device::cpu()).current_bytes == before);
  CHECK(memory_stats(Device::cpu()).peak_bytes >= before + 8000);
}

TEST_CASE("CPU allocator: idle cached blocks never take the footprint past the high-water mark") {
  // Each test case runs in a process of its own under CTest, so the high-water mark is this case's.
  cpu_empty_cache();
  auto idle = [] {
    MemoryStats m = memory_stats(Device::cpu());
    return m.reserved_bytes - m.current_bytes;
  };
  const int64_t mib = int64_t{1} << 20;
  if (!cpu_cache_enabled()) {  // sanitizer builds: every block goes straight back
    { Tensor big = empty({8 * mib}, kUInt8); }
    CHECK(idle() == 0);
    return;
  }
  { Tensor big = empty({8 * mib}, kUInt8); }
  CHECK(idle() == 8 * mib);  // kept for reuse
  {
    Tensor again = empty({8 * mib}, kUInt8);  // same size: served from the cache
    CHECK(idle() == 0);
  }
  {
    // A different size misses; keeping the idle 8 MiB block beside a new 1 MiB one would exceed
    // the 8 MiB ever live at once, so the idle block is given back first.
    Tensor small = empty({mib}, kUInt8);
    CHECK(idle() == 0);
    CHECK(memory_stats(Device::cpu()).reserved_bytes <= 8 * mib + mib / 2);
  }
  CHECK(idle() == mib);
  {
    // Under the high-water mark both fit: the idle 1 MiB block stays cached.
    Tensor mid = empty({4 * mib}, kUInt8);
    CHECK(idle() == mib);
  }
  cpu_empty_cache();
  CHECK(idle() == 0);
}

TEST_CASE("npy round trip and bad files") {
  std::string dir = "npy_test_tmp";
  std::string p = dir + ".npy";
  Tensor x = arange(12, kFloat64).view({3, 4}).transpose(0, 1);
  write_npy(p, x);
  Tensor y = read_npy(p);
  CHECK(y.shape() == Shape{4, 3});
  CHECK(y.to_vector<double>() == x.contiguous().to_vector<double>());
  write_npy(p, arange(5));
  CHECK(read_npy(p).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  // Truncate the data: a clear error naming the file.
  {
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 3));
  }
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains(p.c_str()), Error);
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << "not numpy";
  }
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains("bad magic"), Error);
  CHECK_THROWS_WITH_AS(read_npy("does/not/exist.npy"), doctest::Contains("cannot open"), Error);
  std::remove(p.c_str());
}

// ---- adversarial review: each case below failed before its fix ----

TEST_CASE("writing into an expanded (stride-0) view is an error, not a race") {
  Tensor base = zeros({1, 3}, kFloat32);
  Tensor ex = base.expand({4, 3});
  CHECK_THROWS_WITH_AS(ex.copy_(arange(12, kFloat32).view({4, 3})), doctest::Contains("overlap"), Error);
  CHECK_THROWS_WITH_AS(ex.fill_(2.0), doctest::Contains("overlap"), Error);
  CHECK_THROWS_WITH_AS(uniform_(ex, 0.0, 1.0), doctest::Contains("overlap"), Error);
  CHECK(base.to_vector<float>() == std::vector<float>{0, 0, 0});
  // A size-1 dim with stride 0 is not an overlap.
  Tensor one = zeros({3}, kFloat32).unsqueeze(0).expand({1, 3});
  one.copy_(t64({1, 2, 3}, {3}));
  CHECK(one.to_vector<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("copy_ between overlapping views of one storage reads the source as it was") {
  Tensor x = arange(8, kFloat64);
  x.slice(0, 1, 8).copy_(x.slice(0, 0, 7));  // shift right by one
  CHECK(x.to_vector<double>() == std::vector<double>{0, 0, 1, 2, 3, 4, 5, 6});
  Tensor y = arange(8, kFloat64);
  y.slice(0, 0, 7).copy_(y.slice(0, 1, 8));  // shift left by one
  CHECK(y.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6, 7, 7});
  Tensor m = arange(9, kFloat64).view({3, 3});
  m.copy_(m.transpose(0, 1));
  CHECK(m.to_vector<double>() == std::vector<double>{0, 3, 6, 1, 4, 7, 2, 5, 8});
  Tensor same = arange(4, kFloat64);
  same.copy_(same);
  CHECK(same.to_vector<double>() == std::vector<double>{0, 1, 2, 3});
}

TEST_CASE("empty refuses shapes whose byte count overflows") {
  const int64_t big = int64_t{1} << 40;
  CHECK_THROWS_WITH_AS(empty({big, big}), doctest::Contains("overflow"), Error);
  CHECK_THROWS_WITH_AS(empty({int64_t{1} << 62, 4}, kFloat64), doctest::Contains("overflow"), Error);
  CHECK_THROWS_WITH_AS(empty({int64_t{1} << 61}, kFloat64), doctest::Contains("overflow"), Error);
  CHECK(empty({0, big, big}).numel() == 0);
}

TEST_CASE("expand rejects negative sizes other than -1") {
  Tensor x = zeros({1, 3});
  CHECK_THROWS_WITH_AS(x.expand({-2, 3}), doctest::Contains("expand"), Error);
  CHECK(x.expand({-1, 3}).shape() == Shape{1, 3});
}

TEST_CASE("0-d tensors: size, stride, slice, select and narrow are range errors, not reads past the shape") {
  Tensor s = scalar_tensor(2.0);
  CHECK_THROWS_WITH_AS(s.size(0), doctest::Contains("size"), Error);
  CHECK_THROWS_WITH_AS(s.stride(-1), doctest::Contains("stride"), Error);
  CHECK_THROWS_WITH_AS(s.slice(0, 0, 1), doctest::Contains("slice"), Error);
  CHECK_THROWS_WITH_AS(s.select(0, 0), doctest::Contains("select"), Error);
  CHECK_THROWS_WITH_AS(s.narrow(0, 0, 1), doctest::Contains("narrow"), Error);
  CHECK(s.squeeze(0).dim() == 0);
  CHECK(s.unsqueeze(0).shape() == Shape{1});
}

TEST_CASE("transpose checks its dims even on 0-d and 1-d tensors") {
  Tensor v = arange(3, kFloat32);
  CHECK(v.transpose(0, -1).shape() == Shape{3});
  CHECK_THROWS_WITH_AS(v.transpose(0, 5), doctest::Contains("transpose"), Error);
  CHECK_THROWS_WITH_AS(scalar_tensor(1.0).transpose(1, 0), doctest::Contains("transpose"), Error);
}

namespace {
// Writes a .npy with an arbitrary header and `data_bytes` zero bytes of data.
void write_raw_npy(const std::string& path, const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write("\x93NUMPY\x01\x00", 8);
  char lb[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  out.write(lb, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::string zeros_(data_bytes, '\0');
  out.write(zeros_.data(), static_cast<std::streamsize>(zeros_.size()));
}
}  // namespace

TEST_CASE("read_npy with a hostile header is an error, never a huge allocation or a short tensor") {
  std::string p = "npy_hostile_tmp.npy";
  // Element count wraps to 0 in 64 bits: must not yield a [2^62, 4] tensor over 0 bytes.
  write_raw_npy(p, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 0);
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains(p.c_str()), Error);
  // Byte count wraps: 2^61 float64s are 2^64 bytes.
  write_raw_npy(p, "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", 0);
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains(p.c_str()), Error);
  // A huge but representable shape is rejected by the file size before anything is allocated.
  reset_peak_memory(Device::cpu());
  int64_t before = memory_stats(Device::cpu()).peak_bytes;
  write_raw_npy(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", 16);
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains("data bytes"), Error);
  CHECK(memory_stats(Device::cpu()).peak_bytes - before < (int64_t{1} << 20));
  // Dimension that does not fit in 64 bits.
  write_raw_npy(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0);
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains(p.c_str()), Error);
  // Header length past the end of the file.
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write("\x93NUMPY\x01\x00\xff\xff{'descr'", 18);
  }
  CHECK_THROWS_WITH_AS(read_npy(p), doctest::Contains("truncated"), Error);
  std::remove(p.c_str());
}
