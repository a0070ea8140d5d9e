// caapol import --from ct: a proposed policy from certificates (Certificate Transparency
// exports or certificate files, read by audit::read_certificates) that authorises exactly the
// CAs seen issuing, per domain, within a window of time.
//
// Per name seen (a wildcard "*.n" counts for n, as a CA's CAA check does: RFC 8659 section 3),
// its profile: the CAA domains of the issuers of its non-wildcard certificates (I) and of its
// wildcard certificates (W); an issuer stands for the first CAA domain of its table row. A
// domain's records follow from its profile: issue = I, and issuewild = W unless W = I (then
// issue governs both); an empty side becomes [] (no CA). The domains:
//  - with `domains` given (--names, --origin): exactly those; a name belongs to the closest
//    one at or above it, and a domain's profile is the union of its names' profiles;
//  - else the names seen themselves, in DNS canonical order: a name becomes a domain unless
//    each side it was seen with (I, W: non-empty) equals that side of the closest domain
//    above it, which it then inherits. A side not seen at a name (no wildcard certificate,
//    or wildcards only) is left to the domain above, as a name not seen at all is; at a
//    domain with nothing above, it is [] (nothing seen, nothing allowed). No name is
//    invented (caapol knows no public suffix list): two siblings with no common parent seen
//    stay two domains.
// Either way `caapol audit --policy` over the same certificates finds every name authorised,
// and every (name, kind) seen is governed by a list naming exactly the CAs seen for it there.
#pragma once

#include "caapol/audit/certificate.hpp"
#include "caapol/core/diagnostic.hpp"
#include "caapol/output/policy_toml.hpp"
#include "caapol/policy/policy.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace caapol::importer {

struct CtOptions {
    std::int64_t since = 0; // certificates whose not_before is at or after (Unix seconds)
    std::int64_t until = std::numeric_limits<std::int64_t>::max(); // and at or before (now)
    std::vector<std::string> domains; // normalized; empty: the domains follow from the names
    std::string sources;              // names the input in finish()'s "nothing to propose"
};

// One (name, kind, CAA domain) the proposal must authorise: what the self-check audits.
struct CtExpectation {
    std::string name; // "*.n" for a wildcard
    bool wildcard = false;
    std::string caa_domain;
    Location location; // the newest certificate showing it
};

struct CtProposal {
    std::vector<output::PolicyEntry> entries; // DNS canonical order
    std::vector<std::string> notes;           // for the header (left-out certificates, ...)
    std::vector<CtExpectation> expectations;
};

// Gathers certificates one by one (compactly: names interned, nothing else of a certificate
// kept) and builds the proposal at the end.
class CtCollector {
public:
    explicit CtCollector(CtOptions options);

    // Certificates outside the window are counted and left out; one without a readable
    // not_before is a warning at its location. An unknown issuer (no CAA domain) is counted
    // per issuer: finish() warns once per issuer and comments on it in the proposal.
    void add(const audit::Certificate& certificate, Diagnostics& diagnostics);

    // The proposal; an error when no certificate of the window has a known issuer (nothing to
    // propose). Warnings: unknown issuers, names outside the given domains.
    CtProposal finish(Diagnostics& diagnostics);

    std::size_t in_window() const { return in_window_; }
    std::size_t before_window() const { return before_window_; }
    std::size_t after_window() const { return after_window_; }

private:
    struct Tally {
        std::size_t certificates = 0;
        std::string newest_date; // not_before, RFC 3339 (compares as text)
        std::string newest_id;   // "serial 04deadbeef", "crt.sh 1003", "sha256 ..."
        Location newest_location;
        void count(const std::string& not_before, const std::string& id, const Location& at);
    };
    struct Seen {
        std::uint32_t caa_domain = 0; // index into caa_domains_
        std::string not_before;
        std::string id;
        Location location;
        std::vector<std::uint32_t> names; // name index << 1 | wildcard
    };
    struct NameProfile {
        std::string name;
        std::vector<std::uint32_t> issue, wild; // sorted CAA domain indices
        Location first;
    };
    struct Unknown {
        Tally tally;
        Location first;
        std::vector<std::uint32_t> names; // base name indices (deduplicated at the end)
    };
    std::uint32_t intern_name(const std::string& name, const Location& at);

    CtOptions options_;
    std::size_t in_window_ = 0;
    std::size_t before_window_ = 0;
    std::size_t after_window_ = 0; // not_before later than `until`
    std::vector<std::string> caa_domains_;
    std::unordered_map<std::string, std::uint32_t> caa_index_;
    std::vector<NameProfile> names_;
    std::unordered_map<std::string, std::uint32_t> name_index_;
    std::vector<Seen> seen_;
    std::map<std::string, Unknown> unknown_; // issuer DN -> certificates
};

// The exactness contract, checked on the policy loaded back from the written text: each
// expectation audited (audit::Auditor, as `caapol audit` decides) must be authorised; any
// other verdict is an internal error at the expectation's location.
void check_proposal(const policy::Policy& policy, const std::vector<CtExpectation>& expectations,
                    std::int64_t now, Diagnostics& diagnostics);

} // namespace caapol::importer
