// The fast reader of the policy subset against toml++: wherever the fast reader accepts a
// file, the model and every diagnostic must be what the toml++ reading gives (the reference).
// Over every policy in the repository and thousands of variants of each, so that its giving
// up is tested as much as its reading.
#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <cstddef>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace caapol;

namespace {

// Everything observable of a load: the model and the rendered diagnostics.
std::string describe(const policy::Policy& policy, const Diagnostics& diagnostics) {
    std::ostringstream out;
    for (const auto& d : diagnostics.all()) {
        out << format_diagnostic(d) << " {" << severity_name(d.severity) << "}\n";
    }
    for (const auto& domain : policy.domains) {
        out << domain.name << " @" << format_location(domain.location) << " ttl " << domain.ttl
            << (domain.inherit ? " inherit" : "") << "\n";
        for (const auto& r : domain.records) {
            out << "  " << static_cast<int>(r.record.flags) << " " << r.record.tag << " ["
                << r.record.value << "] @" << format_location(r.location) << "\n";
        }
    }
    return out.str();
}

// True when the fast reader accepted `text`; then both readings must be equal.
bool same_readings(const std::string& text) {
    Diagnostics fast_diagnostics;
    auto fast =
        policy::load_from_string(text, "p.toml", fast_diagnostics, policy::Reader::fast_only);
    if (!fast) {
        CHECK(fast_diagnostics.empty());
        return false;
    }
    Diagnostics toml_diagnostics;
    auto reference =
        policy::load_from_string(text, "p.toml", toml_diagnostics, policy::Reader::toml_only);
    REQUIRE(reference.has_value());
    std::string want = describe(*reference, toml_diagnostics);
    std::string got = describe(*fast, fast_diagnostics);
    if (want != got) {
        INFO("text:\n" << text);
        CHECK(got == want);
    }
    return true;
}

std::vector<std::string> repository_policies() {
    std::vector<std::string> out;
    for (const char* dir : {CAAPOL_TEST_DATA, CAAPOL_TEST_DATA "/../../policies"}) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
            if (entry.is_regular_file() && entry.path().extension() == ".toml") {
                std::ifstream in(entry.path(), std::ios::binary);
                std::ostringstream text;
                text << in.rdbuf();
                out.push_back(text.str());
            }
        }
    }
    return out;
}

// Variants of a policy: each line removed, characters of TOML's syntax put in and taken out.
std::vector<std::string> variants(const std::string& text) {
    std::vector<std::string> out;
    std::vector<std::size_t> line_starts = {0};
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            line_starts.push_back(i + 1);
        }
    }
    for (std::size_t i = 0; i + 1 < line_starts.size(); ++i) {
        std::string v = text;
        v.erase(line_starts[i], line_starts[i + 1] - line_starts[i]);
        out.push_back(v);
    }
    static const std::vector<std::string> inserts = {
        "\"",   "'",    "#",    "[",  "]",        "{", "}", ",",  "=",   " ",
        "\t",   "\r",   "\r\n", ".",  "x",        "0", "-", "\\", "\n",  "1",
        "true", "\"\"", "[]",   "{}", "\xc3\xa9", "_", "+", ":",  "\x7f"};
    // Spread over the file, about 40 places.
    std::size_t step = text.size() / 40 + 1;
    for (std::size_t at = 0; at <= text.size(); at += step) {
        for (const auto& s : inserts) {
            std::string v = text;
            v.insert(at, s);
            out.push_back(v);
        }
        if (at < text.size()) {
            std::string v = text;
            v.erase(at, 1);
            out.push_back(v);
        }
    }
    return out;
}

} // namespace

TEST_SUITE("policy") {
    TEST_CASE("the fast reader reads the example policies as toml++ does") {
        std::size_t accepted = 0;
        std::size_t files = 0;
        for (const auto& text : repository_policies()) {
            ++files;
            accepted += same_readings(text) ? 1 : 0;
        }
        MESSAGE("fast reader accepted " << accepted << " of " << files << " policy files");
        CHECK(files > 20);
        CHECK(accepted * 2 > files); // the subset is the usual way to write a policy
    }

    TEST_CASE("the fast reader declines or agrees on variants of every policy") {
        std::size_t accepted = 0;
        std::size_t total = 0;
        for (const auto& text : repository_policies()) {
            if (text.size() > 10000) {
                continue; // the deep-nesting files: their variants say nothing new
            }
            for (const auto& v : variants(text)) {
                ++total;
                accepted += same_readings(v) ? 1 : 0;
            }
        }
        MESSAGE("fast reader accepted " << accepted << " of " << total << " variants");
        CHECK(accepted > total / 10);
    }

    TEST_CASE("the fast reader: positions, forms and the fallback for what it does not read") {
        const std::string base = "version = 1\n[defaults]\nttl = 300\n";
        // Accepted: the fast reader must agree with toml++ on each.
        for (const std::string body : {
                 "[domain.\"a.example\"]\nissue = [\"letsencrypt.org\"]\n",
                 "[ domain . 'a.example' ]  # c\nissue = [ 'letsencrypt.org' , ]\n",
                 "[domain.example]\r\nissue = []\r\niodef = [\"mailto:a@b.example\"]\r\n",
                 "[domain.\"a.example\"]\nissue = [\n  # first\n  { ca = \"sectigo.com\", "
                 "critical = true },\n  \"pki.goog\",\n]\nttl = -1\n",
                 "[domain.\"a.example\"]\ninherit = "
                 "true\n[domain.\"b.a.example\"]\nissue=\"none\"\n",
                 "[domain.\"a.example\"]\nissue = [{ca=\"x.example\",params={a=\"b\",c=\"d\"}}]\n",
                 "[domain.\"a.example\"]\nttl = 99999999999\nissue = [1, true, [\"x\"]]\n",
                 "[domain.\"a..example\"]\nissue = []\n",
                 "[domain.\"a.example\"]\nttl = 0\nissue = [] # deny\n\n\n",
                 "[domain.\"a.example\"]\nissue = [{ca=\"x.example\", # TOML 1.1\n "
                 "critical=true,\n}]\n",
             }) {
            CAPTURE(body);
            CHECK(same_readings(base + body));
        }
        // Declined: toml++ reads them (its values, its messages).
        for (const std::string body : {
                 "[domain.\"a.example\"]\nissue = [\"a\\u0062.example\"]\n",
                 "[domain.\"a.example\"]\nissue = \"\"\"none\"\"\"\n",
                 "[domain.\"a.example\"]\nttl = 1.5\n",
                 "[domain.\"a.example\"]\nttl = 1_000\n",
                 "[domain.\"a.example\"]\nttl = 0x10\n",
                 "[domain.\"a.example\"]\nttl = 2024-01-01\n",
                 "[domain.\"a.example\"]\nissue.x = 1\n",
                 "[[domain.\"a.example\"]]\n",
                 "[domain.\"a.example\"]\n[domain.\"a.example\"]\n",
                 // Maybe not the same header twice, but toml++ decides (rare: an error anyway).
                 "[domain.\"a.example\"]\n[domain.\"A.example\"]\n",
                 "[domain.\"a..b\"]\n[domain.\"a..b\"]\n",
                 "[domain.\"a.example\"]\nissue = []\nissue = []\n",
                 "[domain.\"a.example\"]\nissue = [\"\xc3\xa9.example\"]\n",
                 "[domain.\"a.example\"]\n[defaults]\n",
                 "[domain.a.example]\n",
                 "[domain]\n",
                 "[domain.\"a.example\"]\nissue = [\n",
                 "[domain.\"a.example\"] x\n",
             }) {
            CAPTURE(body);
            Diagnostics diagnostics;
            CHECK_FALSE(policy::load_from_string(base + body, "p.toml", diagnostics,
                                                 policy::Reader::fast_only));
            // And the automatic reading is toml++'s.
            Diagnostics automatic;
            auto a = policy::load_from_string(base + body, "p.toml", automatic);
            Diagnostics reference;
            auto r = policy::load_from_string(base + body, "p.toml", reference,
                                              policy::Reader::toml_only);
            CHECK(describe(a, automatic) == describe(*r, reference));
        }
    }
}
