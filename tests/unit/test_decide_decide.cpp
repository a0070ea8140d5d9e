#include "caapol/decide/decide.hpp"

#include <doctest/doctest.h>

using namespace caapol;
using namespace caapol::decide;

namespace {

climb::Result found(std::vector<caa::Record> records, std::string name = "example.com") {
    climb::Result result;
    result.name = name;
    result.outcome = climb::Outcome::found;
    result.relevant_name = name;
    result.found_at = name;
    for (auto& r : records) {
        result.records.push_back(climb::SourcedRecord{std::move(r), 300, {}});
    }
    return result;
}

caa::Record rec(std::uint8_t flags, std::string tag, std::string value) {
    return caa::Record{flags, std::move(tag), std::move(value)};
}

Request ask(std::string ca, bool wildcard = false) {
    Request request;
    request.ca = std::move(ca);
    request.wildcard = wildcard;
    return request;
}

Decision decide_for(std::vector<caa::Record> records, Request request) {
    return decide::decide(found(std::move(records)), request);
}

} // namespace

TEST_SUITE("decide") {
    TEST_CASE("no relevant set up to the root: permit") {
        climb::Result result;
        result.name = "www.example.com";
        result.outcome = climb::Outcome::none;
        auto d = decide::decide(result, ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::permit);
        CHECK(d.rule == rule::no_caa);
        CHECK(d.non_wildcard.kind == Issuance::Kind::unrestricted);
        CHECK(d.wildcard.kind == Issuance::Kind::unrestricted);
        CHECK(d.reason.find("www.example.com") != std::string::npos);
    }

    TEST_CASE("a failed lookup is an error, never a permit") {
        climb::Result result;
        result.name = "example.com";
        result.outcome = climb::Outcome::failure;
        result.reason = "lookup of example.com CAA failed at 127.0.0.1@53: SERVFAIL";
        auto d = decide::decide(result, ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::error);
        CHECK(d.rule == rule::lookup_failed);
        CHECK(d.reason.find("SERVFAIL") != std::string::npos);
        CHECK(d.non_wildcard.kind == Issuance::Kind::unknown);
        // Also without a CA: still an error.
        CHECK(decide::decide(result, Request{}).verdict == Verdict::error);
    }

    TEST_CASE("an unknown tag with flag 128 denies, whatever else is present") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(128, "tbs", "x")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::critical_unknown_tag);
        CHECK(d.deciding_records == std::vector<std::size_t>{1});
        CHECK(d.non_wildcard.kind == Issuance::Kind::forbidden);
        CHECK(d.wildcard.kind == Issuance::Kind::forbidden);
        CHECK(decide_for({rec(128, "tbs", "x")}, ask("letsencrypt.org", true)).verdict ==
              Verdict::deny);
    }

    TEST_CASE("flag 130 (critical plus a reserved bit) denies on an unknown tag") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(130, "unknown", "x")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::critical_unknown_tag);
    }

    TEST_CASE("flag 1 on an unknown tag is treated as critical, as Boulder does") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(1, "tbs", "x")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::critical_unknown_tag);
        CHECK(d.records[1].flag_one);
        CHECK(d.reason.find("flag 1") != std::string::npos);
    }

    TEST_CASE("other reserved bits are ignored") {
        for (std::uint8_t flags : {2, 4, 64, 126}) {
            CAPTURE(int(flags));
            auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(flags, "tbs", "x")},
                                ask("letsencrypt.org"));
            CHECK(d.verdict == Verdict::permit);
            CHECK(d.records[1].role == Role::ignored);
        }
    }

    TEST_CASE("critical issue, issuewild and iodef are understood") {
        auto d = decide_for({rec(128, "issue", "letsencrypt.org"), rec(128, "iodef", "mailto:a@b"),
                             rec(129, "issuewild", ";")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::permit);
        CHECK(d.rule == rule::issuer_authorised);
    }

    TEST_CASE("a critical issuemail is not a tag every TLS CA understands") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(128, "issuemail", "x.com")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::critical_unknown_tag);
        // Without the flag it is simply ignored.
        CHECK(decide_for({rec(0, "issue", "letsencrypt.org"), rec(0, "issuemail", "x.com")},
                         ask("letsencrypt.org"))
                  .verdict == Verdict::permit);
    }

    TEST_CASE("tags match case-insensitively") {
        for (const char* tag : {"ISSUE", "Issue", "iSsUe"}) {
            CAPTURE(tag);
            auto permit = decide_for({rec(0, tag, "letsencrypt.org")}, ask("letsencrypt.org"));
            CHECK(permit.verdict == Verdict::permit);
            auto deny = decide_for({rec(0, tag, "digicert.com")}, ask("letsencrypt.org"));
            CHECK(deny.verdict == Verdict::deny);
            CHECK(deny.rule == rule::issuer_not_listed);
        }
        auto wild = decide_for({rec(0, "issue", "letsencrypt.org"), rec(0, "ISSUEWILD", ";")},
                               ask("letsencrypt.org", true));
        CHECK(wild.verdict == Verdict::deny);
        CHECK(wild.rule == rule::no_issuer);
    }

    TEST_CASE("a set without issue properties restricts nothing") {
        auto d = decide_for({rec(0, "iodef", "mailto:a@example.com"), rec(0, "tbs", "x")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::permit);
        CHECK(d.rule == rule::no_issue_property);
        CHECK(d.non_wildcard.kind == Issuance::Kind::unrestricted);
        CHECK(decide_for({rec(0, "iodef", "mailto:a@example.com")}, ask("letsencrypt.org", true))
                  .verdict == Verdict::permit);
    }

    TEST_CASE("issuewild alone leaves non-wildcard issuance unrestricted") {
        auto records = std::vector<caa::Record>{rec(0, "issuewild", "digicert.com")};
        auto plain = decide_for(records, ask("letsencrypt.org"));
        CHECK(plain.verdict == Verdict::permit);
        CHECK(plain.rule == rule::no_issue_property);
        auto wild = decide_for(records, ask("letsencrypt.org", true));
        CHECK(wild.verdict == Verdict::deny);
        CHECK(wild.rule == rule::issuer_not_listed);
        CHECK(decide_for(records, ask("digicert.com", true)).verdict == Verdict::permit);
    }

    TEST_CASE("wildcards use issuewild when any exists, else issue") {
        auto both = std::vector<caa::Record>{rec(0, "issue", "letsencrypt.org"),
                                             rec(0, "issuewild", "digicert.com")};
        CHECK(decide_for(both, ask("letsencrypt.org", true)).verdict == Verdict::deny);
        CHECK(decide_for(both, ask("digicert.com", true)).verdict == Verdict::permit);
        CHECK(decide_for(both, ask("digicert.com")).verdict == Verdict::deny);
        auto d = decide_for(both, Request{});
        CHECK(d.non_wildcard.governing_tag == "issue");
        CHECK(d.wildcard.governing_tag == "issuewild");

        auto issue_only = std::vector<caa::Record>{rec(0, "issue", "letsencrypt.org")};
        auto wild = decide_for(issue_only, ask("letsencrypt.org", true));
        CHECK(wild.verdict == Verdict::permit);
        CHECK(decide_for(issue_only, Request{}).wildcard.governing_tag == "issue");
        CHECK(decide_for(issue_only, ask("digicert.com", true)).verdict == Verdict::deny);
    }

    TEST_CASE("the empty issuer authorises nobody") {
        auto d = decide_for({rec(0, "issue", ";")}, ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::no_issuer);
        CHECK(d.non_wildcard.kind == Issuance::Kind::restricted);
        CHECK(d.non_wildcard.grant_records.empty());
        // ";" next to a real issuer does not take its authorisation away.
        CHECK(decide_for({rec(0, "issue", ";"), rec(0, "issue", "letsencrypt.org")},
                         ask("letsencrypt.org"))
                  .verdict == Verdict::permit);
    }

    TEST_CASE("issuers in other letter case: the RFC matches them, Boulder does not, deny wins") {
        auto mixed = decide_for({rec(0, "issue", "LetsEncrypt.ORG")}, ask("letsencrypt.org"));
        CHECK(mixed.verdict == Verdict::deny);
        CHECK(mixed.rule == "issuer-case-mismatch");
        CHECK(mixed.reason.find("byte for byte") != std::string::npos);
        CHECK(mixed.reason.find("RFC 8659 compares issuer domains ignoring case") !=
              std::string::npos);
        auto dot = decide_for({rec(0, "issue", "letsencrypt.org.")}, ask("letsencrypt.org"));
        CHECK(dot.verdict == Verdict::deny);
        CHECK(dot.rule == "issuer-case-mismatch");
        // A permit elsewhere in the set still stands.
        CHECK(decide_for({rec(0, "issue", "LetsEncrypt.org"), rec(0, "issue", "letsencrypt.org")},
                         ask("letsencrypt.org"))
                  .verdict == Verdict::permit);
        // The request's own spelling does not matter: CA identifiers are lower case.
        CHECK(decide_for({rec(0, "issue", "letsencrypt.org")}, ask("LETSENCRYPT.org.")).verdict ==
              Verdict::permit);
    }

    TEST_CASE("parameter tags with inner hyphens: RFC grammar, refused by Boulder, deny wins") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org; a-b=c")}, ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == "record-unsatisfiable");
        CHECK(d.reason.find("allows but Let's Encrypt refuses") != std::string::npos);
        CHECK_FALSE(d.records[0].malformed); // well-formed by RFC 8659 section 4.2
        CHECK(
            decide_for({rec(0, "issue", "letsencrypt.org.com")}, ask("letsencrypt.org")).verdict ==
            Verdict::deny);
    }

    TEST_CASE("the issuer list names every authorised CA") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org"), rec(0, "issue", "digicert.com"),
                             rec(0, "issue", "pki.goog; accounturi=https://x/1")},
                            ask("sectigo.com"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::issuer_not_listed);
        CHECK(d.reason.find("letsencrypt.org, digicert.com, pki.goog") != std::string::npos);
        CHECK(d.non_wildcard.grant_records == std::vector<std::size_t>{0, 1, 2});
        CHECK(d.records[2].grant->account_uris == std::vector<std::string>{"https://x/1"});
    }

    TEST_CASE("Boulder's parsing cases") {
        CHECK(decide_for({rec(0, "issue", "  letsencrypt.org  ;foo=bar;baz=bar")},
                         ask("letsencrypt.org"))
                  .verdict == Verdict::permit);
        auto bad_key =
            decide_for({rec(0, "issue", "letsencrypt.org; a_b=c")}, ask("letsencrypt.org"));
        CHECK(bad_key.verdict == Verdict::deny);
        CHECK(bad_key.rule == rule::record_malformed);
        CHECK(bad_key.records[0].malformed);
        auto bad_value =
            decide_for({rec(0, "issue", "letsencrypt.org; foo=b ar")}, ask("letsencrypt.org"));
        CHECK(bad_value.verdict == Verdict::deny);
        CHECK(bad_value.rule == rule::record_malformed);
        CHECK(decide_for({rec(0, "issue", "letsencrypt.org;")}, ask("letsencrypt.org")).verdict ==
              Verdict::permit);
    }

    TEST_CASE("a malformed record authorises nobody, but a well-formed one next to it does") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org; ="), rec(0, "issue", "x.org")},
                            ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::record_malformed);
        CHECK(d.non_wildcard.grant_records == std::vector<std::size_t>{1});
        CHECK(
            decide_for({rec(0, "issue", "letsencrypt.org; ="), rec(0, "issue", "letsencrypt.org")},
                       ask("letsencrypt.org"))
                .verdict == Verdict::permit);
        // A malformed record naming another CA: the deny is simply "not listed".
        CHECK(decide_for({rec(0, "issue", "bad issuer")}, ask("letsencrypt.org")).rule ==
              rule::no_issuer);
    }

    TEST_CASE("accounturi must equal the request's account") {
        auto records = std::vector<caa::Record>{
            rec(0, "issue", "letsencrypt.org; accounturi=https://acme.example/acct/1")};
        auto request = ask("letsencrypt.org");
        request.account_uri = "https://acme.example/acct/1";
        auto permit = decide_for(records, request);
        CHECK(permit.verdict == Verdict::permit);
        CHECK(permit.rule == rule::issuer_authorised);
        CHECK_FALSE(permit.conditional);

        request.account_uri = "https://acme.example/acct/2";
        auto deny = decide_for(records, request);
        CHECK(deny.verdict == Verdict::deny);
        CHECK(deny.rule == rule::accounturi_mismatch);
        CHECK(deny.reason.find("acct/2") != std::string::npos);

        // Simple string comparison: no URI normalisation.
        request.account_uri = "https://ACME.example/acct/1";
        CHECK(decide_for(records, request).verdict == Verdict::deny);
    }

    TEST_CASE("two accounturi parameters make a record unsatisfiable") {
        auto request = ask("letsencrypt.org");
        request.account_uri = "https://a/1";
        auto d = decide_for({rec(0, "issue",
                                 "letsencrypt.org; accounturi=https://a/1; "
                                 "accounturi=https://a/1")},
                            request);
        CHECK(d.verdict == Verdict::deny);
        CHECK(d.rule == rule::record_unsatisfiable);
        CHECK(d.non_wildcard.grant_records.empty());
    }

    TEST_CASE("validationmethods must contain the request's method") {
        auto records = std::vector<caa::Record>{
            rec(0, "issue", "letsencrypt.org; validationmethods=dns-01,http-01")};
        auto request = ask("letsencrypt.org");
        request.method = "http-01";
        CHECK(decide_for(records, request).verdict == Verdict::permit);
        request.method = "tls-alpn-01";
        auto deny = decide_for(records, request);
        CHECK(deny.verdict == Verdict::deny);
        CHECK(deny.rule == rule::validationmethods_mismatch);
        // A label outside the grammar spoils the whole record (as in Boulder).
        request.method = "dns-01";
        auto bad =
            decide_for({rec(0, "issue", "letsencrypt.org; validationmethods=dns-01,h_1")}, request);
        CHECK(bad.verdict == Verdict::deny);
        CHECK(bad.rule == rule::record_unsatisfiable);
    }

    TEST_CASE("without --account-uri/--method a restricted record permits conditionally") {
        auto records = std::vector<caa::Record>{
            rec(0, "issue", "letsencrypt.org; accounturi=https://a/1; validationmethods=dns-01")};
        auto d = decide_for(records, ask("letsencrypt.org"));
        CHECK(d.verdict == Verdict::permit);
        CHECK(d.conditional);
        CHECK(d.rule == rule::issuer_authorised_restricted);
        CHECK(d.reason.find("only for account https://a/1") != std::string::npos);
        CHECK(d.reason.find("dns-01") != std::string::npos);
        // An unrestricted record for the same CA wins over the conditional one.
        records.push_back(rec(0, "issue", "letsencrypt.org"));
        auto plain = decide_for(records, ask("letsencrypt.org"));
        CHECK(plain.rule == rule::issuer_authorised);
        CHECK_FALSE(plain.conditional);
        CHECK(plain.deciding_records == std::vector<std::size_t>{1});
    }

    TEST_CASE("parameter keys are case-sensitive: AccountURI restricts nothing (Boulder)") {
        auto request = ask("letsencrypt.org");
        request.account_uri = "https://a/2";
        auto d = decide_for({rec(0, "issue", "letsencrypt.org; AccountURI=https://a/1")}, request);
        CHECK(d.verdict == Verdict::permit);
        CHECK(d.rule == rule::issuer_authorised);
    }

    TEST_CASE("without a CA the issuers are reported, nothing decided") {
        auto d = decide_for({rec(0, "issue", "letsencrypt.org")}, Request{});
        CHECK(d.verdict == Verdict::undecided);
        CHECK(d.rule == rule::report_only);
        CHECK(d.non_wildcard.grant_records.size() == 1);
    }

    TEST_CASE("the reason names where the set was found after an alias") {
        auto result = found({rec(0, "issue", ";")}, "www.example.com");
        result.found_at = "cdn.example.net";
        auto d = decide::decide(result, ask("letsencrypt.org"));
        CHECK(d.reason.find("www.example.com (found at cdn.example.net)") != std::string::npos);
    }

    TEST_CASE("describe_restrictions") {
        Grant grant;
        CHECK(describe_restrictions(grant).empty());
        grant.account_uris = {"https://a/1"};
        grant.methods_restricted = true;
        grant.validation_methods = {"dns-01", "http-01"};
        CHECK(describe_restrictions(grant) ==
              "only for account https://a/1; only by validation methods dns-01, http-01");
    }
}
