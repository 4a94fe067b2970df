#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "data/image_decode.h"

namespace autost::data {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> subfolders(const fs::path& dir, std::vector<std::string>* image_files) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory(ec)) out.push_back(name);
    else if (image_files && is_image_file_name(name)) image_files->push_back(name);
  }
  AUTOST_CHECK(!ec, "image folder ", dir.string(), ": cannot list the folder (", ec.message(), ")");
  std::sort(out.begin(), out.end());
  return out;
}

std::string first_few(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < 3; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > 3) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

}  // namespace

bool is_image_file_name(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == "jpeg" || ext == "jpg" || ext == "png";
}

ImageFolder::ImageFolder(const std::string& root, Split split, ImageFolderOptions opts) : opts_(opts) {
  std::error_code ec;
  const fs::path train = fs::path(root) / "train";
  const fs::path dir = fs::path(root) / (split == Split::Train ? "train" : "val");
  AUTOST_CHECK(fs::is_directory(dir, ec), "image folder ", dir.string(), ": missing folder (expected ", root,
               "/train/<class>/*.JPEG and ", root, "/val/<class>/*.JPEG)");
  std::vector<std::string> loose;
  const std::vector<std::string> here = subfolders(dir, &loose);
  AUTOST_CHECK(loose.empty(), "image folder ", dir.string(), ": ", loose.size(),
               " image files lie directly in the folder (", first_few(loose),
               "): this is the flat ILSVRC2012 val layout; move each into val/<wnid>/ (valprep.sh)");
  // Class indices come from train's folders, so val is labelled the same way even when read alone.
  class_names_ = split == Split::Train || !fs::is_directory(train, ec) ? here : subfolders(train, nullptr);
  AUTOST_CHECK(!class_names_.empty(), "image folder ", dir.string(), ": no class folders");
  if (here != class_names_) {
    std::vector<std::string> missing, extra;
    std::set_difference(class_names_.begin(), class_names_.end(), here.begin(), here.end(), std::back_inserter(missing));
    std::set_difference(here.begin(), here.end(), class_names_.begin(), class_names_.end(), std::back_inserter(extra));
    AUTOST_CHECK(missing.empty(), "image folder ", dir.string(), ": missing class folders ", first_few(missing),
                 " that ", train.string(), " has");
    AUTOST_FAIL("image folder ", dir.string(), ": class folders ", first_few(extra), " are not in ", train.string());
  }
  AUTOST_CHECK(opts_.expected_classes <= 0 || num_classes() == opts_.expected_classes, "image folder ", dir.string(),
               ": ", num_classes(), " class folders, expected ", opts_.expected_classes);

  for (size_t c = 0; c < class_names_.size(); ++c) {
    const fs::path folder = dir / class_names_[c];
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(folder, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file(ec) && is_image_file_name(name)) names.push_back(name);
      else ++ignored_;
    }
    AUTOST_CHECK(!ec, "image folder ", folder.string(), ": cannot list the folder (", ec.message(), ")");
    AUTOST_CHECK(!names.empty(), "image folder ", folder.string(), ": class folder holds no .JPEG/.jpg/.png files");
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) samples_.push_back({(folder / n).string(), int64_t(c)});
  }
}

Tensor ImageFolder::decode(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "image folder: sample index ", i, " is not in [0, ", size(), ")");
  return read_image(samples_[size_t(i)].path);
}

std::optional<Tensor> ImageFolder::try_decode(int64_t i) const {
  if (!opts_.skip_undecodable) return decode(i);
  AUTOST_CHECK(i >= 0 && i < size(), "image folder: sample index ", i, " is not in [0, ", size(), ")");
  try {
    return decode(i);
  } catch (const Error&) {
    ++skipped_->count;
    std::lock_guard<std::mutex> lock(skipped_->mu);
    skipped_->files.push_back(samples_[size_t(i)].path);
    return std::nullopt;
  }
}

std::vector<std::string> ImageFolder::skipped_files() const {
  std::lock_guard<std::mutex> lock(skipped_->mu);
  return skipped_->files;
}

}  // namespace autost::data
