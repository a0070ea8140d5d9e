// diff::fixes: which drifted names an nsupdate script can fix, and which come through an
// alias (CNAME/DNAME) and cannot be fixed where the update would go. Climbs are run by the
// real Climber over scripted answers, in a resolver's style (aliases followed inside the
// answer) and an authoritative server's (an alias answer, then the target asked).
#include "caapol/diff/diff.hpp"
#include "policy_text.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace caapol;
using climb::Answer;
using climb::AnswerKind;

namespace {

policy::Policy load(const char* text) {
    return testing::load_policy(text);
}

struct Scripted : climb::Source {
    std::map<std::string, Answer> answers;
    Answer lookup(const std::string& name) override {
        auto it = answers.find(name);
        if (it == answers.end()) {
            Answer none;
            none.kind = AnswerKind::nxdomain;
            return none;
        }
        return it->second;
    }
    // A CAA set at `name`, reached through `aliases` followed by the resolver.
    void records(const std::string& name, const std::string& issuer,
                 std::vector<std::string> aliases = {}) {
        Answer a;
        a.kind = AnswerKind::records;
        a.records.push_back(climb::SourcedRecord{caa::Record{0, "issue", issuer}, 300, {}});
        a.aliases = std::move(aliases);
        answers[name] = a;
    }
    // No CAA at `name`, or at the end of `aliases` when given.
    void empty(const std::string& name, std::vector<std::string> aliases = {}) {
        Answer a;
        a.kind = AnswerKind::empty;
        a.aliases = std::move(aliases);
        answers[name] = a;
    }
    // An authoritative server's CNAME answer: the climber asks `target` next.
    void alias(const std::string& name, const std::string& target) {
        Answer a;
        a.kind = AnswerKind::alias;
        a.target = target;
        answers[name] = a;
    }
    diff::NameResult check(const policy::Policy& p, const std::string& name) {
        return diff::compare(diff::Expectations(p), climb::climb(*this, name), false);
    }
};

const char* const policy_text = R"(version = 1
[domain."example.com"]
ttl = 300
issue = ["letsencrypt.org"]
)";

std::vector<std::string> names_of(const std::vector<policy::Domain>& domains) {
    std::vector<std::string> out;
    for (const auto& d : domains) {
        out.push_back(d.name + (d.inherit ? " (delete)" : ""));
    }
    return out;
}

} // namespace

TEST_SUITE("diff") {
    TEST_CASE("climb_aliases: the climb positions that are aliases, with their chains' ends") {
        Scripted s;
        s.empty("a.shop.example.com");
        s.alias("shop.example.com", "x.cdn.example.net");
        s.alias("x.cdn.example.net", "y.cdn.example.net");
        s.records("y.cdn.example.net", "cdn.example");
        auto r = climb::climb(s, "a.shop.example.com");
        REQUIRE(r.outcome == climb::Outcome::found);
        CHECK(diff::climb_aliases(r) ==
              std::vector<diff::AliasStep>{{"shop.example.com", "y.cdn.example.net"}});

        // A resolver's answers: chains inside the answers, an alias to an empty target on
        // the way (climbed past), a DNAME-synthesized alias at the top.
        Scripted t;
        t.empty("www.example.com", {"gone.example.net"});
        t.records("example.com", "other.example", {"a.example.net", "b.example.net"});
        auto u = climb::climb(t, "WWW.example.com.");
        CHECK(diff::climb_aliases(u) ==
              std::vector<diff::AliasStep>{{"www.example.com", "gone.example.net"},
                                           {"example.com", "b.example.net"}});
        Scripted none;
        none.records("example.com", "letsencrypt.org");
        CHECK(diff::climb_aliases(climb::climb(none, "www.example.com")).empty());
    }

    TEST_CASE("a CNAME at the name itself: no updates, a reason naming the target") {
        auto p = load(policy_text);
        for (bool resolver : {true, false}) {
            CAPTURE(resolver);
            Scripted s;
            if (resolver) {
                s.records("www.example.com", "cdn.example", {"a.cdn.example.net"});
            } else {
                s.alias("www.example.com", "a.cdn.example.net");
                s.records("a.cdn.example.net", "cdn.example");
            }
            s.records("example.com", "letsencrypt.org");
            auto www = s.check(p, "www.example.com");
            REQUIRE(www.status == diff::Status::drift);
            auto apex = s.check(p, "example.com");
            REQUIRE(apex.status == diff::Status::ok);
            auto f = diff::fixes(diff::Expectations(p), {apex, www});
            CHECK(f.domains.empty()); // neither "delete at www" nor a rewrite of the apex
            REQUIRE(f.unfixable.size() == 1);
            const auto& u = f.unfixable[0];
            CHECK(u.name == "www.example.com");
            CHECK(u.why == diff::Unfixable::Why::search_stops_at_alias);
            CHECK(u.alias == "www.example.com");
            CHECK(u.target == "a.cdn.example.net");
            CHECK(diff::describe(u) ==
                  "www.example.com: not fixable here: www.example.com is an alias (CNAME or "
                  "DNAME) of a.cdn.example.net, whose CAA set is not the policy's; change the "
                  "alias or a.cdn.example.net's CAA records");
        }
    }

    TEST_CASE("a CNAME at an ancestor where the search stops (a CDN)") {
        auto p = load(policy_text);
        Scripted s;
        s.empty("img.shop.example.com");
        s.records("shop.example.com", "cdn.example", {"shop.cdn.example.net"});
        auto img = s.check(p, "img.shop.example.com");
        REQUIRE(img.status == diff::Status::drift);
        CHECK(img.relevant_name == "shop.example.com");
        auto f = diff::fixes(diff::Expectations(p), {img});
        CHECK(f.domains.empty());
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].alias == "shop.example.com");
        CHECK(diff::describe(f.unfixable[0]) ==
              "img.shop.example.com: not fixable here: its CAA search stops at "
              "shop.example.com, an alias (CNAME or DNAME) of shop.cdn.example.net, whose CAA "
              "set is not the policy's; change the alias or shop.cdn.example.net's CAA records");

        // *.shop starts at shop: the alias is the name itself.
        auto wild = s.check(p, "*.shop.example.com");
        auto g = diff::fixes(diff::Expectations(p), {wild});
        REQUIRE(g.unfixable.size() == 1);
        CHECK(diff::describe(g.unfixable[0])
                  .rfind("*.shop.example.com: not fixable here: shop.example.com is an alias", 0) ==
              0);
    }

    TEST_CASE("an alias above the expected domain: writing the expected set fixes it") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."img.shop.example.com"]
issue = ["letsencrypt.org"]
)");
        Scripted s;
        s.empty("img.shop.example.com"); // exists (A records), no CAA: the search goes on
        s.records("shop.example.com", "cdn.example", {"shop.cdn.example.net"});
        auto img = s.check(p, "img.shop.example.com");
        REQUIRE(img.status == diff::Status::drift);
        auto f = diff::fixes(diff::Expectations(p), {img});
        CHECK(f.unfixable.empty());
        CHECK(names_of(f.domains) == std::vector<std::string>{"img.shop.example.com"});
    }

    TEST_CASE("the expected domain is an alias: it cannot hold the policy's set") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."shop.example.com"]
issue = ["digicert.com"]
)");
        Scripted s;
        s.records("example.com", "letsencrypt.org");
        // shop is a CNAME to a name without CAA: its search goes on to example.com.
        s.empty("shop.example.com", {"shop.cdn.example.net"});
        s.records("www.shop.example.com", "old.example"); // a set of its own, not an alias
        auto shop = s.check(p, "shop.example.com");
        REQUIRE(shop.status == diff::Status::drift);
        CHECK(shop.relevant_name == "example.com");
        auto www = s.check(p, "www.shop.example.com");
        REQUIRE(www.status == diff::Status::drift);

        auto f = diff::fixes(diff::Expectations(p), {shop});
        CHECK(f.domains.empty());
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].why == diff::Unfixable::Why::expected_at_alias);
        CHECK(diff::describe(f.unfixable[0]) ==
              "shop.example.com: not fixable here: shop.example.com is an alias (CNAME or DNAME) "
              "of shop.cdn.example.net and cannot hold the policy's CAA records; change the "
              "alias or shop.cdn.example.net's CAA records");

        // www's own climb never reached shop: that shop is an alias comes from shop's result.
        CHECK(www.aliases.empty());
        auto alone = diff::fixes(diff::Expectations(p), {www});
        CHECK(alone.unfixable.empty()); // nothing known about shop: the usual fix
        CHECK(names_of(alone.domains) ==
              std::vector<std::string>{"shop.example.com", "www.shop.example.com (delete)"});
        auto g = diff::fixes(diff::Expectations(p), {shop, www});
        CHECK(g.domains.empty());
        REQUIRE(g.unfixable.size() == 2);
        CHECK(g.unfixable[1].name == "www.shop.example.com");
        CHECK(diff::describe(g.unfixable[1]) ==
              "www.shop.example.com: not fixable here: the policy's set for it belongs at "
              "shop.example.com, an alias (CNAME or DNAME) of shop.cdn.example.net, which cannot "
              "hold CAA records; change the alias or shop.cdn.example.net's CAA records");
    }

    TEST_CASE("an alias expected domain whose set is right: deleting below it is enough") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."shop.example.com"]
issue = ["digicert.com"]
)");
        Scripted s;
        s.records("shop.example.com", "digicert.com", {"shop.cdn.example.net"});
        s.records("www.shop.example.com", "old.example");
        auto shop = s.check(p, "shop.example.com");
        REQUIRE(shop.status == diff::Status::ok);
        auto www = s.check(p, "www.shop.example.com");
        auto f = diff::fixes(diff::Expectations(p), {shop, www});
        CHECK(f.unfixable.empty());
        CHECK(names_of(f.domains) == std::vector<std::string>{"www.shop.example.com (delete)"});
    }

    TEST_CASE("fixable and unfixable names side by side") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."direct.example.com"]
issue = ["letsencrypt.org"]
)");
        Scripted s;
        s.records("example.com", "letsencrypt.org");
        s.records("direct.example.com", "old.example");
        s.records("alias.example.com", "direct.example", {"elsewhere.example.net"});
        s.records("other.org", "x.example", {"cdn.example.net"}); // not in the policy
        std::vector<diff::NameResult> results;
        for (const char* name :
             {"example.com", "direct.example.com", "alias.example.com", "other.org"}) {
            results.push_back(s.check(p, name));
        }
        auto f = diff::fixes(diff::Expectations(p), results);
        CHECK(names_of(f.domains) == std::vector<std::string>{"direct.example.com"});
        // other.org is outside the policy: unchecked, never touched.
        CHECK(results[3].status == diff::Status::unchecked);
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].name == "alias.example.com");
    }

    TEST_CASE("authoritative mode: a server whose answers show the alias is named") {
        auto p = load(policy_text);
        Scripted primary;
        primary.records("www.example.com", "old.example"); // fixable at this server
        Scripted secondary;
        secondary.alias("www.example.com", "cdn.example.net");
        secondary.records("cdn.example.net", "cdn.example");
        std::vector<diff::ServerView> views(2);
        views[0].server = "192.0.2.1@53";
        views[0].result = climb::climb(primary, "www.example.com");
        views[1].server = "192.0.2.2@53";
        views[1].result = climb::climb(secondary, "www.example.com");
        auto r = diff::compare_servers(diff::Expectations(p), "www.example.com", views);
        REQUIRE(r.status == diff::Status::drift);
        auto f = diff::fixes(diff::Expectations(p), {r});
        CHECK(f.domains.empty());
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].server == "192.0.2.2@53");
        CHECK(diff::describe(f.unfixable[0]).find(" (at 192.0.2.2@53); change the alias") !=
              std::string::npos);
    }

    TEST_CASE("an inherit domain that is an alias owns no RRset: its set is compared") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."blog.example.com"]
inherit = true
)");
        Scripted s;
        s.records("blog.example.com", "letsencrypt.org", {"blog.host.example.net"});
        CHECK(s.check(p, "blog.example.com").status == diff::Status::ok);
        s.records("blog.example.com", "letsencrypt.org"); // its own RRset
        CHECK(s.check(p, "blog.example.com").status == diff::Status::drift);
    }

    TEST_CASE("describe does not escape: the names are escaped where printed") {
        diff::Unfixable u{"a.example",
                          diff::Unfixable::Why::search_stops_at_alias,
                          "a.example",
                          "x\ny.example",
                          {}};
        CHECK(diff::describe(u).find("x\ny.example") != std::string::npos);
    }

    TEST_CASE("a set synthesized from a wildcard is repaired at the wildcard owner") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
)");
        Scripted s;
        s.records("example.com", "letsencrypt.org");
        s.records("x.dev.example.com", "digicert.com");
        s.answers["x.dev.example.com"].owner = "*.dev.example.com";
        auto x = s.check(p, "x.dev.example.com");
        CHECK(x.status == diff::Status::drift);
        CHECK(x.found_at == "*.dev.example.com");
        auto f = diff::fixes(diff::Expectations(p), {s.check(p, "example.com"), x});
        REQUIRE(f.domains.size() == 1);
        CHECK(f.domains[0].name == "*.dev.example.com");
        CHECK(f.domains[0].inherit);
    }

    TEST_CASE("a wildcard whose set is right for another checked name is not deleted") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
[domain."ok.dev.example.com"]
issue = ["digicert.com"]
)");
        Scripted s;
        s.records("example.com", "letsencrypt.org");
        for (const char* name : {"x.dev.example.com", "ok.dev.example.com"}) {
            s.records(name, "digicert.com");
            s.answers[name].owner = "*.dev.example.com";
        }
        auto ok = s.check(p, "ok.dev.example.com");
        CHECK(ok.status == diff::Status::ok);
        auto x = s.check(p, "x.dev.example.com");
        auto f = diff::fixes(diff::Expectations(p), {ok, x});
        CHECK(f.domains.empty());
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].why == diff::Unfixable::Why::wildcard_shared);
        CHECK(diff::describe(f.unfixable[0]).find("ok.dev.example.com") != std::string::npos);
    }

    TEST_CASE("an inherit domain's own set with nothing above it is never deleted") {
        auto p = load(R"(version = 1
[domain."blog.example.com"]
inherit = true
)");
        Scripted s;
        s.records("blog.example.com", "digicert.com");
        auto blog = s.check(p, "blog.example.com");
        CHECK(blog.status == diff::Status::drift);
        CHECK(blog.own_rrset_of_inherit);
        auto f = diff::fixes(diff::Expectations(p), {blog});
        CHECK(f.domains.empty());
        REQUIRE(f.unfixable.size() == 1);
        CHECK(f.unfixable[0].why == diff::Unfixable::Why::no_replacement);
        // Without a set of its own there is nothing to compare: unchecked.
        Scripted none;
        CHECK(none.check(p, "blog.example.com").status == diff::Status::unchecked);
    }

    TEST_CASE("names outside the policy are never in the script") {
        auto p = load(R"(version = 1
[domain."example.com"]
issue = ["letsencrypt.org"]
)");
        Scripted s;
        s.records("example.net", "letsencrypt.org");
        s.records("www.example.net", "digicert.com");
        auto f = diff::fixes(diff::Expectations(p),
                             {s.check(p, "example.net"), s.check(p, "www.example.net")});
        CHECK(f.domains.empty());
        CHECK(f.unfixable.empty());
    }

    TEST_CASE("TTL notes only for records the name owns (not for inherit names)") {
        auto p = load(R"(version = 1
[domain."example.com"]
ttl = 300
issue = ["letsencrypt.org"]
[domain."blog.example.com"]
inherit = true
)");
        Scripted s;
        s.records("example.com", "letsencrypt.org"); // TTL 300 in Scripted; make it differ
        s.answers["example.com"].records[0].ttl = 60;
        const diff::Expectations e(p);
        auto apex = diff::compare(e, climb::climb(s, "example.com"), true);
        REQUIRE(apex.ttl_notes.size() == 1);
        CHECK(apex.ttl_notes[0].ttl == 60);
        auto blog = diff::compare(e, climb::climb(s, "blog.example.com"), true);
        CHECK(blog.status == diff::Status::ok);
        CHECK(blog.ttl_notes.empty());
        CHECK(blog.notes.empty());
    }
}
