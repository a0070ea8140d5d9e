#include "caapol/importer/ct.hpp"
#include "caapol/policy/policy.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace caapol;

namespace {

std::uint32_t next_line = 1;

audit::Certificate certificate(const std::vector<std::string>& names, const std::string& ca,
                               const std::string& not_before, const std::string& serial = "01") {
    audit::Certificate c;
    c.location = Location{"certs.json", next_line++, 3};
    c.not_before = not_before;
    c.serial = serial;
    c.issuer_dn = ca.empty() ? "C=ZZ, O=Nobody, CN=Nobody CA" : "O=" + ca;
    for (const auto& n : names) {
        c.names.push_back(audit::Name{n, n.rfind("*.", 0) == 0});
    }
    if (!ca.empty()) {
        c.caa_domains = {ca, "alias-of-" + ca};
    }
    return c;
}

// 2024-01-01T00:00:00Z
constexpr std::int64_t january = 1704067200;

struct Built {
    importer::CtProposal proposal;
    Diagnostics diagnostics;
};

Built build(const std::vector<audit::Certificate>& certificates,
            std::vector<std::string> domains = {}) {
    Built b;
    importer::CtOptions options;
    options.since = january;
    options.until = january + 365 * 86400;
    options.domains = std::move(domains);
    importer::CtCollector collector(options);
    for (const auto& c : certificates) {
        collector.add(c, b.diagnostics);
    }
    b.proposal = collector.finish(b.diagnostics);
    return b;
}

// "name: tag value, tag value" per entry.
std::vector<std::string> summary(const importer::CtProposal& p) {
    std::vector<std::string> out;
    for (const auto& e : p.entries) {
        std::string line = e.domain.name + ":";
        for (const auto& r : e.domain.records) {
            line += " " + r.record.tag + " " + r.record.value;
        }
        out.push_back(line);
    }
    return out;
}

} // namespace

TEST_SUITE("importer") {
    TEST_CASE("ct: the window, the issuer's first CAA domain, names with the same CAs inherit") {
        auto b = build(
            {certificate({"example.com", "www.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             certificate({"api.example.com"}, "ca-one.test", "2024-03-01T00:00:00"),
             certificate({"old.example.com"}, "ca-two.test", "2023-12-31T23:59:59Z")});
        CHECK(b.diagnostics.empty());
        CHECK(summary(b.proposal) ==
              std::vector<std::string>{"example.com: issue ca-one.test issuewild ;"});
        REQUIRE(b.proposal.entries.size() == 1);
        CHECK(b.proposal.entries[0].record_comments[0] ==
              "2 certificates, newest 2024-03-01, serial 01");
        // Every name with its CA is an expectation; old.example.com is outside the window.
        CHECK(b.proposal.expectations.size() == 3);
        bool old_seen = false;
        for (const auto& e : b.proposal.expectations) {
            old_seen = old_seen || e.name == "old.example.com";
            CHECK(e.caa_domain == "ca-one.test");
        }
        CHECK_FALSE(old_seen);
    }

    TEST_CASE("ct: a name with other CAs is a domain of its own; siblings are not merged") {
        auto b = build({certificate({"example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
                        certificate({"shop.example.com"}, "ca-two.test", "2024-02-01T00:00:00Z"),
                        certificate({"x.shop.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
                        certificate({"a.example.org"}, "ca-one.test", "2024-02-01T00:00:00Z"),
                        certificate({"b.example.org"}, "ca-one.test", "2024-02-01T00:00:00Z")});
        CHECK(summary(b.proposal) ==
              std::vector<std::string>{"example.com: issue ca-one.test issuewild ;",
                                       "shop.example.com: issue ca-two.test issuewild ;",
                                       "x.shop.example.com: issue ca-one.test issuewild ;",
                                       "a.example.org: issue ca-one.test issuewild ;",
                                       "b.example.org: issue ca-one.test issuewild ;"});
    }

    TEST_CASE("ct: wildcards give issuewild at the parent, or issue alone when both agree") {
        auto same = build(
            {certificate({"a.example", "*.a.example"}, "ca-one.test", "2024-02-01T00:00:00Z")});
        CHECK(summary(same.proposal) == std::vector<std::string>{"a.example: issue ca-one.test"});
        auto wild_only =
            build({certificate({"*.b.example"}, "ca-two.test", "2024-02-01T00:00:00Z")});
        CHECK(summary(wild_only.proposal) ==
              std::vector<std::string>{"b.example: issue ; issuewild ca-two.test"});
        auto both =
            build({certificate({"c.example"}, "ca-one.test", "2024-02-01T00:00:00Z"),
                   certificate({"*.c.example"}, "ca-two.test", "2024-02-01T00:00:00Z"),
                   certificate({"*.c.example"}, "ca-two.test", "2024-02-02T00:00:00Z", "02")});
        CHECK(summary(both.proposal) ==
              std::vector<std::string>{"c.example: issue ca-one.test issuewild ca-two.test"});
        REQUIRE(both.proposal.entries.size() == 1);
        CHECK(both.proposal.entries[0].record_comments[1] ==
              "2 certificates, newest 2024-02-02, serial 02");
    }

    TEST_CASE("ct: a side not seen at a name is left to the domain above") {
        auto b = build(
            {certificate({"example.com", "*.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             // No wildcard seen: example.com's issuewild (here issue) governs it.
             certificate({"www.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             // Wildcards only, from the same CA: inherits too.
             certificate({"*.x.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             // A wildcard from another CA: its own issuewild.
             certificate({"y.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             certificate({"*.y.example.com"}, "ca-two.test", "2024-02-01T00:00:00Z"),
             // Below y: no wildcard, so y's issue... and y's issuewild for *.z.y.
             certificate({"z.y.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z")});
        CHECK(summary(b.proposal) ==
              std::vector<std::string>{"example.com: issue ca-one.test",
                                       "y.example.com: issue ca-one.test issuewild ca-two.test"});
        REQUIRE(b.proposal.entries.size() == 2);
        CHECK(b.proposal.entries[0].comments[0] ==
              "seen for example.com, *.example.com, www.example.com, *.x.example.com");
    }

    TEST_CASE("ct: given domains group their names; most certificates first; empty domain") {
        auto b = build(
            {certificate({"www.example.com"}, "ca-two.test", "2024-02-01T00:00:00Z"),
             certificate({"example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             certificate({"api.example.com", "example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
             certificate({"other.test"}, "ca-one.test", "2024-02-01T00:00:00Z")},
            {"example.com", "unused.example"});
        CHECK(summary(b.proposal) ==
              std::vector<std::string>{"example.com: issue ca-one.test issue ca-two.test "
                                       "issuewild ;",
                                       "unused.example: issue ;"});
        // A certificate with two names under one domain counts once.
        CHECK(b.proposal.entries[0].record_comments[0].rfind("2 certificates", 0) == 0);
        // other.test is under no given domain: a warning at its certificate.
        REQUIRE(b.diagnostics.all().size() == 1);
        CHECK(b.diagnostics.all()[0].severity == Severity::warning);
        CHECK(b.diagnostics.all()[0].location.line == next_line - 1);
    }

    TEST_CASE("ct: unknown issuers are warned about and commented, never authorised") {
        auto b = build({certificate({"example.com"}, "ca-one.test", "2024-02-01T00:00:00Z"),
                        certificate({"blog.example.com"}, "", "2024-02-03T00:00:00Z", "05"),
                        certificate({"lost.test"}, "", "2024-02-04T00:00:00Z", "06")});
        REQUIRE(b.diagnostics.all().size() == 1); // one warning per issuer
        CHECK(b.diagnostics.all()[0].rule == "unknown-issuer");
        CHECK(b.diagnostics.all()[0].message.find("2 certificates") != std::string::npos);
        CHECK(summary(b.proposal) ==
              std::vector<std::string>{"example.com: issue ca-one.test issuewild ;"});
        bool commented = false;
        for (const auto& c : b.proposal.entries[0].comments) {
            commented = commented || (c.rfind("NOT authorised", 0) == 0 &&
                                      c.find("blog.example.com") != std::string::npos);
        }
        CHECK(commented);
        bool noted = false;
        for (const auto& n : b.proposal.notes) {
            noted = noted || n.find("lost.test") != std::string::npos;
        }
        CHECK(noted);
    }

    TEST_CASE("ct: an empty window or unreadable not_before") {
        auto b = build({certificate({"example.com"}, "ca-one.test", "2023-02-01T00:00:00Z")});
        CHECK(b.diagnostics.has_errors());
        CHECK(b.proposal.entries.empty());
        auto bad = build({certificate({"example.com"}, "ca-one.test", "yesterday"),
                          certificate({"example.com"}, "ca-one.test", "2024-02-30T00:00:00Zjunk")});
        CHECK(bad.diagnostics.count(Severity::warning) == 2);
        CHECK(bad.diagnostics.has_errors()); // and nothing left to propose
        auto elsewhere = build(
            {certificate({"example.com"}, "ca-one.test", "2024-02-01T00:00:00Z")}, {"other.test"});
        CHECK(elsewhere.diagnostics.has_errors()); // not a proposal of nothing but issue = []
    }

    TEST_CASE("ct: check_proposal flags a policy that does not authorise what was seen") {
        Diagnostics d;
        auto b = build(
            {certificate({"example.com", "*.example.com"}, "ca-one.test", "2024-02-01T00:00:00Z")});
        policy::Policy good = policy::load_from_string(
            "version = 1\n[domain.\"example.com\"]\nissue = [\"ca-one.test\"]\n", "good", d);
        REQUIRE_FALSE(d.has_errors()); // the loader may warn (no iodef, ...)
        importer::check_proposal(good, b.proposal.expectations, january, d);
        CHECK_FALSE(d.has_errors());
        policy::Policy bad = policy::load_from_string(
            "version = 1\n[domain.\"example.com\"]\nissue = [\"ca-one.test\"]\nissuewild = []\n",
            "bad", d);
        importer::check_proposal(bad, b.proposal.expectations, january, d);
        CHECK(d.count(Severity::error) == 1); // the wildcard
    }
}
