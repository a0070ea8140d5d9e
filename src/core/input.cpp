#include "caapol/core/input.hpp"

#include "caapol/core/diagnostic.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace caapol {

namespace {

bool stdin_taken = false; // standard input was read already in this run

// How long a pipe named on the command line may stay silent before its first byte or end.
constexpr int pipe_wait_ms = 10000;

std::string reason() {
    return std::strerror(errno);
}

InputFd take_stdin(const std::string& shown) {
    if (stdin_taken) {
        throw InputError{"cannot read " + shown +
                         ": standard input was read already (give it only once)"};
    }
    stdin_taken = true;
    return InputFd{STDIN_FILENO, false};
}

// Whether `st` is the pipe or device standard input is connected to.
bool same_as_stdin(const struct stat& st) {
    struct stat in {};
    return ::fstat(STDIN_FILENO, &in) == 0 && !S_ISREG(in.st_mode) && in.st_dev == st.st_dev &&
           in.st_ino == st.st_ino;
}

// Closes a descriptor we opened when the reader leaves, thrown out or not.
struct FdCloser {
    int fd;
    bool owned = true;
    ~FdCloser() {
        if (owned && fd >= 0) {
            ::close(fd);
        }
    }
};

// Opens `path` for reading without blocking (the open of a FIFO without a writer must not
// wait before we know what the file is) and reads its status; directories are refused.
int open_for_reading(const std::string& path, struct stat& st) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw InputError{"cannot read " + path + ": " + reason()};
    }
    if (::fstat(fd, &st) != 0) {
        std::string message = "cannot read " + path + ": " + reason();
        ::close(fd);
        throw InputError{message};
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw InputError{"cannot read " + path + ": it is a directory"};
    }
    return fd;
}

InputError too_large(const std::string& shown, std::size_t max_bytes) {
    return InputError{"cannot read " + shown + ": it is larger than " +
                      std::to_string(max_bytes >> 20) + " MiB"};
}

// Everything up to the end of `fd`, at most `max_bytes` (a file may grow while being read).
std::string read_to_end(int fd, const std::string& shown, std::size_t max_bytes,
                        std::size_t expected_size) {
    std::string contents;
    contents.reserve(expected_size);
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw InputError{"cannot read " + shown + ": " + reason()};
        }
        if (n == 0) {
            break;
        }
        contents.append(buffer, static_cast<std::size_t>(n));
        if (contents.size() > max_bytes) {
            throw too_large(shown, max_bytes);
        }
    }
    return contents;
}

// A regular file, open as `fd` with status `st`: its size checked before it is read.
std::string read_regular(int fd, const struct stat& st, const std::string& path,
                         std::size_t max_bytes) {
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        throw too_large(path, max_bytes);
    }
    return read_to_end(fd, path, max_bytes, static_cast<std::size_t>(st.st_size));
}

} // namespace

bool is_stdin_path(const std::string& path) {
    return path == "-";
}

std::string input_display_name(const std::string& path) {
    return is_stdin_path(path) ? "<stdin>" : path;
}

InputFd open_input(const std::string& path) {
    if (is_stdin_path(path)) {
        return take_stdin("standard input");
    }
    struct stat st {};
    int fd = open_for_reading(path, st);
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
        ::close(fd);
        throw InputError{"cannot read " + path + ": it is not a regular file, pipe or device"};
    }
    if (!S_ISREG(st.st_mode) && same_as_stdin(st)) {
        ::close(fd);
        return take_stdin(path);
    }
    if (S_ISFIFO(st.st_mode)) {
        // A pipe (<(...), a named FIFO): wait for its first data or its end, but not for
        // ever: a FIFO nobody writes to is an error, never a hang. Then read it blocking.
        pollfd ready{fd, POLLIN, 0};
        int n = 0;
        do {
            n = ::poll(&ready, 1, pipe_wait_ms);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            std::string message = n < 0
                                      ? reason()
                                      : "a pipe that gave nothing within " +
                                            std::to_string(pipe_wait_ms / 1000) + " s (no writer?)";
            ::close(fd);
            throw InputError{"cannot read " + path + ": " + message};
        }
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return InputFd{fd, true};
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
    struct stat st {};
    FdCloser file{open_for_reading(path, st)};
    if (!S_ISREG(st.st_mode)) {
        throw InputError{"cannot read " + path + ": it is not a regular file"};
    }
    return read_regular(file.fd, st, path, max_bytes);
}

std::string read_input(const std::string& path, std::size_t max_bytes) {
    if (!is_stdin_path(path)) {
        // A regular file is read with its size known before reading; anything else goes
        // through open_input's checks (pipes, devices, standard input once).
        struct stat st {};
        FdCloser file{open_for_reading(path, st)};
        if (S_ISREG(st.st_mode)) {
            return read_regular(file.fd, st, path, max_bytes);
        }
    }
    InputFd in = open_input(path);
    FdCloser closer{in.fd, in.owned};
    return read_to_end(in.fd, input_display_name(path), max_bytes, 0);
}

} // namespace caapol
