// The CAA record model (RFC 8659 §4) and the equivalence rules of policy format v1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::caa {

inline constexpr std::uint8_t flag_critical = 128;
inline constexpr std::uint16_t rr_type_caa = 257;

struct Record {
    std::uint8_t flags = 0;
    std::string tag;                                // as found (case preserved)
    std::string value;                              // raw octets, unescaped
    bool operator==(const Record&) const = default; // exact, byte for byte
};

bool is_critical(const Record& record);

// Tags with an issuer-domain-name value: issue, issuewild, issuemail, issuevmc (any case).
bool is_issue_type(std::string_view tag);

// Tags caapol knows: the issue types, iodef, contactemail, contactphone.
bool is_known_tag(std::string_view tag);
const std::vector<std::string>& known_tags();

// auth, path, policy (RFC 8659 §4 reserved: must not be used).
bool is_reserved_tag(std::string_view tag);

// RFC 8659: 1+ characters of A-Z a-z 0-9.
bool is_valid_tag(std::string_view tag);

// Equivalence of policy format v1: flags equal, tags equal ignoring case, issue-type values
// equal after parsing (issuer ignoring case and a trailing dot, parameters as a set), other
// values byte for byte. A value that does not parse compares byte for byte.
bool equivalent(const Record& a, const Record& b);

// A string such that equivalent(a, b) <=> canonical_key(a) == canonical_key(b); sorting by it
// gives the deterministic multiset order used by diff.
std::string canonical_key(const Record& record);

// Canonical form: lower-case tag; for a parsable issue-type value, lower-case issuer without
// trailing dot and "issuer; key=value; key=value" spacing. Other values unchanged.
Record canonical(const Record& record);

// Presentation form "FLAGS TAG \"VALUE\"" with RFC 1035 escapes; exactly the record, nothing
// normalized. Safe to put on one zone-file line whatever the value holds.
std::string to_presentation(const Record& record);

// RDATA octets: flags, tag length, tag, value.
std::string to_rdata(const Record& record);

// Parses RDATA octets. On failure returns nullopt and sets *error (tag length overruns the
// RDATA, empty tag, ...).
std::optional<Record> from_rdata(std::string_view rdata, std::string* error);

// Multiset comparison under equivalence: records of `expected` not matched in `actual`, and
// records of `actual` not matched in `expected`. Both outputs sorted by canonical_key.
struct SetDifference {
    std::vector<Record> missing;    // in expected, not in actual
    std::vector<Record> unexpected; // in actual, not in expected
    bool empty() const { return missing.empty() && unexpected.empty(); }
};
SetDifference compare_sets(const std::vector<Record>& expected, const std::vector<Record>& actual);

} // namespace caapol::caa
