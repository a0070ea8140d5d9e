#include "caapol/output/explain.hpp"

#include <doctest/doctest.h>

using namespace caapol;

namespace {

bool has_control(const std::string& s) {
    for (unsigned char c : s) {
        if ((c < 0x20 && c != '\n') || c == 0x7f) {
            return true;
        }
    }
    return false;
}

output::Explanation hostile() {
    output::Explanation e;
    e.climb.name = "www.example.com";
    e.climb.outcome = climb::Outcome::found;
    e.climb.relevant_name = "www.example.com";
    e.climb.found_at = "evil\x1b[2J.example.net";
    climb::Answer alias;
    alias.kind = climb::AnswerKind::alias;
    alias.target = "evil\x1b[2J.example.net";
    alias.server = "127.0.0.1@53";
    climb::Answer records;
    records.kind = climb::AnswerKind::records;
    records.records.push_back(
        climb::SourcedRecord{caa::Record{0, "issue", "ca.example\n\x1b]0;pwned\x07"}, 60, {}});
    records.records.push_back(climb::SourcedRecord{caa::Record{128, "t\x01g", "\xff\xfe"}, 60, {}});
    e.climb.path = {{"www.example.com", alias}, {"evil\x1b[2J.example.net", records}};
    e.climb.records = records.records;
    e.request.ca = "letsencrypt.org";
    e.decision = decide::decide(e.climb, e.request);
    return e;
}

} // namespace

TEST_SUITE("output") {
    TEST_CASE("explain text: DNS data cannot reach the terminal raw") {
        auto text = output::render_explain_text({hostile()});
        CHECK_FALSE(has_control(text));
        CHECK(text.find("\\x1b[2J") != std::string::npos);
        CHECK(text.find("alias -> evil\\x1b[2J.example.net") != std::string::npos);
        CHECK(text.find("decision for letsencrypt.org: deny [critical-unknown-tag]") !=
              std::string::npos);
    }

    TEST_CASE("explain json: every string escaped, invalid UTF-8 replaced") {
        auto json = output::render_explain_json({hostile()});
        CHECK_FALSE(has_control(json.substr(0, json.size() - 1)));
        CHECK(json.back() == '\n');
        CHECK(json.rfind("{\"version\":1,\"results\":[{\"name\":\"www.example.com\"", 0) == 0);
        CHECK(json.find("\\u001b") != std::string::npos);
        CHECK(json.find("\xff") == std::string::npos);
        CHECK(json.find("\"decision\":\"deny\"") != std::string::npos);
        CHECK(json.find("\"found_at\":\"evil\\u001b[2J.example.net\"") != std::string::npos);
    }

    TEST_CASE("explain json: no CA means a null decision") {
        auto e = hostile();
        e.request.ca.reset();
        e.decision = decide::decide(e.climb, e.request);
        auto json = output::render_explain_json({e});
        CHECK(json.find("\"decision\":null") != std::string::npos);
        CHECK(output::render_explain_text({e}).find("decision for") == std::string::npos);
    }

    TEST_CASE("describe_answer") {
        climb::Answer a;
        a.kind = climb::AnswerKind::empty;
        CHECK(output::describe_answer(a) == "empty (no CAA records)");
        a.kind = climb::AnswerKind::nxdomain;
        CHECK(output::describe_answer(a) == "NXDOMAIN");
        a.kind = climb::AnswerKind::failure;
        a.reason = "SERVFAIL";
        CHECK(output::describe_answer(a) == "failure: SERVFAIL");
        a.kind = climb::AnswerKind::records;
        a.records.resize(2);
        a.aliases = {"a.example", "b.example"};
        CHECK(output::describe_answer(a) ==
              "CAA set (2 records), via alias -> a.example -> b.example");
    }
}
