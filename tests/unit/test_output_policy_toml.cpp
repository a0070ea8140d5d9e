#include "caapol/output/policy_toml.hpp"
#include "caapol/policy/policy.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace caapol;

namespace {

output::PolicyEntry entry(const std::string& name, std::uint32_t ttl,
                          const std::vector<caa::Record>& records) {
    output::PolicyEntry e;
    e.domain.name = name;
    e.domain.ttl = ttl;
    std::uint32_t line = 1;
    for (const auto& r : records) {
        e.domain.records.push_back(policy::PolicyRecord{r, Location{"z", line++, 1}});
    }
    return e;
}

std::string write(const std::vector<output::PolicyEntry>& entries, Diagnostics& problems) {
    return output::render_policy(entries, {}, problems).text;
}

} // namespace

TEST_SUITE("output") {
    TEST_CASE("render_policy: [defaults] take the most common TTL and iodef list") {
        Diagnostics problems;
        std::string text =
            write({entry("a.example", 300, {{0, "issue", "x.example"}, {0, "iodef", "mailto:s@a"}}),
                   entry("b.example", 300, {{0, "issue", "x.example"}, {0, "iodef", "mailto:s@a"}}),
                   entry("c.example", 60, {{0, "issue", "x.example"}})},
                  problems);
        CHECK(problems.empty());
        CHECK(text.find("[defaults]\nttl = 300\niodef = [\"mailto:s@a\"]\n") != std::string::npos);
        // c has no iodef: it must not take the default's.
        CHECK(
            text.find("[domain.\"c.example\"]\nttl = 60\nissue = [\"x.example\"]\niodef = []\n") !=
            std::string::npos);
        CHECK(text.find("[domain.\"a.example\"]\nissue = [\"x.example\"]\n") != std::string::npos);
    }

    TEST_CASE("render_policy: issuers in record order, RFC 8657 parameters as fields") {
        Diagnostics problems;
        std::string text = write({entry("a.example", 3600,
                                        {{0, "issue",
                                          "Z.example.; validationmethods=dns-01,http-01; foo=bar; "
                                          "accounturi=https://acme/1"},
                                         {128, "ISSUE", "a.example"},
                                         {0, "issuewild", ";"},
                                         {128, "iodef", "mailto:s@a"},
                                         {128, "Tbs", "say \"hi\" \\ caf\xc3\xa9\x7f"}})},
                                 problems);
        CHECK(problems.empty());
        CHECK(text.find("issue = [\n  { ca = \"z.example\", validationmethods = [\"dns-01\", "
                        "\"http-01\"], accounturi = \"https://acme/1\", params = { foo = \"bar\" } "
                        "},\n  { ca = \"a.example\", critical = true },\n]\n") !=
              std::string::npos);
        CHECK(text.find("issuewild = []\n") != std::string::npos);
        CHECK(text.find("iodef = [{ url = \"mailto:s@a\", critical = true }]") !=
              std::string::npos);
        CHECK(
            text.find(
                "property = [{ tag = \"tbs\", value = \"say \\\"hi\\\" \\\\ caf\xc3\xa9\\u007f\", "
                "critical = true }]") != std::string::npos);
    }

    TEST_CASE("render_policy: refuses what the format cannot hold, at the record") {
        struct Case {
            caa::Record record;
            const char* says;
        };
        const std::vector<Case> cases = {
            {{1, "issue", "x.example"}, "flags 1"},
            {{0, "issue", "x example"}, "outside the RFC 8659 grammar"},
            {{0, "issue", "; accounturi=https://a/1"}, "no issuer"},
            {{128, "issue", ";"}, "critical \";\""},
            {{0, "issue", "x.example; a=1; a=2"}, "appears twice"},
            {{128, "contactemail", "p@example.com"}, "critical contactemail"},
            {{0, "tbs", "\xff"}, "not UTF-8"},
            {{0, "iodef", "mailto:\xfe@x"}, "not UTF-8"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.says);
            Diagnostics problems;
            write({entry("a.example", 3600, {{0, "issue", "ok.example"}, c.record})}, problems);
            REQUIRE(problems.all().size() == 1);
            const Diagnostic& d = problems.all()[0];
            CHECK(d.severity == Severity::error);
            CHECK(d.rule == output::cannot_import_rule);
            CHECK(d.location.file == "z");
            CHECK(d.location.line == 2);
            CHECK(d.message.find(c.says) != std::string::npos);
        }
        Diagnostics problems;
        write({entry("a.example", 3600, {{0, "issue", ";"}, {0, "issue", "x.example"}})}, problems);
        REQUIRE(problems.all().size() == 1);
        CHECK(problems.all()[0].message.find("beside other issue records") != std::string::npos);
    }

    TEST_CASE("render_policy: record comments after their entries, loaded back the same") {
        Diagnostics problems;
        auto one = entry("a.example", 3600, {{0, "issue", "x.example"}});
        one.record_comments = {"2 certificates"};
        auto two =
            entry("b.example", 3600,
                  {{0, "issue", "x.example"}, {0, "issue", "y.example"}, {0, "issuewild", ";"}});
        two.record_comments = {"", "1 certificate\nnewline"}; // the ";" has none
        std::string text = write({one, two}, problems);
        CHECK(problems.empty());
        CHECK(text.find("issue = [\"x.example\"]  # 2 certificates\n") != std::string::npos);
        CHECK(text.find(
                  "issue = [\n  \"x.example\",\n  \"y.example\",  # 1 certificate\\x0anewline\n]\n"
                  "issuewild = []\n") != std::string::npos);
        Diagnostics loaded_problems;
        policy::Policy loaded = policy::load_from_string(text, "written", loaded_problems);
        CHECK_FALSE(loaded_problems.has_errors());
        REQUIRE(loaded.domains.size() == 2);
        CHECK(loaded.domains[1].records.size() == 3);
    }

    TEST_CASE("render_policy: every line maps to the record it was written for") {
        Diagnostics problems;
        auto written = output::render_policy(
            {entry("a.example", 3600, {{0, "issue", "x.example"}, {0, "issue", "y.example"}})}, {},
            problems);
        std::vector<std::string> lines;
        std::size_t start = 0;
        for (std::size_t nl; (nl = written.text.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            lines.push_back(written.text.substr(start, nl - start));
        }
        REQUIRE(lines.size() == written.line_sources.size());
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i] == "  \"y.example\",") {
                CHECK(written.line_sources[i].line == 2);
            }
            if (lines[i] == "  \"x.example\",") {
                CHECK(written.line_sources[i].line == 1);
            }
        }
    }
}
