#pragma once
// ImageNet-style folders (DATA_FORMATS.md §3.2-3.3): root/train/<wnid>/*.JPEG and
// root/val/<wnid>/*.JPEG; class index = position of the wnid in the byte-wise sorted train folder
// names. ImageNet does not fit in RAM, so this holds only the index of (path, label) and decodes a
// sample when asked (data/image_decode.h); the methods are const and thread-safe.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace autost::data {

struct ImageSample {
  std::string path;
  int64_t label = 0;
};

struct ImageFolderOptions {
  // 0 accepts any number of classes; ImageNet-1k is 1000.
  int64_t expected_classes = 0;
  // An undecodable file normally fails the read naming it; with this, try_decode skips it (returns
  // nullopt) and counts it.
  bool skip_undecodable = false;
};

class ImageFolder {
 public:
  // Split::Train reads root/train, Split::Test reads root/val. Errors: a missing split or class
  // folder, val's class folders differing from train's, image files lying directly in val/ (the
  // flat ILSVRC2012 layout, not reorganised), an empty class folder.
  ImageFolder(const std::string& root, Split split, ImageFolderOptions opts = {});

  int64_t size() const { return static_cast<int64_t>(samples_.size()); }
  const std::vector<ImageSample>& samples() const { return samples_; }
  const std::vector<std::string>& class_names() const { return class_names_; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names_.size()); }
  // Files in class folders that are not images by extension (.jpeg/.jpg/.png, any case): not indexed.
  int64_t ignored_files() const { return ignored_; }

  // uint8 [3, H, W]; an autost::Error naming the file when it cannot be decoded.
  Tensor decode(int64_t i) const;
  // As decode, but with skip_undecodable a failure returns nullopt and is counted (and remembered).
  std::optional<Tensor> try_decode(int64_t i) const;
  int64_t skipped() const { return skipped_->count.load(); }
  std::vector<std::string> skipped_files() const;

 private:
  struct Skipped {
    std::atomic<int64_t> count{0};
    std::mutex mu;
    std::vector<std::string> files;
  };
  ImageFolderOptions opts_;
  std::vector<std::string> class_names_;
  std::vector<ImageSample> samples_;
  int64_t ignored_ = 0;
  std::shared_ptr<Skipped> skipped_ = std::make_shared<Skipped>();
};

// True for the extensions indexed as images (.jpeg, .jpg, .png; case-insensitive).
bool is_image_file_name(const std::string& name);

}  // namespace autost::data
