#include "caapol/caa/issue_value.hpp"

#include <doctest/doctest.h>

using namespace caapol::caa;

TEST_SUITE("caa") {
    TEST_CASE("plain issuers and the empty issuer parse") {
        auto p = parse_issue_value("letsencrypt.org");
        REQUIRE(p.value);
        CHECK(p.value->issuer == "letsencrypt.org");
        CHECK(p.value->parameters.empty());

        auto empty = parse_issue_value(";");
        REQUIRE(empty.value);
        CHECK(empty.value->issuer.empty());

        auto nothing = parse_issue_value("");
        REQUIRE(nothing.value);
        CHECK(nothing.value->issuer.empty());
    }

    TEST_CASE("parameters with whitespace around ';' and '=' (Boulder's case)") {
        auto p = parse_issue_value("  letsencrypt.org  ;foo=bar;baz=bar");
        REQUIRE(p.value);
        CHECK(p.value->issuer == "letsencrypt.org");
        REQUIRE(p.value->parameters.size() == 2);
        CHECK(p.value->parameters[0] == Parameter{"foo", "bar"});
        CHECK(p.value->parameters[1] == Parameter{"baz", "bar"});

        auto spaced = parse_issue_value("ca.example ; accounturi = https://a.example/1 ;  "
                                        "validationmethods=dns-01,http-01 ");
        REQUIRE(spaced.value);
        CHECK(spaced.value->parameters[0] == Parameter{"accounturi", "https://a.example/1"});
        CHECK(spaced.value->parameters[1] == Parameter{"validationmethods", "dns-01,http-01"});

        auto empty_issuer = parse_issue_value("; foo=bar");
        REQUIRE(empty_issuer.value);
        CHECK(empty_issuer.value->issuer.empty());
        CHECK(empty_issuer.value->parameters.size() == 1);
    }

    TEST_CASE("values outside the grammar are rejected with rule and offset") {
        auto underscore = parse_issue_value("ca.example; a_b=c");
        REQUIRE_FALSE(underscore.value);
        CHECK(underscore.error.rule == "parameter-syntax");
        CHECK(underscore.error.offset == 13);

        auto space_in_value = parse_issue_value("ca.example; a=b c");
        REQUIRE_FALSE(space_in_value.value);
        CHECK(space_in_value.error.rule == "parameter-syntax");

        auto bad_issuer = parse_issue_value("ca_example.com");
        REQUIRE_FALSE(bad_issuer.value);
        CHECK(bad_issuer.error.rule == "issuer-syntax");
        CHECK(bad_issuer.error.offset == 0);

        auto two_words = parse_issue_value("ca.example other.example");
        REQUIRE_FALSE(two_words.value);
        CHECK(two_words.error.rule == "issuer-syntax");

        CHECK_FALSE(parse_issue_value("ca.example; =x").value);
        CHECK_FALSE(parse_issue_value("ca.example; key").value);
        CHECK_FALSE(parse_issue_value("ca.example; a=b;").value);
        CHECK_FALSE(parse_issue_value("ca..example").value);
        CHECK_FALSE(parse_issue_value("-ca.example").value);
        CHECK_FALSE(parse_issue_value("ca.example; a=b\x01").value);
        CHECK_FALSE(parse_issue_value("\xc3\xa9.example").value);
    }

    TEST_CASE("a trailing dot on the issuer is tolerated and normalized away") {
        auto p = parse_issue_value("LetsEncrypt.ORG.");
        REQUIRE(p.value);
        CHECK(normalize_issuer(p.value->issuer) == "letsencrypt.org");
    }

    TEST_CASE("rendering") {
        IssueValue v{"Ca.Example.", {{"accounturi", "https://a/1"}, {"k", "v"}}};
        CHECK(render_issue_value(v, true) == "ca.example; accounturi=https://a/1; k=v");
        CHECK(render_issue_value(v, false) == "Ca.Example.; accounturi=https://a/1; k=v");
        CHECK(render_issue_value(IssueValue{}, true) == ";");
        CHECK(render_issue_value(IssueValue{"", {{"a", "b"}}}, true) == "; a=b");
    }

    TEST_CASE("parameter tags may hold inner hyphens (RFC 8659 section 4.2 ABNF)") {
        auto inner = parse_issue_value("letsencrypt.org; a-b=c; x--y=1");
        REQUIRE(inner.value);
        REQUIRE(inner.value->parameters.size() == 2);
        CHECK(inner.value->parameters[0].key == "a-b");
        CHECK(inner.value->parameters[1].key == "x--y");
        CHECK_FALSE(parse_issue_value("letsencrypt.org; -a=c").value);
        CHECK_FALSE(parse_issue_value("letsencrypt.org; a-=c").value);
    }
}
