// RFC 8659 §3, and nothing else: the relevant CAA RRset of a name.
//  - query the name; follow aliases (bounded, loop-safe);
//  - on an empty answer (NODATA or NXDOMAIN) go to the parent of the *original* name (never
//    of an alias target), up to but not including the root;
//  - a wildcard name "*.x" starts at "x";
//  - stop at the first failure: a failed lookup is never "no CAA".
// Climber is a small state machine so that an asynchronous driver can advance thousands of
// climbs at once; climb() drives one synchronously over a Source.
#pragma once

#include "caapol/climb/source.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::climb {

inline constexpr std::size_t max_alias_hops = 16; // CAs must handle at least 8

struct Step {
    std::string name; // the name queried
    Answer answer;
};

enum class Outcome {
    found,   // a relevant RRset was found at `relevant_name`
    none,    // no CAA records up to (not including) the root: issuance is unrestricted
    failure, // a lookup failed (or an alias chain was too long or looped): undecidable
};

const char* outcome_name(Outcome outcome);

struct Result {
    std::string name; // the name asked about (normalized, "*." kept)
    Outcome outcome = Outcome::failure;
    std::string relevant_name; // where the set was found (climb position, before aliases)
    std::string found_at;      // the owner of the records after following aliases ("*.x"
                               // when a wildcard synthesized them)
    std::vector<SourcedRecord> records;
    std::vector<Step> path; // every lookup, in order
    std::string reason;     // outcome == failure: why, naming the server and name
    dnssec::Status dnssec;  // every step's state folded (dnssec::combine)
};

// Where a climb starts.
enum class Start {
    // `name` is a certificate name: "*.x" starts at x (RFC 8659 §3).
    certificate_name,
    // `name` is an owner name as written: "*.x" is the wildcard owner itself, so the climb
    // gives the set that the names the wildcard answers for get (lint checks wildcard owners
    // this way).
    owner_name,
};

class Climber {
public:
    explicit Climber(std::string_view name, Start start = Start::certificate_name);
    // Starts the climb of another name in this object, keeping the memory of the last one's
    // strings and vectors (a driver of millions of climbs allocates less per climb).
    void restart(std::string_view name, Start start = Start::certificate_name);

    // The name to look up next, or nullptr when finished (valid until the next feed()).
    const std::string* next_query() const;
    // Feeds the answer to the pending query.
    void feed(const Answer& answer);
    void feed(Answer&& answer);
    bool done() const { return done_; }
    const Result& result() const { return result_; }
    Result take_result() { return std::move(result_); }
    // The result, for the caller to read or move from; restart() makes the climber whole
    // again.
    Result&& release_result() { return std::move(result_); }

private:
    void finish(Outcome outcome, std::string reason = {});
    Step& push_step(); // a step for the pending query, its answer still to be filled in
    void settle();     // acts on the last step's answer
    std::string chain_text() const; // "climb_name -> alias -> ..."

    Result result_;
    std::string climb_name_; // the original name or its current ancestor
    // Names reached by following aliases from climb_name_, in order: the pending query is
    // the last (climb_name_ when there is none).
    std::vector<std::string> aliases_;
    bool done_ = false;
};

// Runs one climb synchronously.
Result climb(Source& source, const std::string& name, Start start = Start::certificate_name);

} // namespace caapol::climb
