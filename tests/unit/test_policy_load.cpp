// Policy format v1: every rule fires at the right place, and clean policies stay clean.
#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>

using namespace caapol;

namespace {

struct Loaded {
    policy::Policy policy;
    Diagnostics diagnostics;
};

Loaded load(const std::string& text) {
    Loaded out;
    out.policy = policy::load_from_string(text, "p.toml", out.diagnostics);
    return out;
}

// The rule ids with their positions: "rule@line:col" joined by spaces.
std::string found(const Diagnostics& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics.all()) {
        out += (out.empty() ? "" : " ") + d.rule + "@" + std::to_string(d.location.line) + ":" +
               std::to_string(d.location.column);
    }
    return out;
}

const Diagnostic* first(const Diagnostics& diagnostics, const std::string& rule) {
    for (const auto& d : diagnostics.all()) {
        if (d.rule == rule) {
            return &d;
        }
    }
    return nullptr;
}

// A policy with one domain whose table body is `body`.
std::string domain(const std::string& body) {
    return "version = 1\n[domain.\"example.com\"]\n" + body + "\n";
}

std::string values(const policy::Domain& d) {
    std::string out;
    for (const auto& r : d.records) {
        out += std::to_string(r.record.flags) + " " + r.record.tag + " " + r.record.value + "\n";
    }
    return out;
}

} // namespace

TEST_SUITE("policy") {

    TEST_CASE("a clean policy: no diagnostics, records in generation order") {
        auto l =
            load(domain("property = [{ tag = \"tbs\", value = \"x y\" }]\n"
                        "contactphone = [\"+1 555 123 4567\"]\n"
                        "contactemail = [\"pki@example.com\"]\n"
                        "iodef = [\"mailto:sec@example.com\", { url = \"https://example.com/r\", "
                        "critical = true }]\n"
                        "issuevmc = [\"digicert.com\"]\n"
                        "issuemail = [\"digicert.com\"]\n"
                        "issuewild = []\n"
                        "issue = [\"pki.goog\", \"letsencrypt.org\"]\n"
                        "ttl = 600"));
        CHECK(found(l.diagnostics) == "");
        REQUIRE(l.policy.domains.size() == 1);
        const auto& d = l.policy.domains[0];
        CHECK(d.name == "example.com");
        CHECK(d.ttl == 600);
        CHECK_FALSE(d.inherit);
        CHECK(values(d) == "0 issue pki.goog\n"
                           "0 issue letsencrypt.org\n"
                           "0 issuewild ;\n"
                           "0 issuemail digicert.com\n"
                           "0 issuevmc digicert.com\n"
                           "0 iodef mailto:sec@example.com\n"
                           "128 iodef https://example.com/r\n"
                           "0 contactemail pki@example.com\n"
                           "0 contactphone +1 555 123 4567\n"
                           "0 tbs x y\n");
        // Each record points at the list entry that produced it.
        CHECK(d.records[0].location.line == 10);
        CHECK(d.records[0].location.column == 10);
        CHECK(d.records[1].location.column == 22);
        CHECK(d.records[2].location.line == 9);
        CHECK(d.records[2].location.column == 13);
        CHECK(d.location.line == 2);
        CHECK(d.location.file_name() == "p.toml");
        CHECK(d.record_set().size() == 10);
    }

    TEST_CASE("issuer entries: parameters in order, critical flag, lower case") {
        auto l =
            load(domain("issue = [{ ca = \"LetsEncrypt.org.\", validationmethods = [\"dns-01\", "
                        "\"http-01\"], params = { zz = \"1\", aa = \"2\" }, accounturi = "
                        "\"https://acme-v02.api.letsencrypt.org/acme/acct/1\", critical = true "
                        "}]"));
        REQUIRE(l.policy.domains.size() == 1);
        CHECK(values(l.policy.domains[0]) ==
              "128 issue letsencrypt.org; "
              "accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1; "
              "validationmethods=dns-01,http-01; zz=1; aa=2\n");
        // The note: production account only, while Let's Encrypt has a staging directory.
        CHECK(found(l.diagnostics) == "issuer-case@3:17 accounturi-production-only@3:10");
    }

    TEST_CASE("\"none\" and [] emit one ';' record") {
        auto l = load(domain("issue = \"none\"\nissuewild = \"none\"\nissuemail = []"));
        CHECK(values(l.policy.domains[0]) == "0 issue ;\n0 issuewild ;\n0 issuemail ;\n");
        CHECK(found(l.diagnostics) == "redundant-issuewild@4:1");
    }

    TEST_CASE("toml-syntax") {
        auto l = load("version = 1\n[domain.\"a.com\"\nissue = []\n");
        CHECK(found(l.diagnostics) == "toml-syntax@2:16");
    }

    TEST_CASE("inline tables may span lines and end with a comma (TOML 1.1, as the format's "
              "example)") {
        auto i = load("version = 1\n[domain.\"a.com\"]\nissue = [\n  { ca = \"pki.goog\",\n"
                      "    validationmethods = [\"dns-01\"], },\n]\n");
        CHECK(i.diagnostics.empty());
        REQUIRE(i.policy.domains.size() == 1);
        CHECK(values(i.policy.domains[0]) == "0 issue pki.goog; validationmethods=dns-01\n");
    }

    TEST_CASE("a key set twice is a TOML error, explained") {
        auto l = load(domain("issue = []\nttl = 5\nissue = [\"pki.goog\"]"));
        CHECK(found(l.diagnostics) == "toml-syntax@5:9");
        CHECK(l.diagnostics.all()[0].message.find("only once") != std::string::npos);
    }

    TEST_CASE("unknown-key with did-you-mean") {
        auto l = load(domain("issue = []\nisuewild = []"));
        CHECK(found(l.diagnostics) == "unknown-key@4:1");
        CHECK(l.diagnostics.all()[0].message.find("did you mean \"issuewild\"?") !=
              std::string::npos);
        auto top = load("version = 1\n[domains.\"a.com\"]\nissue = []\n");
        CHECK(found(top.diagnostics) == "no-domains@1:1 unknown-key@2:2");
        CHECK(top.diagnostics.all()[1].message.find("did you mean \"domain\"?") !=
              std::string::npos);
        auto entry = load(domain("issue = [{ ca = \"pki.goog\", acounturi = \"x\" }]"));
        CHECK(found(entry.diagnostics) == "unknown-key@3:29");
        CHECK(entry.diagnostics.all()[0].message.find("\"accounturi\"") != std::string::npos);
        // Unquoted dots make nested tables: say how to quote.
        auto dotted = load("version = 1\n[domain.example.com]\nissue = []\n");
        const auto* d = first(dotted.diagnostics, "unknown-key");
        REQUIRE(d != nullptr);
        CHECK(d->message.find("quote it") != std::string::npos);
        CHECK(found(load(domain("issue = []\nissuewild = [\"pki.goog\"]")).diagnostics) == "");
    }

    TEST_CASE("wrong-type") {
        CHECK(found(load(domain("issue = 5")).diagnostics) == "wrong-type@3:9");
        CHECK(found(load(domain("issue = \"pki.goog\"")).diagnostics) == "wrong-type@3:9");
        CHECK(found(load(domain("issue = [5]")).diagnostics) == "wrong-type@3:10");
        CHECK(found(load(domain("issue = []\nttl = \"300\"")).diagnostics) == "wrong-type@4:7");
        CHECK(found(load(domain("issue = []\ninherit = \"yes\"")).diagnostics) ==
              "wrong-type@4:11");
        CHECK(found(load(domain("issue = []\niodef = \"mailto:a@b.c\"")).diagnostics) ==
              "wrong-type@4:9");
        CHECK(found(load("version = 1\ndomain = 5\n").diagnostics) == "wrong-type@2:10");
        CHECK(found(load("version = 1\ndomain.\"a.com\" = 5\n").diagnostics) == "wrong-type@2:18");
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", critical = 1 }]")).diagnostics) ==
              "wrong-type@3:40");
    }

    TEST_CASE("missing-version and unsupported-version") {
        CHECK(found(load("[domain.\"a.com\"]\nissue = []\n").diagnostics) == "missing-version@1:1");
        auto two = load("version = 2\n[domain.\"a.com\"]\nissue = []\n");
        CHECK(found(two.diagnostics) == "unsupported-version@1:11");
        CHECK(two.diagnostics.all()[0].message.find("supports version 1") != std::string::npos);
        auto text = load("version = \"1\"\n[domain.\"a.com\"]\nissue = []\n");
        CHECK(found(text.diagnostics) == "unsupported-version@1:11");
        CHECK(text.diagnostics.all()[0].message.find("must be the integer 1") != std::string::npos);
    }

    TEST_CASE("domain-name") {
        for (const char* bad : {"exa mple.com", "*.example.com",
                                "b\xc3\xbc"
                                "cher.de",
                                "a..com", "-a.com", "."}) {
            CAPTURE(bad);
            auto l = load("version = 1\n[domain.\"" + std::string(bad) + "\"]\nissue = []\n");
            CHECK(found(l.diagnostics) == "domain-name@2:9");
            CHECK(l.policy.domains.empty());
        }
        auto wild = load("version = 1\n[domain.\"*.example.com\"]\nissue = []\n");
        CHECK(wild.diagnostics.all()[0].message.find("issuewild") != std::string::npos);
        auto idn = load("version = 1\n[domain.\"b\xc3\xbc"
                        "cher.de\"]\nissue = []\n");
        CHECK(idn.diagnostics.all()[0].message.find("A-labels") != std::string::npos);
        auto ok = load("version = 1\n[domain.\"XN--Bcher-kva.DE.\"]\nissue = []\n");
        CHECK(found(ok.diagnostics) == "");
        CHECK(ok.policy.domains.at(0).name == "xn--bcher-kva.de");
    }

    TEST_CASE("inherit") {
        auto l = load("version = 1\n[domain.\"a.com\"]\nissue = []\n"
                      "[domain.\"b.a.com\"]\ninherit = true\nissue = [\"pki.goog\"]\n");
        CHECK(found(l.diagnostics) == "inherit-with-records@6:1");
        auto ok = load("version = 1\n[defaults]\nissue = []\n[domain.\"a.com\"]\n"
                       "[domain.\"b.a.com\"]\ninherit = true\n");
        CHECK(found(ok.diagnostics) == "");
        REQUIRE(ok.policy.domains.size() == 2);
        CHECK(ok.policy.domains[1].inherit);
        CHECK(ok.policy.domains[1].records.empty()); // defaults do not reach inherit domains
        auto no_parent = load("version = 1\n[domain.\"b.a.com\"]\ninherit = true\n");
        CHECK(found(no_parent.diagnostics) == "inherit-without-parent@2:9");
        auto explicit_false = load(domain("inherit = false\nissue = []"));
        CHECK(found(explicit_false.diagnostics) == "");
        CHECK(explicit_false.policy.domains[0].records.size() == 1);
        auto in_defaults = load("version = 1\n[defaults]\ninherit = true\n[domain.\"a.com\"]\n"
                                "issue = []\n");
        CHECK(found(in_defaults.diagnostics) == "inherit-in-defaults@3:1");
    }

    TEST_CASE("duplicate-domain within one file") {
        auto same = load("version = 1\n[domain.\"a.com\"]\nissue = []\n\n[domain.\"a.com\"]\n"
                         "ttl = 5\n");
        CHECK(found(same.diagnostics) == "duplicate-domain@5:1");
        CHECK(same.diagnostics.all()[0].message.find("here and at p.toml:2") != std::string::npos);
        auto spelled = load("version = 1\n[domain.\"A.com\"]\nissue = []\n[domain.\"a.com.\"]\n"
                            "issue = []\n");
        CHECK(found(spelled.diagnostics) == "duplicate-domain@4:9");
        CHECK(spelled.diagnostics.all()[0].message.find("p.toml:2:9") != std::string::npos);
        CHECK(spelled.policy.domains.size() == 1);
    }

    TEST_CASE("duplicate-domain across files names both") {
        Diagnostics diagnostics;
        std::string dir = std::string(CAAPOL_TEST_DATA) + "/policy/";
        auto policy = policy::load({dir + "split-a.toml", dir + "split-b.toml"}, diagnostics);
        REQUIRE(diagnostics.all().size() == 1);
        const auto& d = diagnostics.all()[0];
        CHECK(d.rule == "duplicate-domain");
        CHECK(d.location.file == dir + "split-b.toml");
        CHECK(d.location.line == 5);
        CHECK(d.message.find(dir + "split-a.toml:4:9") != std::string::npos);
        CHECK(policy.files.size() == 2);
        CHECK(policy.domains.size() == 3);
    }

    TEST_CASE("unreadable file throws InputError") {
        Diagnostics diagnostics;
        CHECK_THROWS_AS(policy::load({"/nonexistent/p.toml"}, diagnostics), InputError);
    }

    TEST_CASE("issuer-syntax and none-in-list") {
        CHECK(found(load(domain("issue = [\"lets encrypt.org\"]")).diagnostics) ==
              "issuer-syntax@3:10");
        auto params = load(domain("issue = [\"letsencrypt.org; accounturi=x\"]"));
        CHECK(found(params.diagnostics) == "issuer-syntax@3:10");
        CHECK(params.diagnostics.all()[0].message.find("as a table") != std::string::npos);
        CHECK(found(load(domain("issue = [\"\"]")).diagnostics) == "issuer-syntax@3:10");
        CHECK(found(load(domain("issue = [{ ca = \"a\\\"b.com\" }]")).diagnostics) ==
              "issuer-syntax@3:17");
        CHECK(found(load(domain("issue = [\"none\"]")).diagnostics) == "none-in-list@3:10");
        CHECK(found(load(domain("issue = [{ critical = true }]")).diagnostics) ==
              "missing-key@3:10");
    }

    TEST_CASE("parameter-syntax and duplicate-parameter") {
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", params = { \"a-b\" = \"1\" } }]"))
                        .diagnostics) == "parameter-syntax@3:40");
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", params = { a = \"x y\" } }]"))
                        .diagnostics) == "parameter-syntax@3:44");
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", params = { a = \"x;y\" } }]"))
                        .diagnostics) == "parameter-syntax@3:44");
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", params = { a = \"\" } }]"))
                        .diagnostics) == "");
        CHECK(
            found(load(domain("issue = [{ ca = \"pki.goog\", params = { AccountURI = \"x:y\" } }]"))
                      .diagnostics) == "duplicate-parameter@3:40");
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", accounturi = \"https://a/b;c\" }]"))
                        .diagnostics) == "account-uri@3:42");
    }

    TEST_CASE("validation-method") {
        auto typo =
            load(domain("issue = [{ ca = \"pki.goog\", validationmethods = [\"dns-02\"] }]"));
        CHECK(found(typo.diagnostics) == "validation-method@3:50");
        CHECK(typo.diagnostics.all()[0].message.find("did you mean \"dns-01\"?") !=
              std::string::npos);
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", validationmethods = [] }]"))
                        .diagnostics) == "validation-method@3:49");
        auto ok = load(domain("issue = [{ ca = \"pki.goog\", validationmethods = [\"ca-custom\", "
                              "\"tls-alpn-01\"] }]"));
        CHECK(found(ok.diagnostics) == "");
        CHECK(values(ok.policy.domains[0]) ==
              "0 issue pki.goog; validationmethods=ca-custom,tls-alpn-01\n");
    }

    TEST_CASE("account-uri") {
        CHECK(found(load(domain("issue = [{ ca = \"pki.goog\", accounturi = \"acct/1\" }]"))
                        .diagnostics) == "account-uri@3:42");
        CHECK(
            found(
                load(domain("issue = [{ ca = \"pki.goog\", accounturi = \"https://a.b/acct/1\" }]"))
                    .diagnostics) == "accounturi-other-ca@3:10"); // valid, but not Google's host
    }

    TEST_CASE("iodef-url and forbidden-character") {
        CHECK(found(load(domain("issue = []\niodef = [\"ftp://example.com/x\"]")).diagnostics) ==
              "iodef-url@4:10");
        CHECK(found(load(domain("issue = []\niodef = [\"https://a.com/\\\"x\"]")).diagnostics) ==
              "forbidden-character@4:10");
        CHECK(found(load(domain("issue = []\niodef = [{ url = \"mailto:a@b.com\\n\" }]"))
                        .diagnostics) == "forbidden-character@4:18");
        CHECK(found(load(domain("issue = []\niodef = [{ critical = true }]")).diagnostics) ==
              "missing-key@4:10");
        CHECK(found(load(domain("issue = []\niodef = []")).diagnostics) == "");
    }

    TEST_CASE("contact-email and contact-phone") {
        CHECK(found(load(domain("issue = []\ncontactemail = [\"not-an-address\"]")).diagnostics) ==
              "contact-email@4:17");
        CHECK(found(load(domain("issue = []\ncontactemail = [\"a\\u0007@b.com\"]")).diagnostics) ==
              "forbidden-character@4:17");
        CHECK(found(load(domain("issue = []\ncontactphone = [\"tel:+1-555-1234\"]")).diagnostics) ==
              "contact-phone@4:17");
        CHECK(
            found(load(domain("issue = []\ncontactphone = [\"+44 20 7946 0000\"]")).diagnostics) ==
            "");
    }

    TEST_CASE("property rules") {
        CHECK(found(load(domain("issue = []\nproperty = [{ tag = \"a-b\", value = \"x\" }]"))
                        .diagnostics) == "property-tag@4:21");
        CHECK(found(load(domain("issue = []\nproperty = [{ tag = \"auth\", value = \"x\" }]"))
                        .diagnostics) == "reserved-tag@4:21");
        auto own = load(domain("issue = []\nproperty = [{ tag = \"IODEF\", value = \"x\" }]"));
        CHECK(found(own.diagnostics) == "property-tag-has-key@4:21");
        CHECK(own.diagnostics.all()[0].message.find("use iodef =") != std::string::npos);
        auto upper = load(domain("issue = []\nproperty = [{ tag = \"TBS\", value = \"a\\\"b\" }]"));
        CHECK(found(upper.diagnostics) == "property-tag-case@4:21");
        CHECK(values(upper.policy.domains[0]) == "0 issue ;\n0 tbs a\"b\n");
        CHECK(found(load(domain("issue = []\nproperty = [{ tag = \"tbs\", value = \"\\u0000\" }]"))
                        .diagnostics) == "forbidden-character@4:36");
        CHECK(found(load(domain("issue = []\nproperty = [{ tag = \"tbs\" }]")).diagnostics) ==
              "missing-key@4:13");
    }

    TEST_CASE("ttl-range") {
        CHECK(found(load(domain("issue = []\nttl = -1")).diagnostics) == "ttl-range@4:7");
        CHECK(found(load(domain("issue = []\nttl = 2147483648")).diagnostics) == "ttl-range@4:7");
        auto max = load(domain("issue = []\nttl = 2147483647"));
        CHECK(found(max.diagnostics) == "");
        CHECK(max.policy.domains[0].ttl == 2147483647u);
        CHECK(load(domain("issue = []\nttl = 0")).policy.domains[0].ttl == 0);
    }

    TEST_CASE("unknown-issuer with the nearest identifier") {
        auto l = load(domain("issue = [\"letsencrypt.com\"]"));
        CHECK(found(l.diagnostics) == "unknown-issuer@3:10");
        CHECK(l.diagnostics.all()[0].message.find("did you mean \"letsencrypt.org\"?") !=
              std::string::npos);
        CHECK(l.diagnostics.all()[0].severity == Severity::warning);
        CHECK(l.policy.domains[0].records.size() == 1); // warnings do not drop records
        CHECK(found(load(domain("issue = [\"letsencrypt.org\"]")).diagnostics) == "");
    }

    TEST_CASE("issue-type key warnings") {
        CHECK(found(load(domain("issuewild = [\"pki.goog\"]")).diagnostics) ==
              "issuewild-without-issue@3:1");
        CHECK(
            found(load(domain("issue = [\"pki.goog\"]\nissuewild = [\"pki.goog\"]")).diagnostics) ==
            "redundant-issuewild@4:1");
        CHECK(found(load(domain("issue = [\"pki.goog\"]\nissuewild = [\"sectigo.com\"]"))
                        .diagnostics) == "");
        CHECK(found(load(domain("iodef = [\"mailto:a@b.com\"]")).diagnostics) ==
              "no-issue-type@2:9");
        // Warnings caused by [defaults] point at the domain, or are said once at [defaults].
        CHECK(found(load("version = 1\n[defaults]\nissuewild = []\n[domain.\"a.com\"]\n")
                        .diagnostics) == "issuewild-without-issue@4:9");
        CHECK(found(load("version = 1\n[defaults]\nissue = []\nissuewild = []\n[domain.\"a.com\"]\n"
                         "[domain.\"b.com\"]\n")
                        .diagnostics) == "redundant-issuewild@4:1");
        CHECK(found(load("version = 1\n[defaults]\nissuewild = []\n[domain.\"a.com\"]\n"
                         "issue = \"none\"\n")
                        .diagnostics) == "redundant-issuewild@4:9");
        CHECK(found(load(domain("issuemail = [\"digicert.com\"]")).diagnostics) ==
              "issue-missing@2:9");
        CHECK(found(load("version = 1\n").diagnostics) == "no-domains@1:1");
        CHECK(found(load("version = 1\n[domain]\n").diagnostics) == "no-domains@2:1");
    }

    TEST_CASE("defaults are merged into domains that do not set the key") {
        auto l = load("version = 1\n[defaults]\nttl = 60\niodef = [\"mailto:a@b.com\"]\n"
                      "issue = [\"pki.goog\"]\n"
                      "[domain.\"a.com\"]\n"
                      "[domain.\"b.com\"]\nttl = 5\nissue = []\niodef = []\n");
        CHECK(found(l.diagnostics) == "");
        REQUIRE(l.policy.domains.size() == 2);
        const auto& a = l.policy.domains[0];
        CHECK(a.name == "a.com");
        CHECK(a.ttl == 60);
        CHECK(values(a) == "0 issue pki.goog\n0 iodef mailto:a@b.com\n");
        CHECK(a.records[0].location.line == 5); // located at the default
        const auto& b = l.policy.domains[1];
        CHECK(b.ttl == 5);
        CHECK(values(b) == "0 issue ;\n");
        CHECK(load(domain("issue = []")).policy.domains[0].ttl == policy::default_ttl);
        // A problem in [defaults] is reported once, not once per domain; the key counts as set.
        auto bad = load("version = 1\n[defaults]\nissue = [\"lets encrypt\"]\n[domain.\"a.com\"]\n"
                        "[domain.\"b.com\"]\n");
        CHECK(found(bad.diagnostics) == "issuer-syntax@3:10");
    }

    TEST_CASE("domains in DNS canonical order; find; expected_for") {
        auto l =
            load("version = 1\n[defaults]\nissue = []\n"
                 "[domain.\"z.example.com\"]\n[domain.\"example.com\"]\n[domain.\"a.com\"]\n"
                 "[domain.\"b.example.com\"]\ninherit = true\n[domain.\"Example.ORG\"]\n"
                 "[domain.\"c.b.example.com\"]\n[domain.\"d.c.b.example.com\"]\ninherit = true\n");
        CHECK(found(l.diagnostics) == "");
        std::string order;
        for (const auto& d : l.policy.domains) {
            order += d.name + " ";
        }
        CHECK(order == "a.com example.com b.example.com c.b.example.com d.c.b.example.com "
                       "z.example.com example.org ");
        const auto& p = l.policy;
        REQUIRE(p.find("EXAMPLE.com.") != nullptr);
        CHECK(p.find("EXAMPLE.com.")->name == "example.com");
        CHECK(p.find("x.example.com") == nullptr);
        CHECK(p.find("") == nullptr);
        CHECK(p.expected_for("www.example.com")->name == "example.com");
        CHECK(p.expected_for("b.example.com")->name == "example.com"); // inherit climbs
        CHECK(p.expected_for("x.d.c.b.example.com")->name == "c.b.example.com");
        CHECK(p.expected_for("Z.Example.Com.")->name == "z.example.com");
        CHECK(p.expected_for("example.net") == nullptr);
        CHECK(p.expected_for("com") == nullptr);
        // A domain without records sets no expectation: the climb goes on.
        auto empty = load("version = 1\n[domain.\"a.com\"]\nissue = []\n[domain.\"b.a.com\"]\n");
        CHECK(empty.policy.expected_for("x.b.a.com")->name == "a.com");
    }

} // TEST_SUITE
