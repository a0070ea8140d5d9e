#include "caapol/lint/lint.hpp"

#include <doctest/doctest.h>
#include <set>

using namespace caapol;

namespace {

const std::string head = "@ SOA ns1 hm 1 2 3 4 5\n"; // line 1

Diagnostics lint_text(const std::string& text, const std::string& policy_text = "",
                      bool strict = false) {
    Diagnostics diagnostics;
    zone::ZoneSet set;
    zone::LoadOptions options;
    options.allow_include = false;
    policy::Policy policy;
    if (!policy_text.empty()) {
        Diagnostics policy_diagnostics;
        policy = policy::load_from_string(policy_text, "p.toml", policy_diagnostics);
        REQUIRE_MESSAGE(!policy_diagnostics.has_errors(), "policy must be valid");
        for (const auto& domain : policy.domains) {
            options.names_of_interest.push_back(domain.name);
        }
    }
    zone::load_zone_text(text, "db.example.com", options, set, diagnostics);
    lint::check_records(set, diagnostics);
    if (!policy_text.empty()) {
        lint::DriftOptions drift;
        drift.strict = strict;
        lint::check_policy(set, policy, drift, diagnostics);
    }
    diagnostics.sort_by_location();
    return diagnostics;
}

// The lines at which `rule` was reported.
std::vector<std::uint32_t> lines_of(const Diagnostics& diagnostics, const std::string& rule) {
    std::vector<std::uint32_t> lines;
    for (const auto& d : diagnostics.all()) {
        if (d.rule == rule) {
            lines.push_back(d.location.line);
        }
    }
    return lines;
}

std::string dump(const Diagnostics& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics.all()) {
        out += format_diagnostic(d) + "\n";
    }
    return out;
}

struct Case {
    const char* rule;
    std::string bad;  // triggers the rule at line 2 (after the SOA), and nothing at line 3
    std::string good; // a near miss that does not trigger it
};

} // namespace

TEST_SUITE("lint") {
    TEST_CASE("every record rule: a zone that triggers it at its line, and one that does not") {
        const std::vector<Case> cases = {
            {"critical-unknown-tag", "@ CAA 128 issuer \"x\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 128 issue \"letsencrypt.org\"\n"},
            {"flag-reserved-bits", "@ CAA 1 issue \"letsencrypt.org\"\n",
             "@ CAA 128 issue \"letsencrypt.org\"\n"},
            {"tag-syntax", "@ CAA 0 is-sue \"x\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 issue \"letsencrypt.org\"\n"},
            {"tag-case", "@ CAA 0 Issue \"letsencrypt.org\"\n",
             "@ CAA 0 issue \"letsencrypt.org\"\n"},
            {"tag-length", "@ CAA 0 abcdefghijklmnop \"x\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 abcdefghijklmno \"x\"\n@ CAA 0 issue \";\"\n"},
            {"unknown-tag", "@ CAA 0 tbs \"x\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 issuemail \";\"\n@ CAA 0 issue \";\"\n"},
            {"reserved-tag", "@ CAA 0 auth \"x\"\n@ CAA 0 issue \";\"\n", "@ CAA 0 issue \";\"\n"},
            {"issuer-syntax", "@ CAA 0 issue \"-bad-.example\"\n",
             "@ CAA 0 issue \"letsencrypt.org.\"\n"},
            {"parameter-syntax", "@ CAA 0 issue \"letsencrypt.org; =x\"\n",
             "@ CAA 0 issue \"letsencrypt.org; validationmethods=dns-01\"\n"},
            {"unknown-issuer", "@ CAA 0 issue \"letsecrypt.org\"\n",
             "@ CAA 0 issue \"pki.goog\"\n"},
            {"issuer-case", "@ CAA 0 issue \"Pki.Goog\"\n", "@ CAA 0 issue \"pki.goog\"\n"},
            {"parameter-case",
             "@ CAA 0 issue \"letsencrypt.org; AccountURI=https://a.example/1\"\n",
             "@ CAA 0 issue \"letsencrypt.org; accounturi=https://a.example/1\"\n"},
            {"parameter-hyphen", "@ CAA 0 issue \"letsencrypt.org; a-b=c\"\n",
             "@ CAA 0 issue \"letsencrypt.org; ab=c\"\n"},
            {"unknown-validation-method",
             "@ CAA 0 issue \"letsencrypt.org; validationmethods=dns-01,http-1\"\n",
             "@ CAA 0 issue \"letsencrypt.org; validationmethods=dns-01,ca-custom\"\n"},
            {"duplicate-parameter",
             "@ CAA 0 issue \"letsencrypt.org; accounturi=https://a.example/1; "
             "accounturi=https://a.example/2\"\n",
             "@ CAA 0 issue \"letsencrypt.org; accounturi=https://a.example/1\"\n"},
            {"accounturi-syntax", "@ CAA 0 issue \"letsencrypt.org; accounturi=123\"\n",
             "@ CAA 0 issue \"letsencrypt.org; accounturi=https://a.example/1\"\n"},
            {"iodef-url", "@ CAA 0 iodef \"ftp://example.com/\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 iodef \"https://example.com/caa\"\n@ CAA 0 issue \";\"\n"},
            {"contactemail-syntax",
             "@ CAA 0 contactemail \"a@example.com, b@example.com\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 contactemail \"pki@example.com\"\n@ CAA 0 issue \";\"\n"},
            {"contactphone-syntax",
             "@ CAA 0 contactphone \"tel:+15551234567\"\n@ CAA 0 issue \";\"\n",
             "@ CAA 0 contactphone \"+1 555 123 4567\"\n@ CAA 0 issue \";\"\n"},
            {"issuewild-without-issue", "@ CAA 0 issuewild \"letsencrypt.org\"\n",
             "@ CAA 0 issue \";\"\n@ CAA 0 issuewild \"letsencrypt.org\"\n"},
            {"empty-issuer-with-others", "@ CAA 0 issue \";\"\n@ CAA 0 issue \"pki.goog\"\n",
             "@ CAA 0 issue \";\"\n@ CAA 0 issuewild \"pki.goog\"\n"},
            {"no-restriction", "@ CAA 0 iodef \"mailto:a@example.com\"\n",
             "@ CAA 0 iodef \"mailto:a@example.com\"\n@ CAA 128 tbs \"x\"\n"},
            {"duplicate-record", "@ CAA 0 issue \"pki.goog\"\n@ CAA 0 issue \"pki.goog\"\n",
             "@ CAA 0 issue \"pki.goog\"\n@ CAA 128 issue \"pki.goog\"\n"},
            {"cname-conflict", "x CAA 0 issue \"pki.goog\"\nx CNAME www\n",
             "x CAA 0 issue \"pki.goog\"\ny CNAME x\n"},
            {"duplicate-alias", "x CNAME a\nx CNAME b\n", "x CNAME a\nx CNAME a\n"},
            {"data-below-dname", "y.x CAA 0 issue \";\"\nx DNAME example.net.\n",
             "x CAA 0 issue \";\"\nx DNAME example.net.\n"},
            {"dname-at-delegation", "x DNAME example.net.\nx NS ns.example.net.\n",
             "x DNAME example.net.\ny NS ns.example.net.\n"},
            {"occluded-data", "y.x CAA 0 issue \";\"\nx NS ns.example.net.\n",
             "y.x CAA 0 issue \";\"\ny NS ns.example.net.\n"},
            {"duplicate-soa", "@ SOA ns1 hm 2 2 3 4 5\n", "@ NS ns1\n"},
            {"record-class", "@ CH CAA 0 issue \";\"\n", "@ CLASS1 CAA 0 issue \";\"\n"},
            {"wildcard-owner", "*.x CAA 0 issue \"pki.goog\"\n",
             "x CAA 0 issuewild \"pki.goog\"\nx CAA 0 issue \";\"\n"},
        };
        std::set<std::string> covered;
        for (const auto& c : cases) {
            CAPTURE(c.rule);
            auto bad = lint_text(head + c.bad);
            INFO(dump(bad));
            // A duplicate is reported at the repeat; everything else at the first record.
            std::uint32_t expected_line = std::string(c.rule) == "duplicate-record" ||
                                                  std::string(c.rule) == "duplicate-alias"
                                              ? 3
                                              : 2;
            CHECK(lines_of(bad, c.rule) == std::vector<std::uint32_t>{expected_line});
            auto good = lint_text(head + c.good);
            INFO(dump(good));
            CHECK(lines_of(good, c.rule).empty());
            covered.insert(c.rule);
        }
        // The table covers every record rule of lint::rules().
        for (const auto& rule : lint::rules()) {
            std::string id = rule.id;
            if (id == "syntax" || id == "include-outside-root" || id.rfind("policy-", 0) == 0) {
                continue;
            }
            CHECK_MESSAGE(covered.count(id) == 1, id);
        }
    }

    TEST_CASE("a long malformed value is quoted in part, not whole") {
        std::string issuer(60000, 'a');
        issuer += "_b";
        auto d = lint_text("$ORIGIN example.test.\n@ 300 SOA ns h 1 2 3 4 5\n@ 300 CAA 0 issue \"" +
                           issuer + "; k=v\"\n");
        REQUIRE(lines_of(d, "issuer-syntax") == std::vector<std::uint32_t>{3});
        for (const auto& diagnostic : d.all()) {
            CHECK(diagnostic.message.size() < 1000);
        }
    }

    TEST_CASE("a clean set gets no finding") {
        auto d = lint_text(head + "@ CAA 0 issue letsencrypt.org\n"
                                  "@ CAA 0 issue \"pki.goog; validationmethods=dns-01\"\n"
                                  "@ CAA 0 issuewild \";\"\n"
                                  "@ CAA 0 iodef \"mailto:security@example.com\"\n"
                                  "@ CAA 0 issuemail \"digicert.com\"\n"
                                  "@ CAA 0 contactemail \"pki@example.com\"\n");
        CHECK(dump(d) == "");
    }

    TEST_CASE("rule table: stable ids and the severities of the issue") {
        CHECK(lint::rules().size() == 38);
        CHECK(lint::find_rule("syntax")->severity == Severity::error);
        // The servers refuse these zones: errors (issue 10).
        for (const char* id :
             {"tag-case", "tag-length", "cname-conflict", "duplicate-alias", "data-below-dname",
              "dname-at-delegation", "duplicate-soa", "record-class"}) {
            CAPTURE(id);
            CHECK(lint::find_rule(id)->severity == Severity::error);
        }
        CHECK(lint::find_rule("occluded-data")->severity == Severity::warning);
        CHECK(lint::find_rule("reserved-tag")->severity == Severity::error);
        CHECK(lint::find_rule("unknown-validation-method")->severity == Severity::warning);
        CHECK(lint::find_rule("duplicate-parameter")->severity == Severity::error);
        CHECK(lint::find_rule("policy-ttl")->severity == Severity::note);
        CHECK(lint::find_rule("policy-inherit")->severity == Severity::error);
        CHECK(lint::find_rule("nope") == nullptr);
    }

    TEST_CASE("what servers refuse: every shape, in either order") {
        struct Refused {
            const char* rule;
            std::string zone;                 // after the SOA at line 1
            std::vector<std::uint32_t> lines; // where `rule` is reported
        };
        const std::vector<Refused> cases = {
            // A CNAME beside data of each kind, before and after it.
            {"cname-conflict", "x A 192.0.2.1\nx CNAME a\n", {3}},
            {"cname-conflict", "x CNAME a\nx MX 10 mail\n", {2}},
            {"cname-conflict", "x CNAME a\nx DNAME example.net.\n", {2}},
            {"cname-conflict", "x NS ns.example.net.\nx CNAME a\n", {3}},
            {"cname-conflict", "@ CNAME example.net.\n", {2}},
            {"duplicate-alias", "x DNAME a.example.net.\nx DNAME b.example.net.\n", {3}},
            // Below a DNAME: kept names at their record, others at the DNAME.
            {"data-below-dname", "x DNAME example.net.\ny.x CAA 0 issue \";\"\n", {3}},
            {"data-below-dname", "x DNAME example.net.\n*.x CAA 0 issue \";\"\n", {3}},
            {"data-below-dname", "x DNAME example.net.\nz.y.x A 192.0.2.1\n", {2}},
            {"data-below-dname", "z.y.x A 192.0.2.1\nx DNAME example.net.\n", {3}},
            {"data-below-dname", "@ DNAME example.net.\nns1 A 192.0.2.1\n", {2}},
            {"data-below-dname", "x DNAME example.net.\ny.x NS ns.example.net.\n", {3}},
            // Occluded: at the cut and below it, CAA and aliases.
            {"occluded-data", "x NS ns.example.net.\nx CAA 0 issue \";\"\n", {3}},
            {"occluded-data", "x NS ns.example.net.\nz.y.x CAA 0 issue \";\"\n", {3}},
            {"occluded-data", "x NS ns.example.net.\ny.x CNAME a\n", {3}},
            {"duplicate-soa", "$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n", {3}},
        };
        for (const auto& c : cases) {
            CAPTURE(c.zone);
            auto d = lint_text(head + c.zone);
            INFO(dump(d));
            CHECK(lines_of(d, c.rule) == c.lines);
            CHECK(d.has_errors() == (std::string(c.rule) != "occluded-data"));
        }
        // What servers load: no error of these rules.
        for (const std::string& zone :
             {std::string("x CNAME a\nx RRSIG CNAME 8 3 60 20300101000000 20200101000000 1 "
                          "example.com. AAAA\nx NSEC z CNAME RRSIG NSEC\n"),
              std::string("x DNAME example.net.\nx CAA 0 issue \";\"\nxx.y A 192.0.2.1\n"),
              std::string("@ NS ns1\n@ CAA 0 issue \";\"\nns1.x A 192.0.2.1\nx NS ns1.x\n"),
              std::string("x CNAME a\nx CNAME a\ny.x A 192.0.2.1\n"),
              std::string("@ TYPE257 \\# 8 00 05 49 53 53 55 45 3b\n")}) {
            CAPTURE(zone);
            auto d = lint_text(head + zone);
            INFO(dump(d));
            CHECK_FALSE(d.has_errors());
            CHECK(lines_of(d, "occluded-data").empty());
        }
        // Upper case in the generic form: servers load it, so a warning, not an error.
        auto generic = lint_text(head + "@ TYPE257 \\# 8 00 05 49 53 53 55 45 3b\n");
        REQUIRE(generic.all().size() == 1);
        CHECK(generic.all()[0].rule == "tag-case");
        CHECK(generic.all()[0].severity == Severity::warning);
    }

    TEST_CASE("duplicates in small and in huge sets") {
        for (int size : {3, 40}) {
            CAPTURE(size);
            std::string zone = head + "@ CAA 0 issue \"pki.goog\"\n"; // line 2
            for (int i = 0; i < size; ++i) {
                zone += "@ CAA 0 iodef \"mailto:a" + std::to_string(i) + "@example.com\"\n";
            }
            zone += "@ CAA 0 ISSUE \"pki.goog\"\n"; // equivalent to line 2 (tags match in any case)
            zone += "@ CAA 0 issue \"pki.goog\"\n";
            auto d = lint_text(zone);
            INFO(dump(d));
            const auto last = static_cast<std::uint32_t>(size + 3);
            CHECK(lines_of(d, "duplicate-record") == std::vector<std::uint32_t>{last, last + 1});
            for (const auto& diagnostic : d.all()) {
                if (diagnostic.rule == "duplicate-record") {
                    CHECK(diagnostic.message.find(":2:1") != std::string::npos);
                }
            }
        }
    }

    TEST_CASE("a name checked through two loaded zones is reported once") {
        Diagnostics diagnostics;
        zone::ZoneSet set;
        zone::LoadOptions options;
        options.allow_include = false;
        Diagnostics policy_diagnostics;
        policy::Policy policy = policy::load_from_string(
            "version = 1\n[domain.\"example.com\"]\nissue = [\"letsencrypt.org\"]\n", "p.toml",
            policy_diagnostics);
        REQUIRE_FALSE(policy_diagnostics.has_errors());
        zone::load_zone_text("@ SOA ns1 hm 1 2 3 4 5\n@ CAA 0 issue \"letsencrypt.org\"\n"
                             "sub CAA 0 issue \"pki.goog\"\n",
                             "db.example.com", options, set, diagnostics);
        zone::load_zone_text("@ SOA ns1 hm 1 2 3 4 5\n@ CAA 0 issue \"pki.goog\"\n",
                             "db.sub.example.com", options, set, diagnostics);
        lint::check_records(set, diagnostics);
        lint::check_policy(set, policy, lint::DriftOptions{}, diagnostics);
        diagnostics.sort_by_location();
        INFO(dump(diagnostics));
        CHECK(lines_of(diagnostics, "policy-missing") == std::vector<std::uint32_t>{2});
        CHECK(lines_of(diagnostics, "policy-unexpected") == std::vector<std::uint32_t>{2});
    }

    TEST_CASE("policy drift: missing, unexpected, inherit, ttl, unchecked") {
        const std::string policy = "version = 1\n"
                                   "[domain.\"example.com\"]\n" // 2
                                   "issue = [\"letsencrypt.org\"]\n"
                                   "[domain.\"shop.example.com\"]\n" // 4
                                   "ttl = 300\n"
                                   "issue = [\"pki.goog\"]\n"
                                   "[domain.\"blog.example.com\"]\n" // 7
                                   "inherit = true\n"
                                   "[domain.\"api.example.com\"]\n" // 9
                                   "issue = [\"sectigo.com\"]\n"
                                   "[domain.\"example.org\"]\n" // 11
                                   "issue = [\"sectigo.com\"]\n";
        auto clean = lint_text(head + "@ 3600 CAA 0 issue \"letsencrypt.org\"\n"
                                      "shop 300 CAA 0 issue \"pki.goog\"\n"
                                      "api 3600 CAA 0 issue \"sectigo.com\"\n"
                                      "www A 192.0.2.1\n"
                                      "blog A 192.0.2.1\n",
                               policy);
        CHECK(dump(clean) == "p.toml:11:9: note: example.org. is outside every loaded zone: not "
                             "checked against the policy [policy-unchecked]\n");

        auto bad = lint_text(head + "@ 3600 CAA 0 issue \"letsencrypt.org\"\n"    // 2
                                    "@ 3600 CAA 0 issue \"digicert.com\"\n"       // 3
                                    "shop 60 CAA 0 issue \"pki.goog\"\n"          // 4
                                    "blog 3600 CAA 0 issue \"letsencrypt.org\"\n" // 5
                                    "www 3600 CAA 0 issue \"letsencrypt.org\"\n", // 6
                             policy, true);
        CHECK(dump(bad) ==
              "db.example.com:1:1: error: api.example.com. lacks 0 issue \"sectigo.com\", "
              "required by the policy (p.toml:9:9); its CAA set comes from example.com. "
              "[policy-missing]\n"
              "db.example.com:1:1: error: 0 issue \"digicert.com\" at api.example.com. is not in "
              "the policy (p.toml:9:9); api.example.com. gets it from example.com. "
              "(db.example.com:3:1) [policy-unexpected]\n"
              "db.example.com:1:1: error: 0 issue \"letsencrypt.org\" at api.example.com. is not "
              "in the policy (p.toml:9:9); api.example.com. gets it from example.com. "
              "(db.example.com:2:1) [policy-unexpected]\n"
              "db.example.com:3:1: error: 0 issue \"digicert.com\" at example.com. is not in the "
              "policy (p.toml:2:9) [policy-unexpected]\n"
              "db.example.com:4:1: note: TTL 60 differs from 300 in the policy (p.toml:4:9) "
              "[policy-ttl]\n"
              "db.example.com:5:1: error: blog.example.com. must inherit its CAA set (inherit = "
              "true at p.toml:7:9) but has records of its own [policy-inherit]\n"
              "p.toml:11:9: error: example.org. is outside every loaded zone: not checked "
              "against the policy [policy-unchecked]\n");
    }

    TEST_CASE("policy drift: a policy domain with no CAA anywhere in its zone") {
        const std::string policy = "version = 1\n"
                                   "[domain.\"example.com\"]\n"
                                   "issue = [\"letsencrypt.org\"]\n";
        auto d = lint_text(head + "www A 192.0.2.1\n", policy);
        CHECK(dump(d) == "db.example.com:1:1: error: example.com. lacks 0 issue "
                         "\"letsencrypt.org\", required by the policy (p.toml:2:9); its CAA set "
                         "comes from nowhere in the loaded zones [policy-missing]\n");
    }

    TEST_CASE("policy drift: missing records of a name without CAA point at its first record") {
        const std::string policy = "version = 1\n"
                                   "[domain.\"example.com\"]\n"
                                   "issue = [\"letsencrypt.org\"]\n"
                                   "[domain.\"www.example.com\"]\n"
                                   "issue = [\"pki.goog\"]\n";
        auto d = lint_text(head + "@ CAA 0 issue \"letsencrypt.org\"\n"
                                  "mail A 192.0.2.1\n"
                                  "www A 192.0.2.2\n"
                                  "www AAAA 2001:db8::1\n",
                           policy);
        CHECK(lines_of(d, "policy-missing") == std::vector<std::uint32_t>{4});
        CHECK(lines_of(d, "policy-unexpected") == std::vector<std::uint32_t>{4});
    }

    TEST_CASE("policy drift: names under a policy domain must carry its set") {
        const std::string policy = "version = 1\n"
                                   "[domain.\"example.com\"]\n"
                                   "issue = [\"letsencrypt.org\"]\n";
        auto d = lint_text(head + "@ CAA 0 issue \"letsencrypt.org\"\n"
                                  "www CAA 0 issue \"pki.goog\"\n"
                                  "ok CAA 0 issue \"letsencrypt.org\"\n",
                           policy);
        CHECK(lines_of(d, "policy-missing") == std::vector<std::uint32_t>{3});
        CHECK(lines_of(d, "policy-unexpected") == std::vector<std::uint32_t>{3});
    }

    TEST_CASE("policy drift: a delegation without its zone is unchecked") {
        const std::string policy = "version = 1\n"
                                   "[domain.\"sub.example.com\"]\n"
                                   "issue = [\"letsencrypt.org\"]\n";
        auto d = lint_text(head + "sub NS ns.elsewhere.net.\n", policy);
        CHECK(lines_of(d, "policy-unchecked") == std::vector<std::uint32_t>{2});
        CHECK_FALSE(d.has_errors());
    }
}
