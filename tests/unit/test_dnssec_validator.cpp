#include "caapol/climb/climb.hpp"
#include "caapol/dnssec/status.hpp"
#include "caapol/dnssec/validator.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <ldns/ldns.h>
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

// A zone "example." with one key made by ldns, whose answers it signs.
struct SignedZone {
    ldns_key_list* keys = ldns_key_list_new();
    std::string dnskey_text;

    SignedZone(ldns_signing_algorithm algorithm, std::uint16_t bits) {
        ldns_key* key = ldns_key_new_frm_algorithm(algorithm, bits);
        REQUIRE(key != nullptr);
        ldns_key_set_pubkey_owner(key, ldns_dname_new_frm_str("example."));
        ldns_key_set_flags(key, 257);
        ldns_key_set_inception(key, 1700000000);
        ldns_key_set_expiration(key, 1900000000);
        ldns_rr* dnskey = ldns_key2rr(key);
        ldns_key_set_keytag(key, ldns_calc_keytag(dnskey));
        char* text = ldns_rr2str(dnskey);
        dnskey_text = text;
        std::free(text);
        ldns_rr_free(dnskey);
        ldns_key_list_push_key(keys, key);
    }
    ~SignedZone() { ldns_key_list_free(keys); }

    // The wire form of an answer to qname/qtype holding the record `record_text` and its RRSIG.
    std::string answer(const char* qname, ldns_rr_type qtype,
                       const std::string& record_text) const {
        ldns_rr* record = nullptr;
        REQUIRE(ldns_rr_new_frm_str(&record, record_text.c_str(), 3600, nullptr, nullptr) ==
                LDNS_STATUS_OK);
        ldns_rr_list* list = ldns_rr_list_new();
        ldns_rr_list_push_rr(list, record);
        ldns_rr_list* sigs = ldns_sign_public(list, keys);
        REQUIRE(sigs != nullptr);
        ldns_pkt* pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype, LDNS_RR_CLASS_IN,
                                           LDNS_QR | LDNS_AA);
        ldns_pkt_push_rr_list(pkt, LDNS_SECTION_ANSWER, list);
        ldns_pkt_push_rr_list(pkt, LDNS_SECTION_ANSWER, sigs);
        ldns_rr_list_free(list); // the records now belong to the packet
        ldns_rr_list_free(sigs);
        std::uint8_t* wire = nullptr;
        std::size_t size = 0;
        REQUIRE(ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK);
        std::string out(reinterpret_cast<const char*>(wire), size);
        std::free(wire);
        ldns_pkt_free(pkt);
        return out;
    }
};

void replace_all(std::string* s, const std::string& from, const std::string& to) {
    for (std::size_t at = s->find(from); at != std::string::npos; at = s->find(from, at)) {
        s->replace(at, from.size(), to);
        at += to.size();
    }
}

} // namespace

TEST_SUITE("dnssec") {
    TEST_CASE("a good signature is secure and verified once, whatever the letter case; a changed "
              "record is bogus") {
        struct Case {
            ldns_signing_algorithm algorithm;
            std::uint16_t bits;
        };
        for (Case c : {Case{LDNS_SIGN_ECDSAP256SHA256, 256}, Case{LDNS_SIGN_RSASHA256, 2048},
                       Case{LDNS_SIGN_ED25519, 256}}) {
            CAPTURE(c.algorithm);
            SignedZone zone(c.algorithm, c.bits);
            std::string file = temp_file(zone.dnskey_text);
            Options options;
            options.trust_anchor_files = {file};
            options.now = 1800000000;
            std::string keys = zone.answer("example.", LDNS_RR_TYPE_DNSKEY, zone.dnskey_text);
            Validator v(options, [&](const std::string& name, std::uint16_t type, FetchDone done) {
                REQUIRE(name == "example");
                REQUIRE(type == type_dnskey);
                done(keys, "test@53", "");
            });
            std::string answer =
                zone.answer("www.example.", LDNS_RR_TYPE_CAA, "www.example. CAA 0 issue \"ca\"");
            std::optional<Status> got;
            v.validate(answer, "www.example", 257, "test@53", [&](Status s) { got = s; });
            REQUIRE(got);
            CHECK(got->state == State::secure);
            CHECK(v.signatures_verified() == 2); // the DNSKEY RRset and the CAA RRset

            // 0x20: the same records in other letters are the same signed data.
            std::string mixed = answer;
            replace_all(&mixed, "\3www", "\3WwW");
            REQUIRE(mixed != answer);
            got.reset();
            v.validate(mixed, "WwW.example", 257, "test@53", [&](Status s) { got = s; });
            REQUIRE(got);
            CHECK(got->state == State::secure);
            CHECK(v.signatures_verified() == 2);

            std::string changed = answer;
            replace_all(&changed, "issueca", "issuecb");
            REQUIRE(changed != answer);
            got.reset();
            v.validate(changed, "www.example", 257, "test@53", [&](Status s) { got = s; });
            REQUIRE(got);
            CHECK(got->state == State::bogus);
            CHECK(got->reason.find(
                      "CAA RRset of www.example: signature does not verify (key tag") == 0);
            CHECK(v.signatures_verified() == 3);
            std::remove(file.c_str());
        }
    }

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
