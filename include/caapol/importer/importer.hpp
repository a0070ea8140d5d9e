// caapol import: the CAA RRsets that exist today (zone files, live DNS, generate's JSON) turned
// into policy domains that reproduce them exactly, and the check that a written policy does.
#pragma once

#include "caapol/caa/record.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/core/diagnostic.hpp"
#include "caapol/output/policy_toml.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/zone/zone.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::importer {

struct ObservedRecord {
    caa::Record record;
    std::uint32_t ttl = 0;
    Location location; // where it was read (a file position, or the server and name)
};

// The CAA RRset one name owns.
struct ObservedSet {
    std::string name; // normalized
    std::vector<ObservedRecord> records;
    std::vector<std::string> comments; // for the reviewer, above the domain's table
};

// Rule id of every problem with the input (besides the writer's cannot-import).
inline constexpr const char* import_rule = "cannot-import";

// Every name owning CAA records in the loaded zones. Refused (errors at the record): wildcard
// owners (the format names no wildcards), CAA beside a CNAME, CAA at or below a delegation or a
// DNAME of its zone (occluded: no server serves it).
std::vector<ObservedSet> from_zones(const zone::ZoneSet& zones, Diagnostics& diagnostics);

// generate --format json output: {"version":1,"records":[{"name","ttl","flags","tag",
// "value"}]}. Problems are errors at file:line:col of the JSON.
std::vector<ObservedSet> from_json(std::string_view text, const std::string& file,
                                   Diagnostics& diagnostics);

// Climb results (live DNS): the set found at each result's found_at. Failed climbs are
// errors (a failed lookup is never "no CAA"); names with no CAA set up to the root give
// nothing. `lookup_failures` counts the failed climbs.
std::vector<ObservedSet> from_climbs(const std::vector<climb::Result>& results,
                                     Diagnostics& diagnostics, std::size_t& lookup_failures);

// Sets into policy domains in DNS canonical order: one TTL per set (records of one name with
// different TTLs are refused), a name seen twice with different sets refused, and names whose
// own set equals their closest ancestor's marked inherit = false (kept: the records exist).
// `set_keys`, when given, receives each entry's records as the format's equivalence sees them
// (sorted canonical keys), for check_round_trip.
std::vector<output::PolicyEntry> derive(std::vector<ObservedSet> sets, Diagnostics& diagnostics,
                                        std::vector<std::vector<std::string>>* set_keys = nullptr);

// Loads `written` back with the policy loader and checks that it holds exactly `entries`: every
// loader error becomes an error at the record the line was written for ("the policy format
// cannot hold ..."), and any difference in records or TTLs is an error at the domain's first
// record (only with `compare`: when nothing was refused before, so that every record was
// written). `name` names the text in the loader's messages. The loaded policy is handed to
// `keep` (the command leaves it to the OS at exit: freeing it took a tenth of a large run);
// it is returned, valid while `keep` holds it.
// `want_keys`: derive's set_keys of `entries` (computed here when nullptr).
const policy::Policy*
check_round_trip(const output::WrittenPolicy& written, const std::string& name,
                 const std::vector<output::PolicyEntry>& entries, bool compare,
                 Diagnostics& diagnostics, const std::function<void(std::shared_ptr<void>)>& keep,
                 const std::vector<std::vector<std::string>>* want_keys = nullptr);

} // namespace caapol::importer
