#include "caapol/core/utc_time.hpp"

#include <cstddef>

namespace caapol::utc_time {

namespace {

// `count` digits at text[at...] as a number; false when one of them is not a digit.
bool digits(std::string_view text, std::size_t at, std::size_t count, int* out) {
    if (at + count > text.size()) {
        return false;
    }
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

bool leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (the civil-date
// algorithm: years counted from March, so that the leap day ends a year).
std::int64_t days_from_epoch(int year, int month, int day) {
    std::int64_t y = month <= 2 ? year - 1 : year;
    std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t year_of_era = y - era * 400;
    std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

} // namespace

bool parse(std::string_view text, std::int64_t* out, bool date_alone) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, &year) || text.size() < 10 || text[4] != '-' ||
        !digits(text, 5, 2, &month) || text[7] != '-' || !digits(text, 8, 2, &day)) {
        return false;
    }
    std::size_t at = 10;
    if (text.size() == 10) {
        if (!date_alone) {
            return false;
        }
    } else {
        if (text[10] != 'T' || !digits(text, 11, 2, &hour) || text.size() < 19 || text[13] != ':' ||
            !digits(text, 14, 2, &minute) || text[16] != ':' || !digits(text, 17, 2, &second)) {
            return false;
        }
        at = 19;
        if (at < text.size() && text[at] == '.') {
            std::size_t fraction = ++at;
            while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
                ++at;
            }
            if (at == fraction) {
                return false;
            }
        }
        if (at < text.size() && text[at] == 'Z') {
            ++at;
        }
    }
    static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (at != text.size() || month < 1 || month > 12 || day < 1 ||
        day > month_days[month - 1] + (month == 2 && leap(year) ? 1 : 0) || hour > 23 ||
        minute > 59 || second > 60) {
        return false;
    }
    *out = days_from_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return true;
}

} // namespace caapol::utc_time
