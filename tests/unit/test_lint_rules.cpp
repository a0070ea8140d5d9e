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
            {"wildcard-owner", "*.x CAA 0 issue \"pki.goog\"\n",
             "x CAA 0 issuewild \"pki.goog\"\nx CAA 0 issue \";\"\n"},
        };
        std::set<std::string> covered;
        for (const auto& c : cases) {
            CAPTURE(c.rule);
            auto bad = lint_text(head + c.bad);
            INFO(dump(bad));
            // A duplicate is reported at the repeat; everything else at the first record.
            std::uint32_t expected_line = std::string(c.rule) == "duplicate-record" ? 3 : 2;
            CHECK(lines_of(bad, c.rule) == std::vector<std::uint32_t>{expected_line});
            auto good = lint_text(head + c.good);
            INFO(dump(good));
            CHECK(lines_of(good, c.rule).empty());
            covered.insert(c.rule);
        }
        // The table covers every record rule of lint::rules().
        for (const auto& rule : lint::rules()) {
            std::string id = rule.id;
            // dnssec-*: signed zone files, checked by the lint-dnssec-signed CLI case.
            if (id == "syntax" || id == "include-outside-root" || id.rfind("policy-", 0) == 0 ||
                id.rfind("dnssec-", 0) == 0) {
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
        CHECK(lint::rules().size() == 36);
        CHECK(lint::find_rule("dnssec-signature-expiring")->severity == Severity::warning);
        CHECK(lint::find_rule("syntax")->severity == Severity::error);
        CHECK(lint::find_rule("tag-case")->severity == Severity::warning);
        CHECK(lint::find_rule("reserved-tag")->severity == Severity::error);
        CHECK(lint::find_rule("unknown-validation-method")->severity == Severity::warning);
        CHECK(lint::find_rule("duplicate-parameter")->severity == Severity::error);
        CHECK(lint::find_rule("policy-ttl")->severity == Severity::note);
        CHECK(lint::find_rule("policy-inherit")->severity == Severity::error);
        CHECK(lint::find_rule("nope") == nullptr);
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
