#include "caapol/core/utc_time.hpp"

#include <cstdio>
#include <ctime>
#include <doctest/doctest.h>

using namespace caapol;

TEST_SUITE("core") {
    TEST_CASE("utc_time::parse reads RFC 3339 date-times in UTC") {
        std::int64_t t = 0;
        CHECK(utc_time::parse("1970-01-01T00:00:00Z", &t));
        CHECK(t == 0);
        CHECK(utc_time::parse("2024-01-01T00:00:00Z", &t));
        CHECK(t == 1704067200);
        CHECK(utc_time::parse("2024-01-01T00:00:00", &t)); // crt.sh writes no Z
        CHECK(t == 1704067200);
        CHECK(utc_time::parse("2024-02-29T12:34:56.789Z", &t)); // the fraction is dropped
        CHECK(t == 1709210096);
        CHECK(utc_time::parse("2016-12-31T23:59:60Z", &t)); // a leap second
        CHECK(t == 1483228800);
    }

    TEST_CASE("utc_time::parse takes a date alone only when asked") {
        std::int64_t t = 7;
        CHECK_FALSE(utc_time::parse("2026-11-28", &t));
        CHECK(t == 7);
        CHECK(utc_time::parse("2026-11-28", &t, /*date_alone=*/true));
        CHECK(t == 1795824000);
    }

    TEST_CASE("utc_time::parse refuses what is not a date-time, leaving *out alone") {
        for (const char* bad :
             {"", "2024", "2024-1-01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
              "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01 00:00:00Z",
              "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z",
              "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+01:00",
              " 2024-01-01T00:00:00Z", "+024-01-01T00:00:00Z", "2024-01-01T0:00:00Z",
              "2024-01-01Tab:00:00Z"}) {
            std::int64_t t = 42;
            CAPTURE(bad);
            CHECK_FALSE(utc_time::parse(bad, &t, true));
            CHECK(t == 42);
        }
    }

    TEST_CASE("utc_time::parse agrees with timegm on every day from 1900 to 2400") {
        std::tm tm{};
        tm.tm_year = 0;
        tm.tm_mday = 1;
        tm.tm_hour = 13;
        tm.tm_min = 5;
        tm.tm_sec = 9;
        for (time_t day = timegm(&tm); day < 13569465600; day += 86400) {
            std::tm civil{};
            gmtime_r(&day, &civil);
            char text[64];
            std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", civil.tm_year + 1900,
                          civil.tm_mon + 1, civil.tm_mday, civil.tm_hour, civil.tm_min,
                          civil.tm_sec);
            std::int64_t t = 0;
            REQUIRE(utc_time::parse(text, &t));
            REQUIRE(t == static_cast<std::int64_t>(day));
        }
    }
}
