#include "caapol/core/json.hpp"
#include "caapol/core/text.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace caapol;

TEST_SUITE("core") {
    TEST_CASE("json::parse keeps values, member order and positions") {
        json::Error error;
        auto v =
            json::parse("{\"a\": [1, -2, 3.5, true, null],\n  \"b\": \"x\\u00e9\\n\"}", &error);
        REQUIRE(v);
        REQUIRE(v->kind == json::Kind::object);
        REQUIRE(v->members.size() == 2);
        CHECK(v->members[0].first == "a");
        const json::Value* a = v->get("a");
        REQUIRE(a != nullptr);
        REQUIRE(a->items.size() == 5);
        CHECK(a->items[0].integer == 1);
        CHECK(a->items[1].integer == -2);
        CHECK_FALSE(a->items[2].integer);
        CHECK(a->items[3].kind == json::Kind::boolean);
        CHECK(a->items[3].boolean);
        CHECK(a->items[4].kind == json::Kind::null);
        const json::Value* b = v->get("b");
        REQUIRE(b != nullptr);
        CHECK(b->string == "x\xc3\xa9\n");
        CHECK(b->line == 2);
        CHECK(b->column == 8);
        CHECK(v->get("c") == nullptr);
    }

    TEST_CASE("json::parse decodes surrogate pairs and refuses lone surrogates") {
        json::Error error;
        auto v = json::parse("\"\\ud83d\\ude00\"", &error);
        REQUIRE(v);
        CHECK(v->string == "\xf0\x9f\x98\x80");
        CHECK_FALSE(json::parse("\"\\ud83d\"", &error));
        CHECK(error.message.find("surrogate") != std::string::npos);
        CHECK_FALSE(json::parse("\"\\ude00\"", &error));
    }

    TEST_CASE("json::parse refuses malformed text with the place") {
        json::Error error;
        CHECK_FALSE(json::parse("{\"a\": 1,\n \"b\" 2}", &error));
        CHECK(error.line == 2);
        CHECK(error.column == 6);
        for (const char* bad : {"", "[1,]", "{\"a\":1,}", "01", "1.", "1e", "\"a\nb\"", "tru",
                                "[1] x", "\"\\x\"", "\"\xff\"", "{1:2}", "-"}) {
            CAPTURE(bad);
            CHECK_FALSE(json::parse(bad, &error));
            CHECK_FALSE(error.message.empty());
        }
    }

    TEST_CASE("json::parse bounds nesting") {
        json::Error error;
        std::string deep(json::max_depth + 2, '[');
        deep += std::string(json::max_depth + 2, ']');
        CHECK_FALSE(json::parse(deep, &error));
        CHECK(error.message.find("nests deeper") != std::string::npos);
        std::string ok(json::max_depth, '[');
        ok += std::string(json::max_depth, ']');
        CHECK(json::parse(ok, &error));
    }

    TEST_CASE("text::is_utf8") {
        CHECK(text::is_utf8("plain"));
        CHECK(text::is_utf8("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"));
        CHECK_FALSE(text::is_utf8("\xff"));
        CHECK_FALSE(text::is_utf8("\xc0\xaf"));         // overlong
        CHECK_FALSE(text::is_utf8("\xed\xa0\x80"));     // surrogate
        CHECK_FALSE(text::is_utf8("\xf4\x90\x80\x80")); // above U+10FFFF
        CHECK_FALSE(text::is_utf8("\xe2\x9c"));         // cut short
    }
}
