#include "caapol/climb/climb.hpp"

#include <doctest/doctest.h>
#include <map>

using namespace caapol;
using namespace caapol::climb;

namespace {
// A scripted source: answers from a table, records every name asked.
struct TableSource : Source {
    std::map<std::string, Answer> answers;
    std::vector<std::string> asked;
    Answer lookup(const std::string& name) override {
        asked.push_back(name);
        auto it = answers.find(name);
        if (it == answers.end()) {
            return Answer{AnswerKind::nxdomain, {}, {}, {}, {}, "table", {}};
        }
        return it->second;
    }
    void set_records(const std::string& name, const std::string& issuer) {
        Answer a;
        a.kind = AnswerKind::records;
        a.records.push_back(SourcedRecord{caa::Record{0, "issue", issuer}, 300, {}});
        answers[name] = a;
    }
    void set_alias(const std::string& name, const std::string& target) {
        Answer a;
        a.kind = AnswerKind::alias;
        a.target = target;
        answers[name] = a;
    }
    void set(const std::string& name, AnswerKind kind) {
        Answer a;
        a.kind = kind;
        a.reason = "SERVFAIL";
        a.server = "127.0.0.1@53";
        answers[name] = a;
    }
};
} // namespace

TEST_SUITE("climb") {
    TEST_CASE("a set at the name itself is relevant") {
        TableSource s;
        s.set_records("example.com", "ca.example");
        auto r = climb::climb(s, "Example.COM.");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "example.com");
        CHECK(r.records.size() == 1);
        CHECK(s.asked == std::vector<std::string>{"example.com"});
    }

    TEST_CASE("empty and nxdomain climb to the parent, stopping before the root") {
        TableSource s;
        s.set("b.example.com", AnswerKind::empty);
        s.set_records("example.com", "ca.example");
        auto r = climb::climb(s, "a.b.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "example.com");
        CHECK(s.asked ==
              std::vector<std::string>{"a.b.example.com", "b.example.com", "example.com"});

        TableSource none;
        auto n = climb::climb(none, "a.example");
        CHECK(n.outcome == Outcome::none);
        CHECK(none.asked == std::vector<std::string>{"a.example", "example"});
    }

    TEST_CASE("a wildcard name starts at its parent") {
        TableSource s;
        s.set_records("example.com", "ca.example");
        auto r = climb::climb(s, "*.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(s.asked == std::vector<std::string>{"example.com"});
        CHECK(r.name == "*.example.com");
    }

    TEST_CASE("an alias is followed, and an empty target climbs the original name's parents") {
        TableSource s;
        s.set_alias("www.example.com", "cdn.provider.net");
        s.set("cdn.provider.net", AnswerKind::empty);
        s.set_records("provider.net", "forbidden.example");
        s.set_records("example.com", "ca.example");
        auto r = climb::climb(s, "www.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "example.com");
        CHECK(s.asked ==
              std::vector<std::string>{"www.example.com", "cdn.provider.net", "example.com"});
    }

    TEST_CASE("records at an alias target are the relevant set of the original name") {
        TableSource s;
        s.set_alias("www.example.com", "a.example.net");
        s.set_alias("a.example.net", "b.example.net");
        s.set_records("b.example.net", "ca.example");
        auto r = climb::climb(s, "www.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "www.example.com");
        CHECK(r.found_at == "b.example.net");
        CHECK(r.path.size() == 3);
    }

    TEST_CASE("alias loops and over-long chains are failures, not 'no CAA'") {
        TableSource loop;
        loop.set_alias("a.example", "b.example");
        loop.set_alias("b.example", "a.example");
        auto r = climb::climb(loop, "a.example");
        CHECK(r.outcome == Outcome::failure);
        CHECK(r.reason.find("loop") != std::string::npos);

        TableSource chain;
        for (int i = 0; i < 40; ++i) {
            chain.set_alias("n" + std::to_string(i) + ".example",
                            "n" + std::to_string(i + 1) + ".example");
        }
        auto c = climb::climb(chain, "n0.example");
        CHECK(c.outcome == Outcome::failure);
        CHECK(c.reason.find("longer than") != std::string::npos);
        CHECK(chain.asked.size() <= max_alias_hops + 1);
    }

    TEST_CASE("a failure stops the climb and names server and name") {
        TableSource s;
        s.set("a.example.com", AnswerKind::failure);
        s.set_records("example.com", "ca.example");
        auto r = climb::climb(s, "a.example.com");
        CHECK(r.outcome == Outcome::failure);
        CHECK(r.reason == "lookup of a.example.com CAA failed at 127.0.0.1@53: SERVFAIL");
        CHECK(s.asked.size() == 1);
    }

    TEST_CASE("a records answer with no records counts as empty") {
        TableSource s;
        s.answers["a.example"] = Answer{AnswerKind::records, {}, {}, {}, {}, "t", {}};
        auto r = climb::climb(s, "a.example");
        CHECK(r.outcome == Outcome::none);
    }

    TEST_CASE("aliases already followed by the source count towards the loop check") {
        TableSource s;
        Answer a;
        a.kind = AnswerKind::alias;
        a.aliases = {"x.example"};
        a.target = "a.example";
        s.answers["a.example"] = a;
        auto r = climb::climb(s, "a.example");
        CHECK(r.outcome == Outcome::failure);
    }

    TEST_CASE("a restarted climber carries nothing over from the climb before") {
        // Each name's fresh climb against the same climber restarted after every other name:
        // found, found through an alias and a wildcard owner, none, failure, alias loop,
        // DNSSEC state, a wildcard name and the root.
        TableSource s;
        s.set_records("example.com", "ca.example");
        s.set_alias("cname.example.com", "target.example.net");
        Answer wild;
        wild.kind = AnswerKind::records;
        wild.owner = "*.w.example.net";
        wild.aliases = {"x.w.example.net"};
        wild.records.push_back(SourcedRecord{caa::Record{128, "tbs", "v"}, 60, {"f", 1, 2}});
        s.answers["target.example.net"] = wild;
        s.set("fail.example.org", AnswerKind::failure);
        s.set_alias("loop.example.org", "loop2.example.org");
        s.set_alias("loop2.example.org", "loop.example.org");
        Answer signed_answer;
        signed_answer.kind = AnswerKind::records;
        signed_answer.records.push_back(SourcedRecord{caa::Record{0, "issue", "s.example"}, 1, {}});
        signed_answer.dnssec.state = dnssec::State::secure;
        signed_answer.dnssec.expires = 42;
        signed_answer.dnssec.expiring = "RRSIG of signed.example";
        s.answers["signed.example"] = signed_answer;
        const std::vector<std::string> names = {
            "www.example.com",  "cname.example.com", "a.b.nowhere.example", "fail.example.org",
            "loop.example.org", "signed.example",    "*.example.com",       "*",
            "example.com"};
        auto same = [](const Result& a, const Result& b) {
            CHECK(a.name == b.name);
            CHECK(a.outcome == b.outcome);
            CHECK(a.relevant_name == b.relevant_name);
            CHECK(a.found_at == b.found_at);
            REQUIRE(a.records.size() == b.records.size());
            for (std::size_t i = 0; i < a.records.size(); ++i) {
                CHECK(a.records[i].record == b.records[i].record);
                CHECK(a.records[i].ttl == b.records[i].ttl);
                CHECK(a.records[i].location.file == b.records[i].location.file);
            }
            REQUIRE(a.path.size() == b.path.size());
            for (std::size_t i = 0; i < a.path.size(); ++i) {
                CHECK(a.path[i].name == b.path[i].name);
                CHECK(a.path[i].answer.kind == b.path[i].answer.kind);
                CHECK(a.path[i].answer.target == b.path[i].answer.target);
                CHECK(a.path[i].answer.owner == b.path[i].answer.owner);
            }
            CHECK(a.reason == b.reason);
            CHECK(a.dnssec.state == b.dnssec.state);
            CHECK(a.dnssec.expires == b.dnssec.expires);
            CHECK(a.dnssec.expiring == b.dnssec.expiring);
        };
        for (const auto& before : names) {
            for (const auto& name : names) {
                Climber climber(before);
                while (const std::string* query = climber.next_query()) {
                    climber.feed(s.lookup(*query));
                }
                climber.restart(name);
                while (const std::string* query = climber.next_query()) {
                    climber.feed(s.lookup(*query));
                }
                CAPTURE(before);
                CAPTURE(name);
                same(climber.result(), climb::climb(s, name));
            }
        }
    }
}
