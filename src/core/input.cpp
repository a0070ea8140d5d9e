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
    // O_NONBLOCK: the open of a FIFO without a writer must not wait before we know what the
    // file is.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw InputError{"cannot read " + path + ": " + reason()};
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        std::string message = "cannot read " + path + ": " + reason();
        ::close(fd);
        throw InputError{message};
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw InputError{"cannot read " + path + ": it is a directory"};
    }
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

std::string read_input(const std::string& path, std::size_t max_bytes) {
    if (!is_stdin_path(path)) {
        // Regular files keep read_file's checks (size known before reading).
        int probe = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (probe >= 0) {
            struct stat st {};
            bool regular = ::fstat(probe, &st) == 0 && S_ISREG(st.st_mode);
            ::close(probe);
            if (regular) {
                return read_file(path, max_bytes);
            }
        }
    }
    const std::string shown = input_display_name(path);
    InputFd in = open_input(path);
    struct Closer {
        const InputFd& in;
        ~Closer() {
            if (in.owned) {
                ::close(in.fd);
            }
        }
    } closer{in};
    std::string contents;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(in.fd, buffer, sizeof buffer);
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
            throw InputError{"cannot read " + shown + ": it is larger than " +
                             std::to_string(max_bytes >> 20) + " MiB"};
        }
    }
    return contents;
}

} // namespace caapol
