// The DNSSEC state of an answer (RFC 4035 §4.3), as a value without any ldns type: climbs,
// diffs and renderers carry it; only dnssec/validator.cpp computes it.
#pragma once

#include <cstdint>
#include <string>

namespace caapol::dnssec {

enum class State {
    off,           // not validated (--dnssec off)
    secure,        // a chain of trust from an anchor to every RRset and denial used
    insecure,      // proven to lie below a delegation without DS (or in an opt-out span)
    indeterminate, // no trust anchor covers the name
    bogus,         // the chain exists but the data does not validate
    error,         // a DS or DNSKEY lookup failed: the state cannot be known
};

// "secure", "insecure", "indeterminate", "bogus", "error", "off".
const char* state_name(State state);

struct Status {
    State state = State::off;
    // bogus, error, indeterminate, insecure: why, in words (which RRset, key tag, date,
    // server).
    std::string reason;
    // secure: the earliest expiration (Unix time) of the signatures the state rests on, 0
    // when unknown, and which signature that is.
    std::int64_t expires = 0;
    std::string expiring;
    // Whether the state makes the lookup a failure: bogus and error always,
    // indeterminate with --dnssec require.
    bool fatal = false;
};

// Folds `other` into `into`: the weaker state wins (error > bogus > indeterminate >
// insecure > secure > off), the earliest expiration is kept.
void combine(Status& into, const Status& other);

// "2026-11-28" (UTC).
std::string date_text(std::int64_t unix_time);

} // namespace caapol::dnssec
