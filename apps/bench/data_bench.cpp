#include "apps/bench/data_bench.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/bench/table.h"
#include "apps/train/datasets.h"
#include "data/aedat.h"
#include "data/cifar.h"
#include "data/cifar10dvs.h"
#include "data/event_frames.h"
#include "data/events_npz.h"
#include "data/frame_cache.h"
#include "data/idx.h"
#include "data/image_decode.h"
#include "data/image_folder.h"
#include "data/mnist.h"
#include "tensor/atomic_file.h"

// The synthetic JPEG's encoder: stb's writer, whose implementation apps/train/plot.cpp compiles into this library
// (without the stdio writers, so they are not declared here either).
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace autost::apps::bench {
namespace {

namespace fs = std::filesystem;
using namespace autost::data;

constexpr int64_t kEvents = 500000;  // a busy CIFAR10-DVS recording; real ones have ~10^5-10^6
constexpr int64_t kFrames = 16;      // Spikformer's T
constexpr int64_t kCifarRecords = 10000;
constexpr int64_t kIdxImages = 10000;
constexpr int kJpegW = 500, kJpegH = 375;  // a typical ImageNet photo

// splitmix64: a fixed, fast stream for synthetic data (not a training random source).
struct Mix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

struct TempFolder {
  fs::path path = fs::temp_directory_path() / ("autost_bench_data_" + std::to_string(::getpid()));
  TempFolder() { fs::create_directories(path); }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Results are folded into this, so the compiler cannot drop work whose result is unused.
volatile uint64_t g_sink = 0;

template <class F>
double time_ms(const TimingConfig& cfg, F&& f) {
  return median_ms(cfg, [] {}, f);
}

void row(const std::string& op, const std::string& shape, double ms, double per_call, const char* unit,
         const std::string& note) {
  print_row(stdout, {op, shape, ms, per_call / (ms / 1e3), unit, -1, note});
}

EventStream synthetic_recording(int64_t n) {
  Mix mix{2024};
  EventStream ev;
  ev.reserve(size_t(n));
  uint32_t t = 1000;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t r = mix.next();
    t += uint32_t(r & 7);  // bursts of events a few microseconds apart
    ev.push_raw(t, uint8_t((r >> 8) & 127), uint8_t((r >> 16) & 127), uint8_t((r >> 24) & 1));
  }
  return ev;
}

void bench_events(const TimingConfig& cfg, const std::string& what, const std::vector<std::string>& files) {
  // Decoding, framing and the frame cache, per recording as a training epoch meets them.
  std::vector<std::string> bytes;
  for (const std::string& f : files) bytes.push_back(read_file(f));
  std::vector<EventStream> streams;
  int64_t events = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    streams.push_back(decode_events_file(bytes[i], files[i]));
    events += streams.back().size();
  }
  const std::string shape = std::to_string(files.size()) + "rec:" + std::to_string(events) + "ev";
  double ms = time_ms(cfg, [&] {
    for (size_t i = 0; i < files.size(); ++i) g_sink = g_sink + uint64_t(decode_events_file(bytes[i], files[i]).t.back());
  });
  row("events_decode", shape, ms, double(events) / 1e6, "Mevents/s", what + " bytes in memory -> events");
  for (FrameSplit split : {FrameSplit::Number, FrameSplit::Time}) {
    ms = time_ms(cfg, [&] {
      for (const EventStream& ev : streams) g_sink = g_sink + integrate_events(ev, kFrames, split, "bench")[1000];
    });
    row(std::string("frames_") + frame_split_name(split), "T16:" + shape, ms, double(events) / 1e6, "Mevents/s",
        "events -> [16,2,128,128] counts");
  }
  std::vector<std::vector<uint32_t>> counts;
  for (const EventStream& ev : streams) counts.push_back(integrate_events(ev, kFrames, FrameSplit::Number, "bench"));
  std::vector<std::string> caches;
  size_t cache_bytes = 0;
  ms = time_ms(cfg, [&] {
    caches.clear();
    cache_bytes = 0;
    for (const std::vector<uint32_t>& c : counts) {
      caches.push_back(encode_frame_cache({kFrames, FrameSplit::Number, 0}, c));
      cache_bytes += caches.back().size();
    }
  });
  char note[160];
  std::snprintf(note, sizeof note, "compress counts; %.0f KB per recording on disk",
                double(cache_bytes) / double(caches.size()) / 1024.0);
  row("frame_cache_write", "T16:" + std::to_string(files.size()) + "rec", ms, double(files.size()), "samples/s", note);
  std::vector<float> out(size_t(frame_numel(kFrames)));
  ms = time_ms(cfg, [&] {
    for (const std::string& c : caches) {
      const auto v = decode_frame_cache(c, {kFrames, FrameSplit::Number, 0}, false, nullptr);
      std::copy(v->begin(), v->end(), out.begin());
      g_sink = g_sink + uint64_t(out[1000]);
    }
  });
  row("frame_cache_read", "T16:" + std::to_string(files.size()) + "rec", ms, double(files.size()), "samples/s",
      "inflate + CRC + float32 (what a training read costs)");
}

void bench_synthetic(const TimingConfig& cfg) {
  TempFolder tmp;
  const EventStream ev = synthetic_recording(kEvents);
  write_file_atomic(tmp / "cifar10_cat_0.aedat", encode_aedat(ev));
  write_file_atomic(tmp / "cifar10_cat_0.npz", encode_events_npz(ev));
  std::printf("# synthetic recording: %lld events at random pixels\n", static_cast<long long>(kEvents));
  bench_events(cfg, "AEDAT 2.0", {tmp / "cifar10_cat_0.aedat"});
  bench_events(cfg, "SpikingJelly .npz (stored)", {tmp / "cifar10_cat_0.npz"});

  Mix mix{7};
  std::string cifar(size_t(kCifarRecords) * 3073, '\0');
  for (size_t i = 0; i < cifar.size(); ++i) cifar[i] = char(i % 3073 == 0 ? mix.next() % 10 : mix.next() & 0xFF);
  write_file_atomic(tmp / "test_batch.bin", cifar);
  double ms = time_ms(cfg, [&] { g_sink = g_sink + uint64_t(load_cifar10(tmp.path.string(), Split::Test).size()); });
  row("cifar10_batch", std::to_string(kCifarRecords) + "x3x32x32", ms, double(kCifarRecords), "samples/s",
      "test_batch.bin: read + check labels");

  std::string idx = {0, 0, 8, 3, char(kIdxImages >> 24), char((kIdxImages >> 16) & 0xFF), char((kIdxImages >> 8) & 0xFF),
                     char(kIdxImages & 0xFF), 0, 0, 0, 28, 0, 0, 0, 28};
  for (int64_t i = 0; i < kIdxImages * 784; ++i) idx.push_back(char(i % 784 < 200 ? 0 : mix.next() & 0xFF));
  gzFile gz = gzopen((tmp / "images-idx3-ubyte.gz").c_str(), "wb");
  AUTOST_CHECK(gz && gzwrite(gz, idx.data(), unsigned(idx.size())) == int(idx.size()) && gzclose(gz) == Z_OK,
               "bench data: cannot write the synthetic IDX file");
  ms = time_ms(cfg, [&] { g_sink = g_sink + uint64_t(read_idx_images(tmp / "images-idx3-ubyte.gz").numel()); });
  row("idx_gz", std::to_string(kIdxImages) + "x28x28", ms, double(kIdxImages), "samples/s", "gzipped IDX images");

  std::vector<unsigned char> px(size_t(kJpegW) * kJpegH * 3);
  for (int y = 0; y < kJpegH; ++y)
    for (int x = 0; x < kJpegW; ++x)
      for (int c = 0; c < 3; ++c)
        px[(size_t(y) * kJpegW + x) * 3 + c] = (unsigned char)(128 + 100 * std::sin(0.02 * x * (c + 1) + 0.03 * y) +
                                                               double(mix.next() % 16));
  std::string jpeg;
  stbi_write_jpg_to_func([](void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append((char*)data, size_t(n)); },
                         &jpeg, kJpegW, kJpegH, 3, px.data(), 90);
  ms = time_ms(cfg, [&] { g_sink = g_sink + uint64_t(decode_image(jpeg, "synthetic.jpg").numel()); });
  row("jpeg_decode", std::to_string(kJpegW) + "x" + std::to_string(kJpegH), ms, 1.0, "samples/s",
      "stb_image, one thread, " + std::to_string(jpeg.size() / 1024) + " KB quality 90");
}

void bench_real(const DataBenchOptions& o) {
  const TimingConfig& cfg = o.timing;
  const std::string& d = o.dataset;
  if (train::loads_in_memory(d)) {
    Dataset ds;
    const double ms = time_ms(cfg, [&] { ds = train::load_in_memory(d, o.root, Split::Train, true); });
    row(d + "_train", std::to_string(ds.size()) + "samples", ms, double(ds.size()), "samples/s", "whole train split");
  } else if (d == "cifar10-dvs") {
    Cifar10DvsOptions opts;
    opts.strict_counts = false;
    const Cifar10Dvs ds(o.root, opts);
    std::vector<std::string> files;
    for (int64_t i = 0; i < std::min(o.samples, ds.size()); ++i) files.push_back(ds.recordings()[size_t(i)].path);
    bench_events(cfg, "first " + std::to_string(files.size()) + " recordings", files);
  } else if (d == "imagenet") {
    const ImageFolder ds(o.root, Split::Train);
    const int64_t n = std::min(o.samples, ds.size());
    std::vector<std::string> bytes;
    size_t total = 0;
    for (int64_t i = 0; i < n; ++i) total += bytes.emplace_back(read_file(ds.samples()[size_t(i)].path)).size();
    const double ms = time_ms(cfg, [&] {
      for (int64_t i = 0; i < n; ++i) g_sink = g_sink + uint64_t(decode_image(bytes[size_t(i)], ds.samples()[size_t(i)].path).numel());
    });
    row("jpeg_decode", std::to_string(n) + "train", ms, double(n), "samples/s",
        "stb_image, one thread, mean " + std::to_string(total / size_t(std::max<int64_t>(n, 1)) / 1024) + " KB");
  } else {
    train::known_dataset("bench data", d);  // an unknown name fails listing the known ones
    AUTOST_FAIL("bench data: dataset ", d, " has no benchmark");
  }
}

}  // namespace

int run_data_bench(const DataBenchOptions& o) {
  std::printf("# autost bench data: %s, warm-up %d, median of %d runs, one thread\n",
              o.dataset.empty() ? "synthetic inputs" : (o.dataset + " at " + o.root).c_str(), o.timing.warmup,
              o.timing.reps);
  print_header(stdout);
  if (o.dataset.empty()) bench_synthetic(o.timing);
  else bench_real(o);
  return 0;
}

}  // namespace autost::apps::bench
