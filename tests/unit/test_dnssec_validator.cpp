#include "caapol/climb/climb.hpp"
#include "caapol/dnssec/status.hpp"
#include "caapol/dnssec/validator.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>

using namespace caapol;
using namespace caapol::dnssec;

namespace {

std::string temp_file(const std::string& content) {
    char path[] = "/tmp/caapol-anchor-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << content;
    return path;
}

// A NOERROR answer to "www.example CAA" holding one unsigned CAA record (0 issue "ca").
std::string unsigned_caa_answer() {
    std::string w = {0x12, 0x34, char(0x81), char(0x80), 0, 1, 0, 1, 0, 0, 0, 0};
    std::string name = std::string("\3www\7example", 12) + '\0';
    w += name + std::string{0x01, 0x01, 0x00, 0x01};
    w += name + std::string{0x01, 0x01, 0x00, 0x01, 0, 0, 0x01, 0x2c, 0, 11};
    w += std::string{0, 5} + "issue" + "ca.e";
    return w;
}

const char* anchor_text = "example. 3600 IN DS 27280 13 2 "
                          "1D3C8E3A4B54E0E5F3F6C9E8D1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4\n";

} // namespace

TEST_SUITE("dnssec") {
    TEST_CASE("states fold to the weakest, with the earliest expiry") {
        Status s;
        Status secure{State::secure, "", 2000, "later", false};
        Status soon{State::secure, "", 1000, "sooner", false};
        combine(s, secure);
        combine(s, soon);
        CHECK(s.state == State::secure);
        CHECK(s.expires == 1000);
        CHECK(s.expiring == "sooner");
        combine(s, Status{State::insecure, "no DS", 0, "", false});
        CHECK(s.state == State::insecure);
        combine(s, Status{State::bogus, "signature expired", 0, "", true});
        combine(s, Status{State::insecure, "other", 0, "", false});
        CHECK(s.state == State::bogus);
        CHECK(s.reason == "signature expired");
        CHECK(s.fatal);
        combine(s, Status{State::error, "DNSKEY lookup failed", 0, "", true});
        CHECK(s.state == State::error);
        CHECK(std::string(state_name(State::indeterminate)) == "indeterminate");
    }

    TEST_CASE("dates and modes") {
        CHECK(date_text(1795824000) == "2026-11-28");
        Mode mode = Mode::off;
        CHECK(parse_mode("require", &mode));
        CHECK(mode == Mode::require);
        CHECK(parse_mode("off", &mode));
        CHECK(mode == Mode::off);
        CHECK_FALSE(parse_mode("on", &mode));
    }

    TEST_CASE("trust anchor files: DS or DNSKEY lines, anything else an error at its line") {
        Options options;
        options.trust_anchor_files = {"/nonexistent/anchor"};
        CHECK_THROWS_WITH_AS(Validator(options, {}),
                             "/nonexistent/anchor: cannot read the trust anchor file",
                             std::runtime_error);
        std::string bad = temp_file("; comment\nexample. 300 IN A 192.0.2.1\n");
        options.trust_anchor_files = {bad};
        CHECK_THROWS_WITH_AS(Validator(options, {}),
                             (bad + ":2: a trust anchor must be a DS or DNSKEY record").c_str(),
                             std::runtime_error);
        std::string empty = temp_file("; nothing\n");
        options.trust_anchor_files = {empty};
        CHECK_THROWS_AS(Validator(options, {}), std::runtime_error);
        std::string good = temp_file(anchor_text);
        options.trust_anchor_files = {good};
        CHECK_NOTHROW(Validator(options, {}));
        std::remove(bad.c_str());
        std::remove(empty.c_str());
        std::remove(good.c_str());
    }

    TEST_CASE("no anchor covers the name: indeterminate, fatal only with require") {
        std::string text = anchor_text;
        std::string file = temp_file("elsewhere." + text.substr(text.find(' ')));
        for (Mode mode : {Mode::validate, Mode::require}) {
            Options options;
            options.mode = mode;
            options.trust_anchor_files = {file};
            int fetches = 0;
            Validator v(options, [&](const std::string&, std::uint16_t, FetchDone) { ++fetches; });
            std::optional<Status> got;
            v.validate(unsigned_caa_answer(), "www.example", 257, "test@53",
                       [&](Status s) { got = s; });
            REQUIRE(got);
            CHECK(fetches == 0);
            CHECK(got->state == State::indeterminate);
            CHECK(got->reason == "no trust anchor covers it");
            CHECK(got->fatal == (mode == Mode::require));
        }
        std::remove(file.c_str());
    }

    TEST_CASE("a failed DNSKEY lookup is an error, never insecure") {
        std::string file = temp_file(anchor_text);
        Options options;
        options.trust_anchor_files = {file};
        std::string asked;
        Validator v(options, [&](const std::string& name, std::uint16_t type, FetchDone done) {
            asked = name + " " + std::to_string(type);
            done({}, "192.0.2.53@53", "timed out after 3 tries");
        });
        std::optional<Status> got;
        v.validate(unsigned_caa_answer(), "www.example", 257, "test@53",
                   [&](Status s) { got = s; });
        REQUIRE(got);
        CHECK(asked == "example 48");
        CHECK(got->state == State::error);
        CHECK(got->fatal);
        CHECK(got->reason ==
              "DNSKEY lookup of example failed at 192.0.2.53@53: timed out after 3 tries");
        std::remove(file.c_str());
    }

    TEST_CASE("a fatal DNSSEC state makes the climb a failure") {
        climb::Climber climber("www.example");
        climb::Answer answer;
        answer.kind = climb::AnswerKind::records;
        answer.records.push_back(climb::SourcedRecord{caa::Record{0, "issue", "ca"}, 300, {}});
        answer.server = "test@53";
        answer.dnssec = Status{State::bogus,
                               "CAA RRset of www.example: signature expired "
                               "2026-11-28 (key tag 1), from test@53",
                               0, "", true};
        climber.feed(answer);
        REQUIRE(climber.done());
        CHECK(climber.result().outcome == climb::Outcome::failure);
        CHECK(climber.result().reason ==
              "DNSSEC validation of www.example CAA failed (bogus): CAA RRset of www.example: "
              "signature expired 2026-11-28 (key tag 1), from test@53");
        CHECK(climber.result().dnssec.state == State::bogus);
    }
}
