#include "caapol/core/text.hpp"
#include "caapol/output/results.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace caapol;

namespace {

diff::NameResult named(const std::string& name) {
    diff::NameResult r;
    r.name = name;
    r.status = diff::Status::unchecked;
    return r;
}

} // namespace

TEST_SUITE("output") {
    // The renderers copy values that need no escape as they are, a word at a time; every byte
    // that needs one, wherever it falls in the word, must send the value through the escaper.
    TEST_CASE("results: a byte that needs an escape is escaped wherever it falls") {
        const std::string needing[] = {
            std::string(1, '\0'), "\x01", "\x1f", "\"", "\\", "\x7f", "\x80",
            "\xc3\xa9",           "\xff", "\n"};
        for (const auto& bad : needing) {
            for (std::size_t before = 0; before <= 17; ++before) {
                for (std::size_t after : {0, 1, 7, 8, 9}) {
                    std::string name = std::string(before, 'a') + bad + std::string(after, 'z');
                    CAPTURE(before);
                    CAPTURE(after);
                    CAPTURE(text::escape_for_terminal(name));
                    std::string json =
                        output::render_results(output::ResultsFormat::jsonl, {named(name)}, 0);
                    CHECK(json.rfind("{\"name\":" + text::json_string(name) + ",", 0) == 0);
                    std::string metrics =
                        output::render_results(output::ResultsFormat::prometheus, {named(name)}, 0);
                    CHECK(metrics.find("caapol_caa_drift{name=\"" + output::prometheus_label(name) +
                                       "\"} 0\n") != std::string::npos);
                    CHECK(output::prometheus_label(name).find_first_of(
                              std::string(1, '\0') + "\n\x7f\x80\xff") == std::string::npos);
                }
            }
        }
    }

    TEST_CASE("results: plain values are copied as they are, of every length") {
        for (std::size_t length = 0; length <= 40; ++length) {
            std::string name;
            for (std::size_t i = 0; i < length; ++i) {
                name.push_back(static_cast<char>(' ' + (i * 7) % 95)); // printable ASCII
            }
            CAPTURE(name);
            std::string json =
                output::render_results(output::ResultsFormat::jsonl, {named(name)}, 0);
            CHECK(json.rfind("{\"name\":" + text::json_string(name) + ",", 0) == 0);
        }
    }
}
