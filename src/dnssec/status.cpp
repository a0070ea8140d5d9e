#include "caapol/dnssec/status.hpp"

#include <ctime>

namespace caapol::dnssec {

namespace {

int rank(State state) {
    switch (state) {
    case State::off:
        return 0;
    case State::secure:
        return 1;
    case State::insecure:
        return 2;
    case State::indeterminate:
        return 3;
    case State::bogus:
        return 4;
    case State::error:
        return 5;
    }
    return 5;
}

} // namespace

const char* state_name(State state) {
    switch (state) {
    case State::off:
        return "off";
    case State::secure:
        return "secure";
    case State::insecure:
        return "insecure";
    case State::indeterminate:
        return "indeterminate";
    case State::bogus:
        return "bogus";
    case State::error:
        return "error";
    }
    return "error";
}

void combine(Status& into, const Status& other) {
    if (rank(other.state) > rank(into.state)) {
        into.state = other.state;
        into.reason = other.reason;
    }
    into.fatal = into.fatal || other.fatal;
    if (other.expires != 0 && (into.expires == 0 || other.expires < into.expires)) {
        into.expires = other.expires;
        into.expiring = other.expiring;
    }
}

std::string date_text(std::int64_t unix_time) {
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
    return text;
}

} // namespace caapol::dnssec
