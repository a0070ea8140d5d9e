// Policy format v1 (README "Policy files"): TOML files turned into the records each domain
// must publish, every piece carrying the file:line:column it came from.
#pragma once

#include "caapol/caa/record.hpp"
#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::policy {

inline constexpr std::uint32_t default_ttl = 3600;

// A Location in 16 bytes: the file name is interned once per distinct name and shared by every
// record and domain of the file (a million domains carried a million copies of the path).
// Converts to and from Location, so it goes wherever a Location is expected.
struct PolicyLocation {
    const std::string* file = &no_file();
    std::uint32_t line = 0;
    std::uint32_t column = 0;

    PolicyLocation() = default;
    PolicyLocation(const Location& location); // NOLINT: implicit, like a Location
    PolicyLocation(const std::string* interned_file, std::uint32_t line_number,
                   std::uint32_t column_number)
        : file(interned_file), line(line_number), column(column_number) {}
    operator Location() const { return Location{*file, line, column}; } // NOLINT
    const std::string& file_name() const { return *file; }

    static const std::string& no_file();
};

// The shared copy of a file name, kept for the life of the process (one per distinct name).
const std::string* intern_file_name(const std::string& name);

struct PolicyRecord {
    caa::Record record;      // canonical: lower-case tag and issuer
    PolicyLocation location; // the list entry (or key) that produced it
};

struct Domain {
    std::string name;        // normalized: lower case, no trailing dot
    PolicyLocation location; // the [domain."..."] header
    bool inherit = false;
    std::uint32_t ttl = default_ttl;
    // In generation order: issue, issuewild, issuemail, issuevmc, iodef, contactemail,
    // contactphone, property; each in policy order. Empty for inherit domains.
    std::vector<PolicyRecord> records;

    std::vector<caa::Record> record_set() const;
    // Whether DNS that matches the policy holds a CAA RRset at this name: the one rule behind
    // closest_expected and the policy source (not inherit = true, and some records).
    bool publishes_records() const { return !inherit && !records.empty(); }
};

struct Policy {
    std::vector<std::string> files; // as given
    // Sorted in DNS canonical order (RFC 4034 §6.1) by name; find and expected_for rely on it
    // (binary search), so keep the order when building a Policy by hand.
    std::vector<Domain> domains;

    // The policy domain with exactly this name (normalized or not), or nullptr.
    const Domain* find(std::string_view name) const;

    // The expected set of `name`: the closest domain at or above it that is not inherit = true
    // and has records. nullptr when the policy has no expectation for the name.
    const Domain* expected_for(std::string_view name) const;
};

// The expectation rule of format v1, over any way of finding domains by normalized name: the
// closest domain at or above `normalized_name` that is not inherit and has records.
template <typename FindDomain>
const Domain* closest_expected(std::string_view normalized_name, const FindDomain& find) {
    while (!normalized_name.empty()) {
        const Domain* domain = find(normalized_name);
        if (domain != nullptr && domain->publishes_records()) {
            return domain;
        }
        std::size_t dot = normalized_name.find('.');
        normalized_name =
            dot == std::string_view::npos ? std::string_view() : normalized_name.substr(dot + 1);
    }
    return nullptr;
}

// Parses and validates policy files. All problems of all files are added to `diagnostics`
// (errors and warnings, each with file:line:col; sorted by place within each file). Rule ids
// are listed in the man page (POLICY FORMAT). [defaults] of a file apply to that file's
// domains only; a domain defined twice (in one file or across files) is an error. Throws InputError
// when a file cannot be read. The returned policy holds what could be understood; callers refuse to
// use it when diagnostics.has_errors().
Policy load(const std::vector<std::string>& paths, Diagnostics& diagnostics);

// Same, from text already in memory (`name` is used in locations). For tests and fuzzing.
Policy load_from_string(std::string_view text, const std::string& name, Diagnostics& diagnostics);

// How the TOML text is read. `automatic` (what load does): the fast reader of the policy subset
// of TOML, and toml++ for any file outside it. The other two exist so that tests can compare
// the readers: `fast_only` gives nullopt where the fast reader declines, `toml_only` never uses it.
enum class Reader { automatic, fast_only, toml_only };
std::optional<Policy> load_from_string(std::string_view text, const std::string& name,
                                       Diagnostics& diagnostics, Reader reader);

struct LoadOptions {
    // The RFC 8657 advice pass (advice.cpp: warnings and notes only, never errors). Off where
    // only errors matter (import's round trip: a tenth of a large import).
    bool advice = true;
};
std::optional<Policy> load_from_string(std::string_view text, const std::string& name,
                                       Diagnostics& diagnostics, Reader reader,
                                       const LoadOptions& options);

} // namespace caapol::policy
