#include "caapol/core/punycode.hpp"

#include <doctest/doctest.h>

using namespace caapol;

TEST_SUITE("core") {
    TEST_CASE("punycode: RFC 3492 section 7.1 samples and A-labels") {
        // (A) Arabic (Egyptian), (B) Chinese (simplified), (L) 3<nen>B<gumi><kinpachi><sensei>.
        CHECK(punycode::encode("\u0644\u064a\u0647\u0645\u0627\u0628\u062a\u0643\u0644\u0645"
                               "\u0648\u0634\u0639\u0631\u0628\u064a\u061f") ==
              "egbpdaj6bu4bxfgehfvwxn");
        CHECK(punycode::encode("\u4ed6\u4eec\u4e3a\u4ec0\u4e48\u4e0d\u8bf4\u4e2d\u6587") ==
              "ihqwcrb4cv8a8dqg056pqjye");
        CHECK(punycode::encode("3\u5e74B\u7d44\u91d1\u516b\u5148\u751f") ==
              "3B-ww4c5e180e575a65lsy2b");
        CHECK(punycode::encode("b\u00fccher") == "bcher-kva");
        CHECK(punycode::encode("abc") == "abc-");
        CHECK_FALSE(punycode::encode("\xc3").has_value());         // truncated UTF-8
        CHECK_FALSE(punycode::encode("\xed\xa0\x80").has_value()); // a surrogate
        CHECK(punycode::to_ascii("B\u00fccher.Example.") == "xn--bcher-kva.example.");
        CHECK(punycode::to_ascii("www.\u4f8b\u3048.jp") == "www.xn--r8jz45g.jp");
        CHECK(punycode::to_ascii("plain.example") == "plain.example");
    }
}
