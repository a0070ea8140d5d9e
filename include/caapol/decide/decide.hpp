// The CA decision: given the relevant CAA RRset of a name (climb.hpp), may this CA issue?
// RFC 8659 §4-§5, RFC 8657, CA/B Baseline Requirements 3.2.2.8, with Let's Encrypt's Boulder as
// the reference where the RFCs leave room. Pure data in, data out: cli/ prints it.
//
// Decided by RFC 8659/8657; where Let's Encrypt's Boulder (the most-used CA software) decides
// differently, the stricter answer stands ("deny wins") and the reason says so, so that the
// operator learns what fails at any CA (documented in the man page, "DECISION RULES"):
//  - Flags: bit 128 is "issuer critical". Bit 1 is treated as critical too, as Boulder does
//    (a widespread misreading of the RFC). The other reserved bits are ignored (RFC 8659 §4.1).
//  - Only issue, issuewild and iodef are tags every CA understands; any other tag with a
//    critical flag forbids issuance (issuemail, issuevmc, contact*: a TLS CA need not know them).
//  - Tags match ignoring ASCII case; parameter keys match exactly (lower case), as in Boulder.
//  - Issuer domains: RFC 8659 compares them ignoring case, Boulder byte for byte: an issuer
//    written in other letter case (or with a trailing dot, outside the RFC grammar) authorises
//    nobody.
//  - Parameter tags with inner hyphens: allowed by the RFC 8659 §4.2 grammar, refused by
//    Boulder: such a record authorises nobody.
//  - Two accounturi (or two validationmethods) parameters in one record: unsatisfiable.
//  - A validationmethods value with a label outside 1*(ALPHA / DIGIT / "-") authorises nobody.
#pragma once

#include "caapol/caa/issue_value.hpp"
#include "caapol/climb/climb.hpp"

#include <optional>
#include <string>
#include <vector>

namespace caapol::decide {

struct Request {
    std::optional<std::string> ca;          // issuer identifier; nullopt: report only
    std::optional<std::string> account_uri; // RFC 8657 accounturi of the requesting account
    std::optional<std::string> method;      // RFC 8657 validation method label
    bool wildcard = false;                  // a wildcard certificate ("*.name")
};

enum class Verdict {
    permit,
    deny,
    error,     // the lookup failed: a CA must not issue
    undecided, // no CA was asked about (Request::ca is nullopt) and the lookup succeeded
};

const char* verdict_name(Verdict verdict);

// What role a record of the relevant set plays in decisions.
enum class Role {
    issue,            // an issue property
    issuewild,        // an issuewild property
    understood,       // iodef: understood, grants nothing
    ignored,          // another tag without a critical flag: ignored
    critical_unknown, // another tag with a critical flag: forbids all issuance
};

const char* role_name(Role role);

// One issuer authorised by one issue/issuewild record, with its RFC 8657 restrictions.
struct Grant {
    std::size_t record = 0;                // index into Decision::records
    std::string issuer;                    // normalized (lower case, no trailing dot); "" for ";"
    std::string written_issuer;            // as written in the record
    std::vector<std::string> account_uris; // accounturi values (2+: unsatisfiable)
    std::vector<std::string> validation_methods; // labels of validationmethods, if restricted
    bool methods_restricted = false;
    std::string unsatisfiable; // non-empty: why this record can authorise nobody
};

// The meaning of one record of the relevant set.
struct RecordInfo {
    climb::SourcedRecord record;
    Role role = Role::ignored;
    bool critical = false;      // flags & 128, or flags & 1 (treated as critical)
    bool flag_one = false;      // flags & 1: treated as critical, as Boulder does
    bool malformed = false;     // an issue/issuewild value outside the RFC 8659 §4.2 grammar
    std::string problem;        // malformed: why
    std::string guessed_issuer; // malformed: the text before ';', to explain near misses
    std::optional<Grant> grant; // well-formed issue/issuewild records (issuer may be empty)
};

// Who may issue one kind of certificate (non-wildcard or wildcard).
struct Issuance {
    enum class Kind {
        unrestricted, // no relevant set, or it has no governing property: any CA
        restricted,   // only the grants below (none: no CA may issue)
        forbidden,    // a critical unknown tag: no CA may issue
        unknown,      // the lookup failed
    };
    Kind kind = Kind::unknown;
    std::string governing_tag;              // "issue" or "issuewild" when restricted
    std::vector<std::size_t> grant_records; // indices into Decision::records, CA grants only
};

const char* issuance_kind_name(Issuance::Kind kind);

struct Decision {
    Verdict verdict = Verdict::error;
    std::string rule;   // short stable id, e.g. "issuer-authorised"
    std::string reason; // one sentence
    // Permit given only because --account-uri/--method were not asked: the records restrict.
    bool conditional = false;
    std::vector<std::size_t> deciding_records; // records that decided (indices into `records`)
    std::vector<RecordInfo> records;           // the relevant set, in order
    Issuance non_wildcard;
    Issuance wildcard;
};

// Rule ids (stable; documented in the man page).
namespace rule {
inline constexpr const char* lookup_failed = "lookup-failed";
inline constexpr const char* no_caa = "no-caa";
inline constexpr const char* critical_unknown_tag = "critical-unknown-tag";
inline constexpr const char* no_issue_property = "no-issue-property";
inline constexpr const char* issuer_authorised = "issuer-authorised";
inline constexpr const char* issuer_authorised_restricted = "issuer-authorised-restricted";
inline constexpr const char* no_issuer = "no-issuer";
inline constexpr const char* issuer_not_listed = "issuer-not-listed";
inline constexpr const char* accounturi_mismatch = "accounturi-mismatch";
inline constexpr const char* validationmethods_mismatch = "validationmethods-mismatch";
inline constexpr const char* record_unsatisfiable = "record-unsatisfiable";
inline constexpr const char* record_malformed = "record-malformed";
inline constexpr const char* issuer_case_mismatch = "issuer-case-mismatch";
inline constexpr const char* report_only = "report-only";
} // namespace rule

// Classifies every record of a relevant set (no CA needed).
std::vector<RecordInfo> classify(const std::vector<climb::SourcedRecord>& records);

// Decides `request` over the climb result.
Decision decide(const climb::Result& result, const Request& request);

// "only for account URI; only by methods a, b" ("" when the grant is unrestricted).
std::string describe_restrictions(const Grant& grant);

} // namespace caapol::decide
