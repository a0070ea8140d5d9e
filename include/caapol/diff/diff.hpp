// Expected (the policy) versus actual (a climb over live DNS): the per-name result verify
// reports. Pure data in, data out: no DNS, no printing.
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

enum class Status { ok, drift, error };
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

struct NameResult {
    std::string name;
    Status status = Status::error;
    // The policy domain the expectation comes from; empty when the policy has none for this
    // name, and then the expectation is "no CAA records": issuance unrestricted.
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
    std::vector<std::string> notes;  // TTL differences, own RRset of an inherit domain, ...
    std::string error;               // status == error: why (server and reason)
    std::vector<ServerView> servers; // authoritative mode
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
    // Same as policy::Policy::expected_for.
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

NameResult compare(Expectations& expectations, const climb::Result& actual, bool ttl_notes);
// The same, taking the climb's strings and records instead of copying them.
NameResult compare(Expectations& expectations, climb::Result&& actual, bool ttl_notes);

// Compares one climb with the policy. `ttl_notes`: TTL differences are reported as notes
// (authoritative answers only; resolvers count TTLs down).
NameResult compare(const policy::Policy& policy, const climb::Result& actual, bool ttl_notes);

// Authoritative mode: one view per server (their `result` filled in); each is compared, and
// the name is error if any lookup failed, else drift if any server differs from the policy.
// Servers whose sets differ from each other are noted even when one matches.
NameResult compare_servers(const policy::Policy& policy, const std::string& name,
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
    // Policy domains whose records would make live DNS match: the expected domain itself, and
    // an inherit (delete-only) entry for a name between the checked name and the expected
    // domain that holds an RRset of its own. Sorted, without duplicates.
    std::vector<policy::Domain> domains;
    // Drifted names whose set comes through an alias: nothing in `domains` for them.
    std::vector<Unfixable> unfixable;
};

// What would make live DNS match the policy for the drifted `results`. A name is unfixable
// when its search stops at an alias at or below the expected domain (or anywhere, for a name
// the policy expects to have no set), or when the expected domain is an alias (seen on any
// climb of `results`) whose own result is not ok. With --authoritative, when any server's
// answers show it.
Fixes fixes(const policy::Policy& policy, const std::vector<NameResult>& results);

} // namespace caapol::diff
