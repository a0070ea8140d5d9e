#include "caapol/core/diagnostic.hpp"
#include "caapol/verify/names.hpp"

#include <algorithm>
#include <cstdlib>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace caapol;

namespace {

std::vector<std::string> read_all(const verify::SortedNames& names, std::size_t from = 0) {
    std::vector<std::string> out;
    auto cursor = names.from(from);
    std::string name;
    while (cursor.next(name)) {
        out.push_back(name);
    }
    return out;
}

// Names over a few zones, in an order far from canonical, with repeats.
std::vector<std::string> sample(std::size_t count) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t k = (i * 7919) % count; // a permutation when count is not a multiple
        names.push_back("h" + std::to_string(k) + (k % 3 == 0 ? ".a.test" : ".b.test"));
        if (i % 10 == 0) {
            names.push_back(k % 2 ? "a.test" : "b.test");
        }
    }
    return names;
}

// $TMPDIR set to a directory that does not exist, for a scope.
class MissingTmpdir {
public:
    MissingTmpdir() {
        const char* old = std::getenv("TMPDIR");
        had_ = old != nullptr;
        saved_ = had_ ? old : "";
        ::setenv("TMPDIR", "/nonexistent-caapol-dir", 1);
    }
    ~MissingTmpdir() {
        if (had_) {
            ::setenv("TMPDIR", saved_.c_str(), 1);
        } else {
            ::unsetenv("TMPDIR");
        }
    }
    MissingTmpdir(const MissingTmpdir&) = delete;
    MissingTmpdir& operator=(const MissingTmpdir&) = delete;

private:
    bool had_ = false;
    std::string saved_;
};

} // namespace

TEST_SUITE("verify") {
    TEST_CASE("canonical order: labels from the right, a parent before its children") {
        auto sorted = verify::sorted_unique(
            {"b.example", "a.b.example", "example", "z.a.example", "a.example", "b.example"});
        CHECK(sorted == std::vector<std::string>{"example", "a.example", "z.a.example", "b.example",
                                                 "a.b.example"});
    }

    TEST_CASE("a list that fits in one chunk stays in memory, sorted, each name once") {
        verify::NameSorter sorter(1000);
        for (const auto& n : sample(500)) {
            sorter.add(n);
        }
        auto names = sorter.finish();
        CHECK_FALSE(names.spilled());
        const auto expected = verify::sorted_unique(sample(500));
        CHECK(expected.size() == 501); // 500 hosts and b.test, given 50 times
        CHECK(names.size() == expected.size());
        CHECK(read_all(names) == expected);
    }

    TEST_CASE("a list of many chunks: sorted runs in temporary files, merged, repeats dropped") {
        const auto input = sample(5003);
        const auto expected = verify::sorted_unique(input);
        REQUIRE(expected.size() == 5005);
        verify::NameSorter sorter(97); // 57 runs; a repeat spans runs
        for (const auto& n : input) {
            sorter.add(n);
        }
        auto names = sorter.finish();
        CHECK(names.spilled());
        CHECK(names.size() == expected.size());
        CHECK(read_all(names) == expected);
        SUBCASE("cursors start anywhere (threads read slices of one file)") {
            for (std::size_t from :
                 {std::size_t{0}, std::size_t{1}, std::size_t{1023}, std::size_t{1024},
                  std::size_t{1025}, std::size_t{4097}, expected.size() - 1, expected.size()}) {
                CAPTURE(from);
                auto slice = read_all(names, from);
                CHECK(slice ==
                      std::vector<std::string>(expected.begin() + static_cast<std::ptrdiff_t>(from),
                                               expected.end()));
            }
        }
    }

    TEST_CASE("the byte limit of a chunk spills too") {
        verify::NameSorter sorter(1000000, 64);
        for (const auto& n : sample(300)) {
            sorter.add(n);
        }
        auto names = sorter.finish();
        CHECK(names.spilled());
        CHECK(read_all(names) == verify::sorted_unique(sample(300)));
    }

    TEST_CASE("a canonical key gives its name back") {
        for (std::string name : {"example", "a.example", "host-1.b_c.example.test", "*.x.test"}) {
            std::string key;
            verify::append_canonical_key(key, name);
            std::string back;
            verify::append_name_of_key(back, key);
            CHECK(back == name);
        }
    }

    TEST_CASE("a run that cannot be written, in the sorting thread, is an input error") {
        std::string message;
        try {
            MissingTmpdir missing;
            verify::NameSorter sorter(10);
            for (const auto& n : sample(100)) {
                sorter.add(n);
            }
            sorter.finish();
        } catch (const InputError& e) {
            message = e.message;
        }
        CHECK(message.find("cannot create a temporary file in /nonexistent-caapol-dir") == 0);
    }

    TEST_CASE("an empty list") {
        verify::NameSorter sorter(10);
        auto names = sorter.finish();
        CHECK(names.size() == 0);
        CHECK(read_all(names).empty());
    }

    TEST_CASE("a temporary file gives back what was written") {
        verify::TempFile file;
        std::string expected;
        for (int i = 0; i < 100000; ++i) {
            std::string line = "line " + std::to_string(i) + "\n";
            file.write(line);
            expected += line;
        }
        file.flush();
        std::string back;
        file.copy_to([&back](std::string_view piece) { back.append(piece); });
        CHECK(back == expected);
    }

    TEST_CASE("a temporary directory that cannot be written is an input error naming it") {
        std::string message;
        try {
            MissingTmpdir missing;
            verify::TempFile file;
        } catch (const InputError& e) {
            message = e.message;
        }
        CHECK(message.find("cannot create a temporary file in /nonexistent-caapol-dir") == 0);
    }
}
