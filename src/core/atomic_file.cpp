#include "caapol/core/atomic_file.hpp"

#include "caapol/core/diagnostic.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caapol {

namespace {
std::string reason() {
    return std::strerror(errno);
}
} // namespace

void write_file_atomically(const std::string& path, std::string_view contents) {
    std::string directory = ".";
    if (auto slash = path.rfind('/'); slash != std::string::npos) {
        directory = slash == 0 ? "/" : path.substr(0, slash);
    }
    std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    std::string temp = directory + "/." + base + ".caapol-XXXXXX";
    int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        throw InputError{"cannot create a temporary file in " + directory + ": " + reason()};
    }
    auto fail = [&](const std::string& what) {
        std::string message = "cannot write " + path + ": " + what + ": " + reason();
        ::close(fd);
        ::unlink(temp.c_str());
        throw InputError{message};
    };
    // Keep the mode of the file being replaced; new files get the usual 0666 & ~umask.
    struct stat existing {};
    mode_t mode = 0;
    if (::stat(path.c_str(), &existing) == 0) {
        mode = existing.st_mode & 07777;
    } else {
        mode_t mask = ::umask(0);
        ::umask(mask);
        mode = 0666 & ~mask;
    }
    if (::fchmod(fd, mode) != 0) {
        fail("setting permissions");
    }
    std::size_t written = 0;
    while (written < contents.size()) {
        ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("writing");
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        fail("flushing");
    }
    if (::close(fd) != 0) {
        ::unlink(temp.c_str());
        throw InputError{"cannot write " + path + ": closing: " + reason()};
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        std::string message = "cannot replace " + path + ": " + reason();
        ::unlink(temp.c_str());
        throw InputError{message};
    }
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
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
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw InputError{"cannot read " + path + ": " +
                         (S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file")};
    }
    auto too_large = [&] {
        ::close(fd);
        return InputError{"cannot read " + path + ": it is larger than " +
                          std::to_string(max_bytes >> 20) + " MiB"};
    };
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
        throw too_large();
    }
    std::string contents;
    contents.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            std::string message = "cannot read " + path + ": " + reason();
            ::close(fd);
            throw InputError{message};
        }
        if (n == 0) {
            break;
        }
        contents.append(buffer, static_cast<std::size_t>(n));
        if (contents.size() > max_bytes) {
            throw too_large(); // the file grew while being read
        }
    }
    ::close(fd);
    return contents;
}

} // namespace caapol
