#include "caapol/caa/ca_table.hpp"
#include "caapol/caa/record.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace caapol::caa;

TEST_SUITE("caa") {
    TEST_CASE("tags") {
        CHECK(is_issue_type("issue"));
        CHECK(is_issue_type("IssueWild"));
        CHECK(is_issue_type("issuemail"));
        CHECK(is_issue_type("issuevmc"));
        CHECK_FALSE(is_issue_type("iodef"));
        CHECK(is_known_tag("contactphone"));
        CHECK_FALSE(is_known_tag("tbs"));
        CHECK(is_reserved_tag("Policy"));
        CHECK(is_valid_tag("Issue0"));
        CHECK_FALSE(is_valid_tag("issue-wild"));
        CHECK_FALSE(is_valid_tag(""));
    }

    TEST_CASE("equivalence follows policy format v1") {
        Record a{0, "issue", "letsencrypt.org; accounturi=https://a/1; validationmethods=dns-01"};
        Record b{0, "ISSUE",
                 "  LetsEncrypt.org. ;validationmethods = dns-01;accounturi=https://a/1"};
        CHECK(equivalent(a, b));
        CHECK_FALSE(equivalent(a, Record{128, "issue", a.value}));
        CHECK_FALSE(equivalent(a, Record{0, "issuewild", a.value}));
        CHECK_FALSE(equivalent(Record{0, "issue", "ca.example; k=V"},
                               Record{0, "issue", "ca.example; k=v"}));
        // Non-issue tags compare byte for byte.
        CHECK_FALSE(equivalent(Record{0, "iodef", "mailto:A@example.com"},
                               Record{0, "iodef", "mailto:a@example.com"}));
        CHECK(equivalent(Record{0, "IODEF", "mailto:a@example.com"},
                         Record{0, "iodef", "mailto:a@example.com"}));
        // A malformed value compares byte for byte.
        CHECK_FALSE(
            equivalent(Record{0, "issue", "a_b.example"}, Record{0, "issue", "A_b.example"}));
    }

    TEST_CASE("canonical form lower-cases tag and issuer and normalizes spacing") {
        Record r = canonical(Record{0, "ISSUE", " Ca.Example. ;a=B"});
        CHECK(r.tag == "issue");
        CHECK(r.value == "ca.example; a=B");
        Record raw = canonical(Record{0, "Iodef", "mailto:X@Example.com"});
        CHECK(raw.value == "mailto:X@Example.com");
    }

    TEST_CASE("presentation and wire forms") {
        Record r{128, "issue", "ca.example; a=\"b\\"};
        CHECK(to_presentation(r) == "128 issue \"ca.example; a=\\\"b\\\\\"");
        CHECK(to_presentation(Record{0, "tbs", "line\nbreak"}) == "0 tbs \"line\\010break\"");
        std::string wire = to_rdata(r);
        CHECK(wire.size() == 2 + 5 + r.value.size());
        std::string error;
        auto back = from_rdata(wire, &error);
        REQUIRE(back);
        CHECK(*back == r);
    }

    TEST_CASE("malformed RDATA is rejected with a reason") {
        std::string error;
        CHECK_FALSE(from_rdata(std::string("\x00", 1), &error));
        CHECK(error.find("shorter") != std::string::npos);
        CHECK_FALSE(from_rdata(std::string("\x00\x09iss", 5), &error));
        CHECK(error.find("overruns") != std::string::npos);
        CHECK_FALSE(from_rdata(std::string("\x00\x00", 2), &error));
        CHECK(error.find("empty tag") != std::string::npos);
        auto empty_value = from_rdata(std::string("\x00\x05issue", 7), &error);
        REQUIRE(empty_value);
        CHECK(empty_value->value.empty());
    }

    TEST_CASE("set comparison is a multiset difference under equivalence") {
        std::vector<Record> expected = {{0, "issue", "ca.example"},
                                        {0, "issue", "ca.example"},
                                        {0, "iodef", "mailto:a@example.com"}};
        std::vector<Record> actual = {{0, "ISSUE", "CA.example."},
                                      {0, "issuewild", ";"},
                                      {0, "iodef", "mailto:a@example.com"}};
        auto d = compare_sets(expected, actual);
        REQUIRE(d.missing.size() == 1);
        CHECK(d.missing[0] == Record{0, "issue", "ca.example"});
        REQUIRE(d.unexpected.size() == 1);
        CHECK(d.unexpected[0].tag == "issuewild");
        CHECK(compare_sets(expected, expected).empty());
        // Order never matters.
        std::vector<Record> reversed(expected.rbegin(), expected.rend());
        CHECK(compare_sets(expected, reversed).empty());
    }

    TEST_CASE("the CA table holds the CCADB families and finds typos") {
        CHECK(ca_table().size() >= 45);
        REQUIRE(find_ca("LetsEncrypt.org.") != nullptr);
        CHECK(find_ca("letsencrypt.org")->name == "Let's Encrypt");
        CHECK(find_ca("digicert.ne.jp")->name == "DigiCert");
        CHECK(find_ca("letsencrypt.com") == nullptr);
        CHECK(nearest_issuer("letsencrypt.com") == "letsencrypt.org");
        CHECK(nearest_issuer("letsecrypt.org") == "letsencrypt.org");
        CHECK(nearest_issuer("digicert.org") == "digicert.com");
        CHECK_FALSE(nearest_issuer("letsencrypt.org").has_value());
        CHECK_FALSE(nearest_issuer("totally-unrelated-ca.example").has_value());
        CHECK(std::is_sorted(known_issuers().begin(), known_issuers().end()));
    }

    TEST_CASE("RFC 8657 validationmethods is a set: order and repeats do not matter") {
        Record a{0, "issue", "letsencrypt.org; validationmethods=dns-01,http-01"};
        Record b{0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01"};
        Record c{0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01,http-01"};
        Record d{0, "issue", "letsencrypt.org; validationmethods=http-01"};
        CHECK(equivalent(a, b));
        CHECK(equivalent(a, c));
        CHECK_FALSE(equivalent(a, d));
        CHECK(compare_sets({a}, {b}).empty());
    }
}
