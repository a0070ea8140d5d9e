#include "caapol/core/dns_name.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace caapol;

TEST_SUITE("core") {
    TEST_CASE("normalize, parent, ancestry") {
        CHECK(dns_name::normalize("Example.COM.") == "example.com");
        CHECK(dns_name::normalize(".") == "");
        CHECK(dns_name::is_normalized("a.example.com"));
        CHECK(dns_name::is_normalized(""));
        CHECK_FALSE(dns_name::is_normalized("a.Example.com"));
        CHECK_FALSE(dns_name::is_normalized("a.example.com."));
        CHECK_FALSE(dns_name::is_normalized("."));
        CHECK(dns_name::parent("a.b.c") == "b.c");
        CHECK(dns_name::parent("c") == "");
        CHECK(dns_name::is_at_or_below("a.example.com", "example.com"));
        CHECK(dns_name::is_at_or_below("example.com", "example.com"));
        CHECK_FALSE(dns_name::is_at_or_below("badexample.com", "example.com"));
        CHECK(dns_name::is_at_or_below("x", ""));
        CHECK(dns_name::label_count("a.b.c") == 3);
        CHECK(dns_name::absolute("a.b") == "a.b.");
    }

    TEST_CASE("canonical order follows RFC 4034 section 6.1") {
        // The example of RFC 4034 §6.1 (without the escaped-octet names).
        std::vector<std::string> names = {
            "z.example",          "example",     "zabc.a.example", "a.example",
            "yljkjljk.a.example", "Z.a.example", "*.z.example"};
        std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
            return dns_name::canonical_compare(a, b) < 0;
        });
        std::vector<std::string> expected = {"example",     "a.example",      "yljkjljk.a.example",
                                             "Z.a.example", "zabc.a.example", "z.example",
                                             "*.z.example"};
        CHECK(names == expected);
    }

    TEST_CASE("check_hostname explains what is wrong") {
        CHECK(dns_name::check_hostname("example.com.") == "");
        CHECK(dns_name::check_hostname("xn--bcher-kva.example") == "");
        CHECK(dns_name::check_hostname("b\xc3\xbc"
                                       "cher.example")
                  .find("A-labels") != std::string::npos);
        CHECK(dns_name::check_hostname("a..b").find("empty label") != std::string::npos);
        CHECK(dns_name::check_hostname("*.example.com").find("issuewild") != std::string::npos);
        CHECK(dns_name::check_hostname(std::string(64, 'a') + ".com").find("63") !=
              std::string::npos);
        CHECK(dns_name::check_hostname("-a.com").find("'-'") != std::string::npos);
        CHECK(dns_name::check_hostname("a_b.com").find("letters") != std::string::npos);
        std::string long_name;
        for (int i = 0; i < 51; ++i) {
            long_name += "abcd.";
        }
        CHECK(dns_name::check_hostname(long_name + "com").find("253") != std::string::npos);
    }

    TEST_CASE("lengths are wire octets, never escaped text") {
        CHECK(dns_name::wire_length("") == 1);
        CHECK(dns_name::wire_length("a.b") == 5);
        CHECK(dns_name::wire_length("a\\032b.example") == 13); // "a b" is 3 octets
        CHECK(dns_name::wire_length("a\\.b.example") == 13);   // an escaped dot is one octet
        CHECK(dns_name::parent("a\\.b.example") == "example");
        CHECK(dns_name::first_label_end("a\\.b.example") == 4);
        // 40 labels of "\\032\\032" are 40 * 3 = 120 octets, though 40 * 9 = 360 characters.
        std::string escaped;
        for (int i = 0; i < 40; ++i) {
            escaped += "\\032\\032.";
        }
        escaped += "example";
        CHECK(escaped.size() > 255);
        CHECK(dns_name::wire_length(escaped) == 129);
        auto substituted = dns_name::substitute_dname(escaped + ".old", "old", "new.example");
        REQUIRE(substituted);
        CHECK(*substituted == escaped + ".new.example");
        std::string long_label(63, 'a');
        std::string near = long_label + "." + long_label + "." + long_label + ".old";
        CHECK_FALSE(dns_name::substitute_dname(near, "old", long_label + ".x"));
    }

    TEST_CASE("strip_wildcard and the lookup profile") {
        CHECK(dns_name::strip_wildcard("*.example.com") == "example.com");
        CHECK(dns_name::strip_wildcard("example.com") == "example.com");
        CHECK(dns_name::check_name("*.example.com", dns_name::Profile::lookup).empty());
        CHECK(dns_name::check_name("_dmarc.example.com", dns_name::Profile::lookup).empty());
        CHECK_FALSE(
            dns_name::check_name("_dmarc.example.com", dns_name::Profile::hostname).empty());
        CHECK_FALSE(dns_name::check_name("a b.example.com", dns_name::Profile::lookup).empty());
    }
}
