#include "caapol/core/diagnostic.hpp"
#include "caapol/core/text.hpp"

#include <doctest/doctest.h>

using namespace caapol;

TEST_SUITE("core") {
    TEST_CASE("escape_for_terminal keeps printable ASCII and escapes everything else") {
        CHECK(text::escape_for_terminal("abc 1;=") == "abc 1;=");
        CHECK(text::escape_for_terminal("a\x1b[31mb") == "a\\x1b[31mb");
        CHECK(text::escape_for_terminal(std::string("a\0b", 3)) == "a\\x00b");
        CHECK(text::escape_for_terminal("back\\slash") == "back\\\\slash");
        CHECK(text::escape_for_terminal("\xc3\xa9") == "\\xc3\\xa9");
    }

    TEST_CASE("escape_unprintable keeps backslashes, escapes control and non-ASCII bytes") {
        CHECK(text::escape_unprintable("a\\x1b b") == "a\\x1b b");
        CHECK(text::escape_unprintable("a\x1b[2J") == "a\\x1b[2J");
        CHECK(text::escape_unprintable("\xc2\x9b") == "\\xc2\\x9b");
    }

    TEST_CASE("quote_excerpt cuts long values and says how long they were") {
        CHECK(text::quote_excerpt("abc") == "\"abc\"");
        CHECK(text::quote_excerpt(std::string(10, 'x'), 4) == "\"xxxx...\" (10 bytes)");
        CHECK(text::quote_excerpt(std::string(1 << 20, 'x')).size() < 250);
    }

    TEST_CASE("quote_zone_string escapes quotes, backslashes and non-printables") {
        CHECK(text::quote_zone_string("letsencrypt.org") == "\"letsencrypt.org\"");
        CHECK(text::quote_zone_string("a\"b") == "\"a\\\"b\"");
        CHECK(text::quote_zone_string("a\\b") == "\"a\\\\b\"");
        CHECK(text::quote_zone_string("a\nb") == "\"a\\010b\"");
        CHECK(text::quote_zone_string("\xff") == "\"\\255\"");
    }

    TEST_CASE("json_string escapes controls and replaces invalid UTF-8") {
        CHECK(text::json_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
        CHECK(text::json_string(std::string("\0", 1)) == "\"\\u0000\"");
        CHECK(text::json_string("\xc3\xa9") == "\"\xc3\xa9\"");
        CHECK(text::json_string("\xc3") == "\"\\ufffd\"");
        CHECK(text::json_string("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\""); // surrogate
        CHECK(text::json_string("a\xc2\x9b"
                                "b") == "\"a\\u009bb\"");       // C1 control (CSI)
        CHECK(text::json_string("\xc2\xa0") == "\"\xc2\xa0\""); // U+00A0 is not C1
        CHECK(text::json_string("\xe2\x80\xa8") == "\"\\u2028\"");
    }

    TEST_CASE("did_you_mean finds close candidates only") {
        std::vector<std::string> keys = {"issue", "issuewild", "iodef"};
        CHECK(text::did_you_mean("isuewild", keys) == "issuewild");
        CHECK(text::did_you_mean("ISSUE", keys) == "issue");
        CHECK_FALSE(text::did_you_mean("banana", keys).has_value());
    }

    TEST_CASE("case helpers") {
        CHECK(text::to_lower("AbC.") == "abc.");
        CHECK(text::iequals("Issue", "iSSUE"));
        CHECK_FALSE(text::iequals("issue", "issues"));
        CHECK(text::trim(" \t a b \t") == "a b");
        CHECK(text::split("a;b;;c", ';').size() == 4);
    }

    TEST_CASE("diagnostics render as FILE:LINE:COL: severity: message [rule]") {
        Diagnostics d;
        d.error("issuer-syntax", Location{"p.toml", 3, 7}, "bad \x01 issuer");
        d.warning("unknown-issuer", Location{"p.toml", 0, 0}, "hmm");
        CHECK(format_diagnostic(d.all()[0]) ==
              "p.toml:3:7: error: bad \\x01 issuer [issuer-syntax]");
        CHECK(format_diagnostic(d.all()[1]) == "p.toml: warning: hmm [unknown-issuer]");
        CHECK(d.count(Severity::error) == 1);
        CHECK(d.has_errors());
    }
}
