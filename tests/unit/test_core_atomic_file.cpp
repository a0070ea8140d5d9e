#include "caapol/core/atomic_file.hpp"
#include "caapol/core/diagnostic.hpp"
#include "caapol/core/input.hpp"

#include <csignal>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace caapol;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "caapol-unit-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string message_of(const std::string& path) {
    try {
        (void)read_file(path);
    } catch (const InputError& e) {
        return e.message;
    }
    return "";
}
} // namespace

TEST_SUITE("core") {
    TEST_CASE("write_file_atomically replaces the file and leaves nothing behind") {
        TempDir dir;
        std::string target = (dir.path / "out.zone").string();
        write_file_atomically(target, "first\n");
        ::chmod(target.c_str(), 0640);
        write_file_atomically(target, "second\n");
        CHECK(read_file(target) == "second\n");
        struct stat st {};
        REQUIRE(::stat(target.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0640);
        CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    }

    TEST_CASE("a failed write leaves the old file and no temporary file") {
        TempDir dir;
        fs::create_directory(dir.path / "taken");
        CHECK_THROWS_AS(write_file_atomically((dir.path / "taken").string(), "x"), InputError);
        CHECK(fs::is_directory(dir.path / "taken"));
        CHECK_THROWS_AS(write_file_atomically((dir.path / "missing" / "f").string(), "x"),
                        InputError);
        CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    }

    TEST_CASE("read_file refuses files over the size limit") {
        TempDir dir;
        std::string path = (dir.path / "big.toml").string();
        write_file_atomically(path, std::string(3u << 20, 'x'));
        CHECK(read_file(path, 4u << 20).size() == (3u << 20));
        try {
            (void)read_file(path, 2u << 20);
            FAIL("no error for a file over the limit");
        } catch (const InputError& e) {
            CHECK(e.message.find("larger than 2 MiB") != std::string::npos);
        }
    }

    TEST_CASE("read_file refuses directories and FIFOs without blocking") {
        TempDir dir;
        CHECK(message_of(dir.path.string()).find("is a directory") != std::string::npos);
        std::string fifo = (dir.path / "pipe.toml").string();
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        CHECK(message_of(fifo).find("not a regular file") != std::string::npos);
        CHECK(message_of((dir.path / "nope").string()).find("No such file") != std::string::npos);
    }
    TEST_CASE("an AtomicFile not committed leaves the target and removes its temporary file") {
        TempDir dir;
        std::string target = (dir.path / "report.prom").string();
        write_file_atomically(target, "old\n");
        {
            AtomicFile file(target);
            file.write("partial");
            CHECK(fs::exists(file.temporary_path()));
            CHECK(fs::path(file.temporary_path()).parent_path() == dir.path);
        }
        CHECK(read_file(target) == "old\n");
        CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    }

    TEST_CASE("AtomicFile writes many pieces and replaces the target on commit only") {
        TempDir dir;
        std::string target = (dir.path / "big").string();
        AtomicFile file(target);
        std::string expected;
        for (int i = 0; i < 100000; ++i) {
            std::string line = "line " + std::to_string(i) + "\n";
            file.write(line);
            expected += line;
        }
        CHECK_FALSE(fs::exists(target));
        file.commit();
        CHECK(file.committed());
        CHECK(read_file(target) == expected);
        CHECK_THROWS_AS(file.write("more"), InputError);
    }

    TEST_CASE("tens of MiB through the writer thread arrive whole and in order") {
        TempDir dir;
        std::string target = (dir.path / "huge").string();
        AtomicFile file(target);
        std::string expected;
        for (int i = 0; expected.size() < (std::size_t{20} << 20); ++i) {
            // Pieces of every size, some larger than a buffer (1 MiB).
            std::size_t size = i % 50 == 49 ? (std::size_t{3} << 19) : 1 + (i * 7919) % 4000;
            std::string piece(size, static_cast<char>('a' + i % 26));
            piece.back() = '\n';
            file.write(piece);
            expected += piece;
        }
        file.commit();
        CHECK(read_file(target, expected.size() + 1) == expected);
    }

    TEST_CASE("a write the writer thread fails is an error naming the file") {
        // In a child process, under a file size limit of 3 MiB: the writes past it fail
        // (EFBIG) in the writer thread, and the next write() or commit() throws.
        TempDir dir;
        std::string target = (dir.path / "limited").string();
        pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            std::signal(SIGXFSZ, SIG_IGN);
            const rlim_t three_mib = rlim_t{3} << 20;
            rlimit limit{three_mib, three_mib};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            int code = 1;
            try {
                AtomicFile file(target);
                std::string piece(4096, 'x');
                for (int i = 0; i < 4096; ++i) { // 16 MiB
                    file.write(piece);
                }
                file.commit();
            } catch (const InputError& e) {
                code = e.message == "cannot write " + target + ": writing: File too large" ? 0 : 3;
            }
            std::_Exit(code);
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        CHECK(fs::is_empty(dir.path)); // no temporary file left
    }

    TEST_CASE("a symbolic link's target is replaced, beside the target; the link stays") {
        TempDir dir;
        fs::create_directory(dir.path / "real");
        std::string real = (dir.path / "real" / "caa.zone").string();
        write_file_atomically(real, "old\n");
        fs::create_symlink("real/caa.zone", dir.path / "relative");
        fs::create_symlink(dir.path / "relative", dir.path / "absolute");
        std::string link = (dir.path / "absolute").string();
        CHECK(resolve_output_path(link) == (dir.path / "real/caa.zone").string());
        {
            AtomicFile file(link);
            CHECK(fs::path(file.temporary_path()).parent_path() == dir.path / "real");
            file.write("new\n");
            file.commit();
        }
        CHECK(read_file(real) == "new\n");
        CHECK(fs::is_symlink(dir.path / "absolute"));
        CHECK(fs::is_symlink(dir.path / "relative"));
        CHECK(resolve_output_path((dir.path / "plain").string()) == (dir.path / "plain").string());
        fs::create_symlink("loop-b", dir.path / "loop-a");
        fs::create_symlink("loop-a", dir.path / "loop-b");
        CHECK_THROWS_AS(resolve_output_path((dir.path / "loop-a").string()), InputError);
    }

    TEST_CASE("a FIFO, a device or a directory is never replaced") {
        // Tested with a FIFO of its own: a faulty build must never get to replace /dev/null.
        TempDir dir;
        std::string fifo = (dir.path / "fifo").string();
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        auto open = [](const std::string& path) { AtomicFile file(path); };
        CHECK_THROWS_AS(open(fifo), InputError);
        CHECK_THROWS_AS(open(dir.path.string()), InputError);
        struct stat st {};
        REQUIRE(::lstat(fifo.c_str(), &st) == 0);
        CHECK(S_ISFIFO(st.st_mode));
        CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
    }
}
