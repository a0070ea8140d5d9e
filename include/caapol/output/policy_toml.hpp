// A policy file (format v1) written from domains and their records: what `caapol import`
// prints. Reviewable (domains in the given order, [defaults] for the most common TTL and iodef
// list, issuers in record order, RFC 8657 parameters as table fields) and exact: loading the
// text gives back the same records. What the format cannot hold is refused, at the location of
// the record it came from, rather than written approximately.
#pragma once

#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <string>
#include <vector>

namespace caapol::output {

struct PolicyEntry {
    // name, ttl and records (each with the location it was read from); `inherit` domains are
    // written as inherit = true.
    policy::Domain domain;
    // Written as inherit = false: the domain has records of its own that equal what it would
    // inherit (kept so that the records stay where they are).
    bool explicit_own = false;
    std::vector<std::string> comments; // lines written above the table (escaped here)
    // Optional, parallel to domain.records: a comment written after the record's list entry
    // ("" or missing: none). Lists with comments are written one entry per line.
    std::vector<std::string> record_comments;
};

struct PolicyWriterOptions {
    std::vector<std::string> header; // comment lines at the top (escaped here)
    bool defaults = true;            // [defaults] for the most common ttl and iodef list
};

struct WrittenPolicy {
    std::string text;
    // For line N of `text` (index N-1): the record, or the domain's first record, the line was
    // written for; empty for lines of no record (header, blank lines).
    std::vector<Location> line_sources;
};

// Rule id of every refusal.
inline constexpr const char* cannot_import_rule = "cannot-import";

// Writes `entries` (already in DNS canonical order) as a policy file. Each record the format
// cannot hold (flags other than 0 and 128, an issue-type value outside the RFC 8659 grammar,
// ";" beside issuers, a critical contact, repeated parameters, bytes that are not UTF-8) is an
// error in `problems` at the record's location; the text is then not to be used.
WrittenPolicy render_policy(const std::vector<PolicyEntry>& entries,
                            const PolicyWriterOptions& options, Diagnostics& problems);

} // namespace caapol::output
