#include "caapol/diff/diff.hpp"
#include "caapol/output/results.hpp"
#include "policy_text.hpp"

#include <doctest/doctest.h>

using namespace caapol;

namespace {

policy::Policy load(const char* text) {
    return testing::load_policy(text);
}

const char* const policy_text = R"(version = 1
[domain."example.com"]
ttl = 300
issue = ["letsencrypt.org"]
[domain."blog.example.com"]
inherit = true
)";

climb::Result found(const std::string& name, const std::string& at,
                    std::vector<caa::Record> records, std::uint32_t ttl = 300) {
    climb::Result r;
    r.name = name;
    r.outcome = climb::Outcome::found;
    r.relevant_name = at;
    r.found_at = at;
    for (auto& record : records) {
        r.records.push_back(climb::SourcedRecord{record, ttl, {}});
    }
    return r;
}

} // namespace

TEST_SUITE("diff") {
    TEST_CASE("equivalent sets are ok, whatever the case and order") {
        auto p = load(policy_text);
        auto r = diff::compare(
            diff::Expectations(p),
            found("www.example.com", "example.com", {{0, "ISSUE", "LetsEncrypt.org."}}), false);
        CHECK(r.status == diff::Status::ok);
        CHECK(r.expected_from == "example.com");
        CHECK(r.difference.empty());
    }

    TEST_CASE("different sets drift, with missing and unexpected records") {
        auto p = load(policy_text);
        auto r = diff::compare(diff::Expectations(p),
                               found("example.com", "example.com", {{0, "issue", "evil.example"}}),
                               false);
        CHECK(r.status == diff::Status::drift);
        REQUIRE(r.difference.missing.size() == 1);
        CHECK(r.difference.missing[0].value == "letsencrypt.org");
        REQUIRE(r.difference.unexpected.size() == 1);
        CHECK(r.difference.unexpected[0].value == "evil.example");
    }

    TEST_CASE("no CAA set where the policy expects one is drift") {
        auto p = load(policy_text);
        climb::Result none;
        none.name = "www.example.com";
        none.outcome = climb::Outcome::none;
        auto r = diff::compare(diff::Expectations(p), none, false);
        CHECK(r.status == diff::Status::drift);
        CHECK(r.difference.missing.size() == 1);
    }

    TEST_CASE("a name the policy does not cover has no expectation: unchecked") {
        auto p = load(policy_text);
        const diff::Expectations expectations(p);
        climb::Result none;
        none.name = "other.org";
        none.outcome = climb::Outcome::none;
        CHECK(diff::compare(expectations, none, false).status == diff::Status::unchecked);
        auto r = diff::compare(expectations,
                               found("other.org", "other.org", {{0, "issue", "x.example"}}), false);
        CHECK(r.status == diff::Status::unchecked);
        CHECK(r.expected_from.empty());
        CHECK(r.difference.empty());
        climb::Result failed;
        failed.name = "other.org";
        failed.outcome = climb::Outcome::failure;
        failed.reason = "SERVFAIL";
        auto f = diff::compare(expectations, failed, false);
        CHECK(f.status == diff::Status::unchecked);
        REQUIRE(f.notes.size() == 1);
        CHECK(f.notes[0] == "the lookup failed: SERVFAIL");
    }

    TEST_CASE("lookup failures are errors, never empty") {
        auto p = load(policy_text);
        climb::Result failed;
        failed.name = "example.com";
        failed.outcome = climb::Outcome::failure;
        failed.reason = "SERVFAIL at 192.0.2.1@53";
        auto r = diff::compare(diff::Expectations(p), failed, false);
        CHECK(r.status == diff::Status::error);
        CHECK(r.error == "SERVFAIL at 192.0.2.1@53");
    }

    TEST_CASE("an inherit domain with its own set drifts even when the set is equal") {
        auto p = load(policy_text);
        auto r = diff::compare(
            diff::Expectations(p),
            found("blog.example.com", "blog.example.com", {{0, "issue", "letsencrypt.org"}}),
            false);
        CHECK(r.status == diff::Status::drift);
        CHECK(r.notes.size() == 1);
    }

    TEST_CASE("TTL differences are notes, never drift") {
        auto p = load(policy_text);
        auto r = diff::compare(
            diff::Expectations(p),
            found("example.com", "example.com", {{0, "issue", "letsencrypt.org"}}, 60), true);
        CHECK(r.status == diff::Status::ok);
        REQUIRE(r.notes.size() == 1);
        CHECK(r.notes[0] == "TTL 60 at example.com, the policy says 300");
        CHECK(diff::compare(
                  diff::Expectations(p),
                  found("example.com", "example.com", {{0, "issue", "letsencrypt.org"}}, 60), false)
                  .notes.empty());
    }

    TEST_CASE("servers that disagree are reported even when one matches") {
        auto p = load(policy_text);
        std::vector<diff::ServerView> views(2);
        views[0].server = "192.0.2.1@53";
        views[0].result = found("example.com", "example.com", {{0, "issue", "letsencrypt.org"}});
        views[1].server = "192.0.2.2@53";
        views[1].result = found("example.com", "example.com", {{0, "issue", "old.example"}});
        auto r = diff::compare_servers(diff::Expectations(p), "example.com", views);
        CHECK(r.status == diff::Status::drift);
        CHECK(r.servers_disagree);
        CHECK(r.servers[0].status == diff::Status::ok);
        CHECK(r.servers[1].status == diff::Status::drift);
        views[1].result.outcome = climb::Outcome::failure;
        views[1].result.reason = "timeout";
        CHECK(diff::compare_servers(diff::Expectations(p), "example.com", views).status ==
              diff::Status::error);
        CHECK(diff::compare_servers(diff::Expectations(p), "example.com", {}).status ==
              diff::Status::error);
    }

    TEST_CASE("fixes: the expected domain, and deletion of an unwanted set below it") {
        auto p = load(policy_text);
        std::vector<diff::NameResult> results = {
            diff::compare(diff::Expectations(p),
                          found("www.example.com", "www.example.com", {{0, "issue", "x.example"}}),
                          false),
            diff::compare(diff::Expectations(p),
                          found("example.com", "example.com", {{0, "issue", "letsencrypt.org"}}),
                          false),
        };
        // example.com is ok: it is not rewritten, only the set below it goes.
        auto fixes = diff::fixes(diff::Expectations(p), results).domains;
        REQUIRE(fixes.size() == 1);
        CHECK(fixes[0].name == "www.example.com");
        CHECK(fixes[0].inherit);
        // When example.com drifts too, its set is written.
        results[1] =
            diff::compare(diff::Expectations(p),
                          found("example.com", "example.com", {{0, "issue", "x.example"}}), false);
        fixes = diff::fixes(diff::Expectations(p), results).domains;
        REQUIRE(fixes.size() == 2);
        CHECK(fixes[0].name == "example.com");
        CHECK_FALSE(fixes[0].inherit);
        CHECK(fixes[1].name == "www.example.com");
        CHECK(fixes[1].inherit);
    }

    TEST_CASE("prometheus labels are escaped") {
        CHECK(output::prometheus_label("a\"b\\c\nd\x01") == "a\\\"b\\\\c\\nd\\\\x01");
    }

    TEST_CASE("text results escape what came from DNS") {
        auto p = load(policy_text);
        auto r =
            diff::compare(diff::Expectations(p),
                          found("example.com", "example.com", {{0, "issue", "a\x1b[31m"}}), false);
        std::string text = output::render_results_text({r});
        CHECK(text.find('\x1b') == std::string::npos);
        CHECK(text.find("\\027[31m") != std::string::npos);
        CHECK(text.find("1 name checked: 0 ok, 1 drift, 0 unchecked, 0 errors") !=
              std::string::npos);
    }

    TEST_CASE("a recycled result carries nothing over from the name before") {
        // verify compares millions of names into the same few NameResults: each verdict must
        // equal a fresh comparison's, whatever the result held before.
        auto p = load(policy_text);
        diff::Expectations expectations(p);
        std::vector<std::pair<climb::Result, bool>> climbs; // with ttl_notes
        climbs.push_back(
            {found("www.example.com", "example.com", {{0, "issue", "letsencrypt.org"}}), false});
        climbs.push_back(
            {found("example.com", "example.com", {{0, "issue", "letsencrypt.org"}}, 60), true});
        climbs.push_back(
            {found("example.com", "example.com",
                   {{0, "issue", "evil.example"}, {128, "tbs", "a value longer than SSO"}}),
             false});
        climbs.push_back(
            {found("blog.example.com", "blog.example.com", {{0, "issue", "letsencrypt.org"}}),
             true});
        climbs.push_back({found("other.org", "other.org", {{0, "issue", "x.example"}}), false});
        climb::Result failed;
        failed.name = "www.example.com";
        failed.reason = "lookup of www.example.com CAA failed at 127.0.0.1@53: SERVFAIL";
        failed.path.push_back(climb::Step{"www.example.com", {}});
        climbs.push_back({failed, false});
        failed.name = "a.other.org";
        climbs.push_back({failed, false});
        climb::Result none;
        none.name = "deep.www.example.com";
        none.outcome = climb::Outcome::none;
        none.path.push_back(climb::Step{"deep.www.example.com", {}});
        none.path.back().answer.kind = climb::AnswerKind::nxdomain;
        climbs.push_back({none, false});
        climb::Result aliased =
            found("cname.example.com", "cname.example.com", {{0, "issue", "letsencrypt.org"}});
        aliased.found_at = "target.example.net";
        aliased.path.push_back(climb::Step{"cname.example.com", {}});
        aliased.path.back().answer.kind = climb::AnswerKind::alias;
        aliased.path.back().answer.target = "target.example.net";
        aliased.path.push_back(climb::Step{"target.example.net", {}});
        aliased.path.back().answer.kind = climb::AnswerKind::records;
        aliased.dnssec.state = dnssec::State::secure;
        aliased.dnssec.expires = 1700000000;
        aliased.dnssec.expiring = "RRSIG CAA of target.example.net";
        aliased.path.back().answer.dnssec = aliased.dnssec;
        climbs.push_back({aliased, true});

        auto rendered = [](const diff::NameResult& r) {
            std::string out;
            output::append_result_json(out, r);
            output::append_result_text(out, r);
            return out;
        };
        // References, not structured bindings: clang 14 cannot capture those (CAPTURE).
        for (const auto& earlier : climbs) {
            const climb::Result& before = earlier.first;
            const bool before_ttl = earlier.second;
            for (const auto& later : climbs) {
                const climb::Result& climb = later.first;
                const bool ttl_notes = later.second;
                diff::NameResult recycled = diff::compare(expectations, before, before_ttl);
                recycled.servers.resize(1); // set by verify itself, outside compare
                recycled.servers_disagree = true;
                recycled.dnssec_warning = "RRSIG expires soon";
                diff::compare_into(expectations, climb, ttl_notes, recycled);
                const diff::NameResult fresh = diff::compare(expectations, climb, ttl_notes);
                CAPTURE(before.name);
                CAPTURE(climb.name);
                CHECK(rendered(recycled) == rendered(fresh));
                // What the renderings do not show.
                CHECK(recycled.status == fresh.status);
                CHECK(recycled.expected == fresh.expected);
                CHECK(recycled.expected_ttl == fresh.expected_ttl);
                CHECK(recycled.path == fresh.path);
                CHECK(recycled.aliases == fresh.aliases);
                CHECK(recycled.notes == fresh.notes);
                REQUIRE(recycled.ttl_notes.size() == fresh.ttl_notes.size());
                for (std::size_t i = 0; i < fresh.ttl_notes.size(); ++i) {
                    CHECK(recycled.ttl_notes[i].record == fresh.ttl_notes[i].record);
                    CHECK(recycled.ttl_notes[i].ttl == fresh.ttl_notes[i].ttl);
                }
                CHECK(recycled.own_rrset_of_inherit == fresh.own_rrset_of_inherit);
                CHECK(recycled.difference.missing == fresh.difference.missing);
                CHECK(recycled.difference.unexpected == fresh.difference.unexpected);
                CHECK(recycled.dnssec.state == fresh.dnssec.state);
                CHECK(recycled.dnssec.expiring == fresh.dnssec.expiring);
                CHECK(recycled.step_dnssec.size() == fresh.step_dnssec.size());
                CHECK(recycled.servers.empty());
                CHECK(!recycled.servers_disagree);
                CHECK(recycled.dnssec_warning.empty());
            }
        }
    }
}
