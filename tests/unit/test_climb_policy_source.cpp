#include "caapol/climb/climb.hpp"
#include "caapol/climb/policy_source.hpp"

#include <doctest/doctest.h>

using namespace caapol;
using namespace caapol::climb;

namespace {
const char* const policy_text = R"(version = 1

[domain."example.com"]
ttl = 600
issue = ["letsencrypt.org"]
issuewild = []

[domain."blog.example.com"]
inherit = true

[domain."shop.example.com"]
issue = [{ ca = "digicert.com", accounturi = "https://a/1" }]
)";

policy::Policy load() {
    Diagnostics diagnostics;
    auto policy = policy::load_from_string(policy_text, "test.toml", diagnostics);
    REQUIRE_FALSE(diagnostics.has_errors());
    return policy;
}
} // namespace

TEST_SUITE("climb") {
    TEST_CASE("policy source: a domain with records answers them with their locations") {
        auto policy = load();
        PolicySource source(policy);
        auto answer = source.lookup("example.com");
        REQUIRE(answer.kind == AnswerKind::records);
        REQUIRE(answer.records.size() == 2);
        CHECK(answer.records[0].record == caa::Record{0, "issue", "letsencrypt.org"});
        CHECK(answer.records[0].ttl == 600);
        CHECK(answer.records[0].location.file == "test.toml");
        CHECK(answer.records[0].location.line == 5);
        CHECK(answer.records[1].record.tag == "issuewild");
        CHECK(answer.records[1].record.value == ";");
        CHECK(answer.server == "policy");
    }

    TEST_CASE("policy source: inherit domains and unknown names are empty") {
        auto policy = load();
        PolicySource source(policy);
        CHECK(source.lookup("blog.example.com").kind == AnswerKind::empty);
        CHECK(source.lookup("www.example.com").kind == AnswerKind::empty);
        CHECK(source.lookup("com").kind == AnswerKind::empty);
        CHECK(source.lookup("other.org").kind == AnswerKind::empty);
        CHECK(source.lookup("blog.example.com").server == "policy");
    }

    TEST_CASE("policy source: climbing finds the closest policy domain") {
        auto policy = load();
        PolicySource source(policy);
        auto blog = climb::climb(source, "www.blog.example.com");
        CHECK(blog.outcome == Outcome::found);
        CHECK(blog.relevant_name == "example.com");
        CHECK(blog.path.size() == 3);
        auto shop = climb::climb(source, "*.shop.example.com");
        CHECK(shop.relevant_name == "shop.example.com");
        CHECK(shop.records.size() == 1);
        auto other = climb::climb(source, "www.example.org");
        CHECK(other.outcome == Outcome::none);
        // Lookups are by normalized name.
        CHECK(source.lookup("Example.COM.").kind == AnswerKind::records);
    }
}
