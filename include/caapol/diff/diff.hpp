// Expected (the policy) versus actual (a climb over any source: zone files, live DNS through
// resolvers or at one authoritative server): the one verdict of a name that lint, verify and
// explain report and that --fix is derived from. Pure data in, data out: no DNS, no printing.
#pragma once

#include "caapol/caa/record.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/policy/policy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace caapol::diff {

// ok: the relevant set is the expected one. drift: it differs (or an inherit domain owns a set).
// unchecked: no policy domain covers the name (format v1: no expectation). error: the lookup
// failed, so nothing can be said.
enum class Status { ok, drift, unchecked, error };
const char* status_name(Status status);

// One authoritative server's view of a name (verify --authoritative).
struct ServerView {
    std::string server;                  // "192.0.2.1@53"
    std::string zone;                    // the zone of the name, found through the resolver
    std::optional<std::uint32_t> serial; // the server's SOA serial of `zone`
    std::string serial_error;            // why there is no serial
    climb::Result result;
    Status status = Status::error;
    caa::SetDifference difference;
};

// A name on a climb (the name checked or one of its ancestors) that turned out to be an alias
// (a CNAME, or a name below a DNAME): the climb followed it to `target`, the end of its chain
// (the owner of the records found, or the last name, without CAA records).
struct AliasStep {
    std::string name;
    std::string target;
    bool operator==(const AliasStep&) const = default;
};

// The aliases met at the climb's positions, in climb order (alias targets queried along the way
// are not positions). Empty for a failed climb's unanswered part.
std::vector<AliasStep> climb_aliases(const climb::Result& result);
// The same into `out` (cleared first).
void climb_aliases_into(const climb::Result& result, std::vector<AliasStep>& out);

// A record of the relevant set whose TTL differs from the policy's: only for records the name
// owns itself (a set found at an ancestor is noted when that ancestor is checked).
struct TtlNote {
    std::size_t record = 0; // index into NameResult::actual
    std::uint32_t ttl = 0;
};

struct NameResult {
    std::string name;
    Status status = Status::error;
    // The policy domain the expectation comes from; empty when the policy has none for this
    // name (status unchecked, unless an inherit domain owns a set).
    std::string expected_from;
    std::vector<caa::Record> expected;
    std::uint32_t expected_ttl = 0;
    // Live (in authoritative mode: the first server's, or the first that differs).
    std::vector<climb::SourcedRecord> actual;
    std::string relevant_name;      // where the climb found the set (before aliases)
    std::string found_at;           // owner of the records after aliases
    std::vector<std::string> path;  // every name looked up, in order
    std::vector<AliasStep> aliases; // climb positions that are aliases (climb_aliases)
    caa::SetDifference difference;
    std::vector<std::string> notes;    // TTL differences, own RRset of an inherit domain, ...
    std::vector<TtlNote> ttl_notes;    // the TTL differences as data (lint places them)
    bool own_rrset_of_inherit = false; // an inherit = true domain owns a CAA RRset
    std::string error;                 // status == error: why (server and reason)
    std::vector<ServerView> servers;   // authoritative mode
    bool servers_disagree = false;
    // DNSSEC validation on: the climb's folded state (authoritative mode: every server's), each
    // step's (name, state), and the warning about a signature soon to expire (set by verify).
    dnssec::Status dnssec;
    std::vector<std::pair<std::string, dnssec::Status>> step_dnssec;
    std::string dnssec_warning;
};

// The policy's expectations, with the policy's domains in a hash table: verify compares
// 100,000 names against one policy, and each lookup walks up a name's labels without
// copying them.
class Expectations {
public:
    explicit Expectations(const policy::Policy& policy);
    // Same as policy::Policy::expected_for (policy::closest_expected, the one rule).
    const policy::Domain* expected_for(std::string_view name) const;
    // Same as policy::Policy::find.
    const policy::Domain* find(std::string_view name) const;
    // The same for a name known to be normalized (dns_name::is_normalized).
    const policy::Domain* find_normalized(std::string_view name) const;
    const policy::Domain* expected_for_normalized(std::string_view name) const;
    const policy::Policy& policy() const { return policy_; }

private:
    const policy::Policy& policy_;
    std::unordered_map<std::string_view, const policy::Domain*> by_name_;
};

// The one comparison: the climb of a name (from any source) against the policy.
//  - the expectation is policy::closest_expected (the closest domain at or above the name that
//    is not inherit = true); none: unchecked;
//  - an inherit = true domain must own no CAA RRset: one of its own is drift;
//  - a failed climb is error (unchecked names keep the reason as a note);
//  - sets compare as multisets of equivalent records (caa::compare_sets);
//  - `ttl_notes`: TTLs of records the name owns itself that differ from the policy's are
//    notes, never drift (authoritative answers only; resolvers count TTLs down).
NameResult compare(const Expectations& expectations, const climb::Result& actual, bool ttl_notes);
// The same into `out`, whatever it held before: its strings and vectors keep their memory, so
// that a run over millions of names that recycles one NameResult allocates nothing per name.
void compare_into(const Expectations& expectations, const climb::Result& actual, bool ttl_notes,
                  NameResult& out);

// Authoritative mode: one view per server (their `result` filled in); each is compared, and
// the name is error if any lookup failed, else drift if any server differs from the policy.
// Servers whose sets differ from each other are noted even when one matches.
NameResult compare_servers(const Expectations& expectations, const std::string& name,
                           std::vector<ServerView> views);

// A drifted name that no update of CAA records can fix where it would have to be made: an
// alias owner cannot hold other data (RFC 1034 section 3.6.2, RFC 6672 section 2.3), and
// RFC 2136 servers silently ignore an update that adds some.
struct Unfixable {
    enum class Why {
        // The name's CAA search stops at `alias` (the name itself or an ancestor at or below the
        // expected domain), whose target's set is not the policy's.
        search_stops_at_alias,
        // The policy's set belongs at `alias` (the expected domain), which cannot hold it.
        expected_at_alias,
        // The set to delete (at `alias`, an inherit = true domain) has nothing in the policy to
        // replace it: deleting it would leave the name with no CAA set at all.
        no_replacement,
        // The set to delete is the wildcard `alias`, whose records are right for `target`, a
        // name checked in the same run that the wildcard also answers for.
        wildcard_shared,
    };
    std::string name; // the drifted name
    Why why = Why::search_stops_at_alias;
    std::string alias;
    std::string target; // the end of the alias's chain
    std::string server; // --authoritative: the server whose answers show it; else empty
};

// "NAME: not fixable here: ..., change the alias or TARGET's CAA records" (one line, not
// escaped: the names came from DNS).
std::string describe(const Unfixable& unfixable);

struct Fixes {
    // Owners whose CAA RRsets would make live DNS match: the expected domain itself (when its
    // own result is not ok), and an inherit (delete-only) entry for an owner between the checked
    // name and the expected domain that holds an RRset of its own (a wildcard owner "*.x" when
    // the set was synthesized from it). Sorted, without duplicates: each is one name changed.
    std::vector<policy::Domain> domains;
    // Drifted names whose set comes through an alias: nothing in `domains` for them.
    std::vector<Unfixable> unfixable;
};

// What would make live DNS match the policy, derived from the verdicts alone: only names whose
// status is drift and whose expectation comes from the policy are touched (unchecked names
// never), and a set is deleted only where the policy's set then takes its place. A name is
// unfixable when its search stops at an alias at or below the expected domain, when the
// expected domain is an alias (seen on any climb of `results`) whose own result is not ok,
// when the set to delete has no replacement, or when it is a wildcard's set that another name
// of `results` rightly gets. With --authoritative, when any server's answers show it.
Fixes fixes(const Expectations& expectations, const std::vector<NameResult>& results);

} // namespace caapol::diff
