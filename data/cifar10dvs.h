#pragma once
// CIFAR10-DVS (DATA_FORMATS.md §2; SPEC.md §7): 10 class folders of DVS128 recordings, each turned
// into T frames of per-pixel event counts [T, 2, 128, 128] the way SpikingJelly 0.0.0.0.12 does.
//
// Memory: 10,000 recordings x 16 frames as float32 would be 21 GB, so nothing is held in RAM but the
// index (path, label). A sample's frames are built on first use from its events and kept on disk,
// one compressed file per recording (data/frame_cache.h); later reads inflate that file (about
// 1 MB of uint16 counts at T = 16) into counts and convert them into the caller's float buffer,
// e.g. a slot of a [N, T, 2, 128, 128] batch. The methods are const and may run on several threads
// at once.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/aedat.h"
#include "data/class_split.h"
#include "data/event_frames.h"
#include "tensor/tensor.h"

namespace autost::data {

struct DvsRecording {
  std::string path;  // .aedat or SpikingJelly .npz events file
  int64_t label = 0;
};

struct Cifar10DvsOptions {
  int64_t frames = 16;  // T
  FrameSplit split_by = FrameSplit::Number;
  // Frame caches go to <cache_dir>/frames_number_<T>_split_by_<number|time>/<class>/<name>.frames;
  // empty means the dataset root. use_cache = false integrates the events on every read.
  std::string cache_dir;
  bool use_cache = true;
  // Require all 10 classes with recordings numbered exactly 0..999. Off lets a subset load (class
  // indices are then the sorted folder names present, as torchvision's DatasetFolder would give).
  bool strict_counts = true;
  AedatOptions aedat;
};

class Cifar10Dvs {
 public:
  // root: the folder holding the class folders, or one holding extract/ (raw .aedat) or events_np/
  // (SpikingJelly's .npz) with them, as SpikingJelly lays it out. Index order is SpikingJelly's:
  // classes sorted, then file names sorted byte-wise (cifar10_cat_0, _1, _10, _100, ...).
  // Every problem with the folder layout is an autost::Error naming the folder or file.
  explicit Cifar10Dvs(const std::string& root, Cifar10DvsOptions opts = {});

  int64_t size() const { return static_cast<int64_t>(recordings_.size()); }
  const std::vector<DvsRecording>& recordings() const { return recordings_; }
  std::vector<int64_t> labels() const;
  const std::vector<std::string>& class_names() const { return class_names_; }
  const std::string& events_dir() const { return events_dir_; }
  const Cifar10DvsOptions& options() const { return opts_; }
  Shape sample_shape() const { return {opts_.frames, 2, kDvsSide, kDvsSide}; }

  // The recording's events (decoded and validated; no cache involved).
  EventStream events(int64_t i) const;
  // Counts [T, 2, 128, 128]: from the cache when it is valid, else integrated from the events (and
  // the cache rebuilt). A missing events file is fine while a valid cache exists.
  std::vector<uint32_t> counts(int64_t i) const;
  // Float32 counts into dst (T*2*128*128 floats), or as a new tensor [T, 2, 128, 128].
  void frames_into(int64_t i, float* dst) const;
  Tensor frames(int64_t i) const;
  std::string cache_path(int64_t i) const;

  // Spikformer's split: per class, the first ceil(0.9 n_c) recordings in index order train.
  TrainTestIndices spikformer_split() const { return split_per_class(labels(), int64_t(class_names_.size()), 0.9); }

 private:
  const DvsRecording& at(int64_t i) const;
  Cifar10DvsOptions opts_;
  std::string events_dir_, cache_root_;
  std::vector<std::string> class_names_;
  std::vector<DvsRecording> recordings_;
};

// An events file by the extension of its name: .npz (SpikingJelly events), else AEDAT 2.0.
EventStream decode_events_file(std::string_view bytes, const std::string& name, const AedatOptions& opts = {});
EventStream read_events_file(const std::string& path, const AedatOptions& opts = {});

}  // namespace autost::data
