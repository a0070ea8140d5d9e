// caapol: keeps a domain's DNS CAA records true to a written policy.
#include "caapol/cli/cli.hpp"
#include "caapol/core/text.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <iostream>
#include <streambuf>
#include <unistd.h>

namespace {

void print_usage(std::ostream& out) {
    out << "usage: caapol COMMAND [OPTIONS] [ARGS...]\n"
           "       caapol --help | --version\n\n"
           "Keeps DNS CAA records (RFC 8659) true to a written policy.\n\n"
           "Commands:\n";
    for (const auto& command : caapol::cli::commands()) {
        std::string name = command.name;
        name.resize(10, ' ');
        out << "  " << name << command.summary << "\n";
    }
    out << "\nRun 'caapol COMMAND --help' for a command's options; 'man caapol' for the policy\n"
           "format, every lint rule and the exit statuses.\n"
           "Exit status: 0 clean, 1 findings, 2 usage or input error, 3 lookup failure.\n";
}

// Standard output written straight to descriptor 1 through a buffer, the first failure's
// reason kept: output that could not be written (a full disk, /dev/full, a closed descriptor)
// must not pass as success, and an iostream's badbit does not say why.
class StdoutBuffer : public std::streambuf {
public:
    StdoutBuffer() { setp(buffer_, buffer_ + sizeof buffer_); }
    int error() const { return error_; }

protected:
    int_type overflow(int_type c) override {
        if (!drain()) {
            return traits_type::eof();
        }
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return drain() ? 0 : -1; }

private:
    bool drain() {
        const char* at = pbase();
        while (error_ == 0 && at < pptr()) {
            ssize_t n = ::write(1, at, static_cast<std::size_t>(pptr() - at));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                error_ = n < 0 ? errno : EIO;
                break;
            }
            at += n;
        }
        setp(buffer_, buffer_ + sizeof buffer_);
        return error_ == 0;
    }

    char buffer_[1 << 16];
    int error_ = 0;
};

StdoutBuffer stdout_buffer;
std::streambuf* original_stdout_buffer = nullptr;

// A closed standard descriptor is taken by /dev/null so that no file the program opens lands
// on it; a closed standard output is opened read-only, so that every write to it still fails
// (EBADF) and is reported.
void occupy_closed_descriptors() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            continue;
        }
        int opened = ::open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY);
        if (opened >= 0 && opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
}

// Standard output flushed and closed, a failure reported. Returns the exit status to use.
int finish_output(const char* command, int status) {
    std::cout.flush();
    int error = stdout_buffer.error();
    std::cout.rdbuf(original_stdout_buffer); // the static buffer is gone before iostreams
    if (error == 0 && !std::cout) {
        error = EIO;
    }
    if (error == 0 && ::close(1) != 0 && errno != EBADF) {
        error = errno;
    }
    if (error == 0) {
        return status;
    }
    std::cerr << "caapol" << (command != nullptr ? " " : "") << (command != nullptr ? command : "")
              << ": error: cannot write to standard output: " << std::strerror(error) << "\n";
    return caapol::cli::exit_input;
}

int run(int argc, char** argv);

} // namespace

int main(int argc, char** argv) {
    occupy_closed_descriptors();
    original_stdout_buffer = std::cout.rdbuf(&stdout_buffer);
    int status = run(argc, argv);
    const char* command = nullptr;
    if (argc >= 2) {
        for (const auto& c : caapol::cli::commands()) {
            if (std::strcmp(argv[1], c.name) == 0) {
                command = c.name;
            }
        }
    }
    return finish_output(command, status);
}

namespace {

int run(int argc, char** argv) {
    using namespace caapol::cli;
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_input;
    }
    std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        print_usage(std::cout);
        return exit_ok;
    }
    if (first == "--version" || first == "-V") {
        std::cout << "caapol " << CAAPOL_VERSION << "\n";
        return exit_ok;
    }
    Arguments args(argv + 2, argv + argc);
    for (const auto& command : commands()) {
        if (first != command.name) {
            continue;
        }
        try {
            return command.run(args);
        } catch (const UsageError& e) {
            std::cerr << "caapol " << e.command
                      << ": error: " << caapol::text::escape_unprintable(e.message) << "\n"
                      << "Run 'caapol " << e.command << " --help' for usage.\n";
            return exit_input;
        } catch (const caapol::InputError& e) {
            std::cerr << "caapol " << command.name
                      << ": error: " << caapol::text::escape_unprintable(e.message) << "\n";
            return exit_input;
        } catch (const std::bad_alloc&) {
            std::cerr << "caapol " << command.name << ": error: out of memory\n";
            return exit_input;
        } catch (const std::exception& e) {
            std::cerr << "caapol " << command.name
                      << ": internal error: " << caapol::text::escape_unprintable(e.what()) << "\n";
            return exit_input;
        }
    }
    std::cerr << "caapol: error: unknown command '" << caapol::text::escape_unprintable(first)
              << "'\n"
              << "Run 'caapol --help' for the list of commands.\n";
    return exit_input;
}

} // namespace
