#include "caapol/core/atomic_file.hpp"
#include "caapol/core/diagnostic.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
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
}
