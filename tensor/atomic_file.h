#pragma once
// Whole-file writes that never leave a half-written file: the bytes go to "<path>.tmp.<pid>.<n>", are
// flushed and fsynced, then renamed over path. A failure (disk full, missing folder) is an
// autost::Error naming path, and any previous file at path is left as it was.
#include <string>
#include <string_view>

namespace autost {

void write_file_atomic(const std::string& path, std::string_view bytes);

// The whole file; an autost::Error naming path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace autost
