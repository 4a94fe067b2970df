#include "data/cifar10dvs.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "data/cifar.h"
#include "data/events_npz.h"
#include "data/frame_cache.h"
#include "tensor/atomic_file.h"

namespace autost::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxFrames = 4096;
constexpr int64_t kRecordingsPerClass = 1000;

// "cifar10_<class>_<int>.<ext>" -> the integer; any other name, or a class part that disagrees
// with the folder, is an error naming the file.
int64_t recording_number(const std::string& name, const std::string& folder, const fs::path& path,
                         std::string* ext) {
  const std::string pattern = "cifar10_" + folder + "_<int>.aedat (or .npz)";
  *ext = name.ends_with(".aedat") ? ".aedat" : name.ends_with(".npz") ? ".npz" : "";
  const std::string prefix = "cifar10_";
  AUTOST_CHECK(!ext->empty() && name.compare(0, prefix.size(), prefix) == 0, "cifar10-dvs: ", path.string(),
               ": file name does not match ", pattern);
  const std::string stem = name.substr(prefix.size(), name.size() - prefix.size() - ext->size());
  const size_t us = stem.rfind('_');
  AUTOST_CHECK(us != std::string::npos, "cifar10-dvs: ", path.string(), ": file name does not match ", pattern);
  const std::string cls = stem.substr(0, us), digits = stem.substr(us + 1);
  AUTOST_CHECK(cls == folder, "cifar10-dvs: ", path.string(), ": class part '", cls, "' disagrees with its folder '",
               folder, "'");
  AUTOST_CHECK(!digits.empty() && digits.size() <= 9 &&
                   std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }),
               "cifar10-dvs: ", path.string(), ": file name does not match ", pattern);
  return std::stoll(digits);
}

}  // namespace

EventStream decode_events_file(std::string_view bytes, const std::string& name, const AedatOptions& opts) {
  if (name.ends_with(".npz")) return decode_events_npz(bytes, name, opts.allow_empty);
  return decode_aedat(bytes, name, opts);
}

EventStream read_events_file(const std::string& path, const AedatOptions& opts) {
  return decode_events_file(read_file(path), path, opts);
}

Cifar10Dvs::Cifar10Dvs(const std::string& root, Cifar10DvsOptions opts) : opts_(std::move(opts)) {
  AUTOST_CHECK(opts_.frames >= 1 && opts_.frames <= kMaxFrames, "cifar10-dvs: T = ", opts_.frames,
               " frames is not in 1..", kMaxFrames);
  std::error_code ec;
  const fs::path r(root);
  AUTOST_CHECK(fs::is_directory(r, ec), "cifar10-dvs: ", root,
               ": missing folder (extract the ten class zips from figshare article 4724671 into it)");
  fs::path dir = r;
  if (fs::is_directory(r / "extract", ec)) dir = r / "extract";
  else if (fs::is_directory(r / "events_np", ec)) dir = r / "events_np";
  events_dir_ = dir.string();
  cache_root_ = ((opts_.cache_dir.empty() ? r : fs::path(opts_.cache_dir)) /
                 ("frames_number_" + std::to_string(opts_.frames) + "_split_by_" + frame_split_name(opts_.split_by)))
                    .string();

  const std::vector<std::string>& known = cifar10_class_names();
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_directory(ec)) continue;  // stray files do not change the label set; folders would
    const std::string name = e.path().filename().string();
    // Frame folders (ours, or SpikingJelly's) beside the class folders when both share the root.
    if (name.rfind("frames_number_", 0) == 0 || name.rfind("duration_", 0) == 0) continue;
    AUTOST_CHECK(std::find(known.begin(), known.end(), name) != known.end(), "cifar10-dvs: ", e.path().string(),
                 ": unexpected folder (class folders are the CIFAR-10 names airplane ... truck)");
    class_names_.push_back(name);
  }
  AUTOST_CHECK(!ec, "cifar10-dvs: ", events_dir_, ": cannot list the folder (", ec.message(), ")");
  std::sort(class_names_.begin(), class_names_.end());
  AUTOST_CHECK(!class_names_.empty(), "cifar10-dvs: ", events_dir_,
               ": no class folders (expected airplane ... truck, each holding cifar10_<class>_<i>.aedat)");
  if (opts_.strict_counts && class_names_.size() != known.size()) {
    std::string missing;
    for (const std::string& k : known)
      if (!std::binary_search(class_names_.begin(), class_names_.end(), k)) missing += (missing.empty() ? "" : ", ") + k;
    AUTOST_FAIL("cifar10-dvs: ", events_dir_, ": ", class_names_.size(), " class folders, expected 10 (missing: ",
                missing, ")");
  }

  std::string format;  // the one extension every file must share
  for (size_t c = 0; c < class_names_.size(); ++c) {
    const fs::path folder = dir / class_names_[c];
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(folder, ec)) {
      AUTOST_CHECK(e.is_regular_file(ec), "cifar10-dvs: ", e.path().string(), ": unexpected entry in a class folder");
      names.push_back(e.path().filename().string());
    }
    AUTOST_CHECK(!ec, "cifar10-dvs: ", folder.string(), ": cannot list the folder (", ec.message(), ")");
    // Byte-wise order, as Python's sorted(): it decides which recordings the Spikformer split tests.
    std::sort(names.begin(), names.end());
    std::set<int64_t> numbers;
    for (const std::string& name : names) {
      const fs::path path = folder / name;
      std::string ext;
      const int64_t number = recording_number(name, class_names_[c], path, &ext);
      if (format.empty()) format = ext;
      AUTOST_CHECK(ext == format, "cifar10-dvs: ", path.string(), ": the dataset mixes ", format, " and ", ext, " files");
      AUTOST_CHECK(!opts_.strict_counts || number < kRecordingsPerClass, "cifar10-dvs: ", path.string(),
                   ": recording number ", number, " is not in 0..999");
      numbers.insert(number);
    }
    AUTOST_CHECK(!names.empty(), "cifar10-dvs: ", folder.string(), ": class folder holds no recordings");
    AUTOST_CHECK(!opts_.strict_counts || (names.size() == size_t(kRecordingsPerClass) &&
                                          numbers.size() == size_t(kRecordingsPerClass)),
                 "cifar10-dvs: ", folder.string(), ": ", names.size(), " recordings, expected 1000 numbered 0..999");
    for (const std::string& n : names) recordings_.push_back({(folder / n).string(), int64_t(c)});
  }
}

std::vector<int64_t> Cifar10Dvs::labels() const {
  std::vector<int64_t> out;
  out.reserve(recordings_.size());
  for (const DvsRecording& r : recordings_) out.push_back(r.label);
  return out;
}

const DvsRecording& Cifar10Dvs::at(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "cifar10-dvs: sample index ", i, " is not in [0, ", size(), ")");
  return recordings_[size_t(i)];
}

EventStream Cifar10Dvs::events(int64_t i) const { return read_events_file(at(i).path, opts_.aedat); }

std::string Cifar10Dvs::cache_path(int64_t i) const {
  const DvsRecording& r = at(i);
  const fs::path src(r.path);
  return (fs::path(cache_root_) / class_names_[size_t(r.label)] / (src.stem().string() + ".frames")).string();
}

std::vector<uint32_t> Cifar10Dvs::counts(int64_t i) const {
  const DvsRecording& r = at(i);
  if (!opts_.use_cache) return integrate_events(events(i), opts_.frames, opts_.split_by, r.path);
  const std::string cache = cache_path(i);
  std::error_code ec;
  const bool have_source = fs::is_regular_file(r.path, ec);
  FrameCacheKey key{opts_.frames, opts_.split_by, have_source ? uint64_t(fs::file_size(r.path, ec)) : 0};
  if (fs::is_regular_file(cache, ec)) {
    std::string why;
    if (auto counts = decode_frame_cache(read_file(cache), key, have_source, &why)) return std::move(*counts);
    AUTOST_CHECK(have_source, "cifar10-dvs: ", cache, ": unusable frame cache (", why, ") and the events file ",
                 r.path, " is missing");
  } else {
    AUTOST_CHECK(have_source, "cifar10-dvs: ", r.path, ": missing events file (and no frame cache at ", cache, ")");
  }
  std::vector<uint32_t> counts = integrate_events(events(i), opts_.frames, opts_.split_by, r.path);
  fs::create_directories(fs::path(cache).parent_path(), ec);
  AUTOST_CHECK(!ec, "cifar10-dvs: ", fs::path(cache).parent_path().string(), ": cannot create the frame cache folder (",
               ec.message(), "); pass another cache folder");
  write_file_atomic(cache, encode_frame_cache(key, counts));
  return counts;
}

void Cifar10Dvs::frames_into(int64_t i, float* dst) const {
  const std::vector<uint32_t> c = counts(i);
  for (size_t k = 0; k < c.size(); ++k) dst[k] = static_cast<float>(c[k]);
}

Tensor Cifar10Dvs::frames(int64_t i) const {
  Tensor t = empty(sample_shape(), TensorOptions(kFloat32));
  frames_into(i, t.data<float>());
  return t;
}

}  // namespace autost::data
