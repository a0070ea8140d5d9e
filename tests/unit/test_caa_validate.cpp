#include "caapol/caa/validate.hpp"

#include <doctest/doctest.h>

using namespace caapol::caa;

TEST_SUITE("caa") {
    TEST_CASE("validation methods: ACME registry labels or ca- prefixed") {
        CHECK(is_known_validation_method("dns-01"));
        CHECK(is_known_validation_method("http-01"));
        CHECK(is_known_validation_method("tls-alpn-01"));
        CHECK(is_known_validation_method("dns-account-01"));
        CHECK(is_known_validation_method("ca-custom-method"));
        CHECK_FALSE(is_known_validation_method("dns01"));
        CHECK_FALSE(is_known_validation_method("DNS-01"));
        CHECK_FALSE(is_known_validation_method("ca-"));
    }

    TEST_CASE("account URIs must be absolute") {
        CHECK(check_account_uri("https://acme-v02.api.letsencrypt.org/acme/acct/123456") == "");
        CHECK(check_account_uri("urn:example:1") == "");
        CHECK(check_account_uri("acme/acct/1").find("absolute") != std::string::npos);
        CHECK(check_account_uri("/acct/1").find("absolute") != std::string::npos);
        CHECK(check_account_uri("https:").find("nothing after") != std::string::npos);
        CHECK(check_account_uri("https://a/b c").find("space") != std::string::npos);
        CHECK(check_account_uri("") != "");
    }

    TEST_CASE("iodef URLs") {
        CHECK(check_iodef_url("mailto:security@example.com") == "");
        CHECK(check_iodef_url("https://example.com/caa-report") == "");
        CHECK(check_iodef_url("http://example.com:8080/r?x=1") == "");
        CHECK(check_iodef_url("ftp://example.com/").find("mailto:") != std::string::npos);
        CHECK(check_iodef_url("security@example.com") != "");
        CHECK(check_iodef_url("mailto:not-an-address") != "");
        CHECK(check_iodef_url("https:///path") != "");
        CHECK(check_iodef_url("https://exa mple.com/") != "");
    }

    TEST_CASE("contactemail: exactly one address") {
        CHECK(check_contact_email("pki@example.com") == "");
        CHECK(check_contact_email("a@b@example.com") != "");
        CHECK(check_contact_email("a@example.com, b@example.com") != "");
        CHECK(check_contact_email("mailto:pki@example.com").find("mailto") != std::string::npos);
        CHECK(check_contact_email("example.com") != "");
    }

    TEST_CASE("contactphone: global numbers, not tel: URIs") {
        CHECK(check_contact_phone("+1 555 123 4567") == "");
        CHECK(check_contact_phone("+44 (20) 7946-0958") == "");
        CHECK(check_contact_phone("tel:+15551234567").find("tel:") != std::string::npos);
        CHECK(check_contact_phone("555 123 4567").find("'+'") != std::string::npos);
        CHECK(check_contact_phone("+1 555 CALL NOW") != "");
        CHECK(check_contact_phone("+ 1 555") != "");
    }

    TEST_CASE("issuer domain syntax") {
        CHECK(check_issuer_domain("letsencrypt.org") == "");
        CHECK(check_issuer_domain("letsencrypt.org.") == "");
        CHECK(check_issuer_domain("pki.goog") == "");
        CHECK(check_issuer_domain("lets_encrypt.org") != "");
        CHECK(check_issuer_domain("a..b") != "");
        CHECK(check_issuer_domain("") != "");
    }
}
