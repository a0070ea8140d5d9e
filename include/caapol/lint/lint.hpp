// caapol lint's checks over loaded zones: RFC 8659/8657/9495 and CA/B rules on every CAA record
// and RRset, and (with a policy) the effective CAA set of every name against the policy.
#pragma once

#include "caapol/core/diagnostic.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/zone/zone.hpp"

#include <string>
#include <vector>

namespace caapol::lint {

// One rule of the table in README/man page: stable id, severity, a one-line summary and the
// help text (what is wrong and the fix) that SARIF shows.
struct Rule {
    const char* id;
    Severity severity;
    const char* summary;
    const char* help;
};

// Every rule lint can report, in the documented order (includes `syntax` and
// `include-outside-root`, reported by the zone reader).
const std::vector<Rule>& rules();
const Rule* find_rule(std::string_view id);

// RFC and CA/B rules on every CAA record and every name's CAA RRset.
void check_records(const zone::ZoneSet& zones, Diagnostics& diagnostics);

struct DriftOptions {
    bool strict = false; // policy domains that cannot be checked are errors, not notes
    // More names to judge (lint --names), as verify --names does over live DNS.
    std::vector<std::string> names;
};

// Compares the effective CAA set of every policy domain, every name owning CAA records and
// every name of options.names (climbing the loaded zones as RFC 8659 §3 climbs DNS) with the
// policy's expected set, through diff::compare: the same verdict verify gives over live DNS.
// Findings go to `diagnostics` at file locations; the verdicts are returned, one per name
// judged, in DNS canonical order (lint --format json lists them).
std::vector<diff::NameResult> check_policy(const zone::ZoneSet& zones, const policy::Policy& policy,
                                           const DriftOptions& options, Diagnostics& diagnostics);

} // namespace caapol::lint
