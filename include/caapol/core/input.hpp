// Opening the input files named on the command line (policies, zone files): a path, or "-"
// for standard input. Pipes and character devices (/dev/stdin, <(...)) are read like files,
// since the user named them (a pipe that stays silent for 10 s, such as a FIFO nobody writes
// to, is an error); only directories and other special files are refused. Walks of
// directories and $INCLUDE keep refusing everything but regular files (they must never wait
// on a FIFO somebody left in a tree).
#pragma once

#include "caapol/core/diagnostic.hpp"

#include <cstddef>
#include <string>

namespace caapol {

inline constexpr std::size_t default_max_file_bytes = std::size_t{256} << 20;

// Reads a whole regular file of at most `max_bytes`. Throws InputError naming the path and
// the reason (unreadable, not a regular file, too large).
std::string read_file(const std::string& path, std::size_t max_bytes = default_max_file_bytes);

// "-" stands for standard input.
bool is_stdin_path(const std::string& path);

// How a path is shown in diagnostics: "<stdin>" for "-", else the path itself.
std::string input_display_name(const std::string& path);

// An open, blocking file descriptor for reading `path`. `owned` is false for standard input
// (do not close it). Standard input, given as "-" or as a path to the same pipe or device,
// can be read once per run: a second time throws, since the first read consumed it. Throws
// InputError naming the path and the reason.
struct InputFd {
    int fd = -1;
    bool owned = false;
};
InputFd open_input(const std::string& path);

// The whole contents of `path` ("-": standard input), at most `max_bytes`. Throws InputError
// (unreadable, a directory, too large).
std::string read_input(const std::string& path, std::size_t max_bytes = default_max_file_bytes);

} // namespace caapol
