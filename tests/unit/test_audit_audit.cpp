#include "caapol/audit/audit.hpp"
#include "policy_text.hpp"

#include <doctest/doctest.h>

using namespace caapol;
using namespace caapol::audit;

namespace {

const char* const policy_text = R"(version = 1
[domain."example.com"]
issue = ["ca-one.test"]
issuewild = ["ca-two.test"]
[domain."www.example.com"]
inherit = true
[domain."locked.example.com"]
issue = []
[domain."acct.example.com"]
issue = [{ ca = "ca-one.test", accounturi = "https://acme.test/acct/1" }]
[domain."open.example.com"]
iodef = ["mailto:security@example.com"]
[domain."orphan.example.net"]
inherit = true
)";

Certificate cert(std::vector<std::string> names, std::vector<std::string> domains,
                 std::int64_t not_after = 2000000000) {
    Certificate c;
    for (auto& n : names) {
        Name name;
        REQUIRE(parse_name(n, name).empty());
        c.names.push_back(name);
    }
    c.caa_domains = std::move(domains);
    c.not_after_unix = not_after;
    return c;
}

struct Got {
    Verdict verdict;
    std::string rule, domain;
    std::uint32_t line;
    bool not_checkable, expired;
};

std::vector<Got> run(Auditor& auditor, const Certificate& c) {
    std::vector<Got> out;
    for (const auto& f : auditor.audit(c)) {
        out.push_back({f.outcome->verdict, f.outcome->rule, f.outcome->policy_domain,
                       f.outcome->policy_location.line, f.outcome->not_checkable, f.expired});
    }
    return out;
}

} // namespace

TEST_SUITE("audit") {
    TEST_CASE("verdicts, decided by explain's climb and decision") {
        const policy::Policy policy = testing::load_policy(policy_text);
        Auditor auditor(policy, 1700000000);

        auto a = run(auditor, cert({"www.example.com", "example.com"}, {"ca-one.test"}));
        REQUIRE(a.size() == 2);
        CHECK(a[0].verdict == Verdict::authorised);
        CHECK(a[0].rule == "issuer-authorised");
        CHECK(a[0].domain == "example.com"); // www inherits
        CHECK(a[0].line == 3);

        auto u = run(auditor, cert({"shop.example.com"}, {"ca-two.test", "ca-two-alias.test"}));
        CHECK(u[0].verdict == Verdict::unauthorised);
        CHECK(u[0].rule == "issuer-not-listed");
        CHECK(u[0].line == 3);

        auto w = run(auditor, cert({"*.example.com"}, {"ca-one.test"}));
        CHECK(w[0].verdict == Verdict::unauthorised);
        CHECK(w[0].line == 4); // issuewild
        auto w2 = run(auditor, cert({"*.example.com"}, {"ca-one.test", "ca-two.test"}));
        CHECK(w2[0].verdict == Verdict::authorised);

        auto locked = run(auditor, cert({"locked.example.com"}, {}));
        CHECK(locked[0].verdict == Verdict::unauthorised); // no CA at all, known or not
        CHECK(locked[0].rule == "no-issuer");

        auto unknown = run(auditor, cert({"a.example.com"}, {}));
        CHECK(unknown[0].verdict == Verdict::unknown_issuer);
        CHECK(unknown[0].rule == "unknown-issuer");

        auto open = run(auditor, cert({"open.example.com"}, {}));
        CHECK(open[0].verdict == Verdict::authorised); // no issue property: any CA
        CHECK(open[0].rule == "no-issue-property");

        auto outside = run(auditor, cert({"example.org", "*.example.net"}, {"ca-one.test"}));
        CHECK(outside[0].verdict == Verdict::unchecked);
        CHECK(outside[1].verdict == Verdict::unchecked);
        CHECK(outside[0].domain.empty());
        // An inherit domain with nothing above it publishing records: no expectation.
        CHECK(run(auditor, cert({"a.orphan.example.net"}, {"ca-one.test"}))[0].verdict ==
              Verdict::unchecked);

        auto acct = run(auditor, cert({"acct.example.com"}, {"ca-one.test"}));
        CHECK(acct[0].verdict == Verdict::authorised);
        CHECK(acct[0].not_checkable);

        auto expired = run(auditor, cert({"example.com"}, {"ca-one.test"}, 1600000000));
        CHECK(expired[0].expired);
        CHECK_FALSE(a[0].expired);
    }

    TEST_CASE("the caches never mix names, kinds or issuers") {
        const policy::Policy policy = testing::load_policy(policy_text);
        Auditor auditor(policy, 0);
        for (int round = 0; round < 3; ++round) {
            CHECK(run(auditor, cert({"x.example.com"}, {"ca-one.test"}))[0].verdict ==
                  Verdict::authorised);
            CHECK(run(auditor, cert({"x.example.com"}, {"ca-two.test"}))[0].verdict ==
                  Verdict::unauthorised);
            CHECK(run(auditor, cert({"*.x.example.com"}, {"ca-two.test"}))[0].verdict ==
                  Verdict::authorised);
            CHECK(run(auditor, cert({"*.x.example.com"}, {"ca-one.test"}))[0].verdict ==
                  Verdict::unauthorised);
            CHECK(run(auditor, cert({"x.example.com"}, {}))[0].verdict == Verdict::unknown_issuer);
        }
    }

    TEST_CASE("summary counts") {
        const policy::Policy policy = testing::load_policy(policy_text);
        Auditor auditor(policy, 0);
        Summary s;
        Certificate c =
            cert({"example.com", "example.org", "locked.example.com", "acct.example.com"},
                 {"ca-one.test"});
        for (const auto& f : auditor.audit(c)) {
            s.count(f);
        }
        CHECK(s.findings == 4);
        CHECK(s.authorised == 2);
        CHECK(s.unchecked == 1);
        CHECK(s.unauthorised == 1);
        CHECK(s.not_checkable == 1);
    }
}
