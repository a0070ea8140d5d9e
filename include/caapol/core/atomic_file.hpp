// Writing output files so that readers never see a partial file: write a temporary file in the
// same directory, flush it to disk, then rename it over the target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace caapol {

// Replaces `path` with `contents` atomically. Throws InputError (naming the path and the
// system's reason) on failure; the old file, if any, is then untouched and no temporary
// file is left behind.
void write_file_atomically(const std::string& path, std::string_view contents);

// Reads a whole regular file of at most `max_bytes`. Throws InputError naming the path and
// the reason (unreadable, not a regular file, too large).
inline constexpr std::size_t default_max_file_bytes = std::size_t{256} << 20;
std::string read_file(const std::string& path, std::size_t max_bytes = default_max_file_bytes);

} // namespace caapol
