#include "caapol/importer/importer.hpp"

#include "caapol/core/dns_name.hpp"
#include "caapol/core/json.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/policy.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <unordered_map>

namespace caapol::importer {

namespace {

std::string shown(std::string_view name) {
    return text::escape_for_terminal(dns_name::absolute(name));
}

// The closest name above `name` (at or below `apex`, exclusive of `name`) that delegates or
// has a DNAME, or nullptr. The apex itself delegates nothing.
const zone::NameInfo* occluding(const zone::Zone& z, std::string_view name) {
    if (!z.has_cuts() && !z.has_dnames()) {
        return nullptr;
    }
    const zone::NameInfo* self = z.find(name);
    if (self != nullptr && self->has_ns && name != z.origin) {
        return self; // CAA at a delegation point belongs to the child zone
    }
    std::string_view above = name;
    while (above.size() > z.origin.size()) {
        std::size_t dot = above.find('.');
        if (dot == std::string_view::npos) {
            break;
        }
        above.remove_prefix(dot + 1);
        if (above.size() < z.origin.size()) {
            break;
        }
        const zone::NameInfo* info = z.find(above);
        if (info != nullptr &&
            (info->dname >= 0 || (info->has_ns && above.size() > z.origin.size()))) {
            return info;
        }
    }
    return nullptr;
}

// The records as the format's equivalence sees them: sorted canonical keys (a multiset).
std::vector<std::string> set_key(const std::vector<policy::PolicyRecord>& records) {
    std::vector<std::string> keys;
    keys.reserve(records.size());
    for (const auto& r : records) {
        keys.push_back(caa::canonical_key(r.record));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

} // namespace

std::vector<ObservedSet> from_zones(const zone::ZoneSet& zones, Diagnostics& diagnostics) {
    std::vector<ObservedSet> sets;
    for (const auto& z : zones.zones) {
        for (const auto& info : z.names) {
            if (!info.has_caa()) {
                continue;
            }
            const Location first = zones.location(z.caa[info.caa_first].site);
            if (zones.zone_for(info.name) != &z) {
                diagnostics.error(import_rule, first,
                                  "CAA records at " + shown(info.name) + " in zone " +
                                      shown(z.origin) + " are occluded by the loaded zone " +
                                      shown(zones.zone_for(info.name)->origin) +
                                      ": no server serves them; remove them");
                continue;
            }
            if (info.name == "*" || info.name.rfind("*.", 0) == 0) {
                diagnostics.error(import_rule, first,
                                  "CAA records at the wildcard " + shown(info.name) +
                                      ": the policy format names no wildcard owners (issuewild "
                                      "at the parent governs wildcard certificates)");
                continue;
            }
            if (info.cname >= 0) {
                diagnostics.error(import_rule, first,
                                  shown(info.name) +
                                      " owns CAA records and a CNAME, which excludes other data "
                                      "(RFC 1034): servers refuse or ignore one of them");
                continue;
            }
            if (const zone::NameInfo* cut = occluding(z, info.name)) {
                diagnostics.error(import_rule, first,
                                  "CAA records at " + shown(info.name) + " are occluded by the " +
                                      (cut->dname >= 0 ? "DNAME" : "delegation") + " at " +
                                      shown(cut->name) + " (" +
                                      format_location(zones.location(cut->first)) +
                                      "): no server serves them from this zone");
                continue;
            }
            ObservedSet set;
            set.name = std::string(info.name);
            for (std::uint32_t i = info.caa_first; i != zone::no_entry; i = z.caa[i].next) {
                const zone::CaaEntry& entry = z.caa[i];
                set.records.push_back(
                    ObservedRecord{entry.record(), entry.ttl, zones.location(entry.site)});
            }
            set.comments.push_back("from " + format_location(first));
            sets.push_back(std::move(set));
        }
    }
    return sets;
}

std::vector<ObservedSet> from_json(std::string_view text, const std::string& file,
                                   Diagnostics& diagnostics) {
    std::vector<ObservedSet> sets;
    json::Error error;
    auto root = json::parse(text, &error);
    auto at = [&](const json::Value& v) { return Location{file, v.line, v.column}; };
    if (!root) {
        diagnostics.error(import_rule, Location{file, error.line, error.column},
                          "JSON syntax: " + error.message);
        return sets;
    }
    const std::string expected_shape = " (caapol generate --format json writes "
                                       "{\"version\":1,\"records\":[...]})";
    if (root->kind != json::Kind::object) {
        diagnostics.error(import_rule, at(*root),
                          std::string("the JSON is ") + json::kind_name(root->kind) +
                              ", not an object" + expected_shape);
        return sets;
    }
    const json::Value* version = root->get("version");
    if (version == nullptr || !version->integer || *version->integer != 1) {
        diagnostics.error(import_rule, at(version != nullptr ? *version : *root),
                          "expected \"version\": 1" + expected_shape);
        return sets;
    }
    const json::Value* records = root->get("records");
    if (records == nullptr || records->kind != json::Kind::array) {
        diagnostics.error(import_rule, at(records != nullptr ? *records : *root),
                          "expected a \"records\" array" + expected_shape);
        return sets;
    }
    for (const auto& [key, value] : root->members) {
        if (key != "version" && key != "records") {
            diagnostics.error(import_rule, at(value),
                              "unknown member " + text::quote_excerpt(key, 40) + expected_shape);
        }
    }
    std::unordered_map<std::string, std::size_t> index; // name -> sets
    for (const auto& item : records->items) {
        if (item.kind != json::Kind::object) {
            diagnostics.error(import_rule, at(item),
                              std::string("a record must be an object, not ") +
                                  json::kind_name(item.kind));
            continue;
        }
        bool valid = true;
        auto member = [&](const char* key, json::Kind kind) -> const json::Value* {
            const json::Value* v = item.get(key);
            if (v == nullptr) {
                diagnostics.error(import_rule, at(item),
                                  std::string("the record has no \"") + key + "\"");
                valid = false;
                return nullptr;
            }
            if (v->kind != kind) {
                diagnostics.error(import_rule, at(*v),
                                  std::string("\"") + key + "\" must be " + json::kind_name(kind) +
                                      ", not " + json::kind_name(v->kind));
                valid = false;
                return nullptr;
            }
            return v;
        };
        for (const auto& [key, value] : item.members) {
            if (key != "name" && key != "ttl" && key != "flags" && key != "tag" && key != "value") {
                diagnostics.error(import_rule, at(value),
                                  "unknown member " + text::quote_excerpt(key, 40) +
                                      " of a record (name, ttl, flags, tag, value)");
                valid = false;
            }
        }
        const json::Value* name = member("name", json::Kind::string);
        const json::Value* ttl = member("ttl", json::Kind::number);
        const json::Value* flags = member("flags", json::Kind::number);
        const json::Value* tag = member("tag", json::Kind::string);
        const json::Value* value = member("value", json::Kind::string);
        if (ttl != nullptr && (!ttl->integer || *ttl->integer < 0 || *ttl->integer > 2147483647)) {
            diagnostics.error(import_rule, at(*ttl),
                              "\"ttl\" must be an integer from 0 to 2147483647");
            valid = false;
        }
        if (flags != nullptr && (!flags->integer || *flags->integer < 0 || *flags->integer > 255)) {
            diagnostics.error(import_rule, at(*flags),
                              "\"flags\" must be an integer from 0 to 255");
            valid = false;
        }
        if (!valid) {
            continue;
        }
        std::string normalized = dns_name::normalize(name->string);
        auto [it, inserted] = index.emplace(normalized, sets.size());
        if (inserted) {
            ObservedSet set;
            set.name = normalized;
            set.comments.push_back("from " + format_location(at(item)));
            sets.push_back(std::move(set));
        }
        sets[it->second].records.push_back(ObservedRecord{
            caa::Record{static_cast<std::uint8_t>(*flags->integer), tag->string, value->string},
            static_cast<std::uint32_t>(*ttl->integer), at(item)});
    }
    return sets;
}

std::vector<ObservedSet> from_climbs(const std::vector<climb::Result>& results,
                                     Diagnostics& diagnostics, std::size_t& lookup_failures) {
    std::vector<ObservedSet> sets;
    std::unordered_map<std::string, std::size_t> index; // found_at -> sets
    lookup_failures = 0;
    for (const auto& result : results) {
        std::string server = result.path.empty() ? "" : result.path.back().answer.server;
        if (result.outcome == climb::Outcome::failure) {
            ++lookup_failures;
            diagnostics.error("lookup-failed", Location{shown(result.name), 0, 0},
                              "lookup failed: " + result.reason);
            continue;
        }
        if (result.outcome == climb::Outcome::none) {
            continue;
        }
        auto [it, inserted] = index.emplace(result.found_at, sets.size());
        if (!inserted) {
            if (result.found_at != result.relevant_name && sets[it->second].comments.size() < 4) {
                sets[it->second].comments.push_back("also reached from " + shown(result.name) +
                                                    " through an alias");
            }
            continue;
        }
        ObservedSet set;
        set.name = result.found_at;
        Location where{shown(result.found_at) + " CAA" + (server.empty() ? "" : " via " + server),
                       0, 0};
        for (const auto& r : result.records) {
            set.records.push_back(ObservedRecord{r.record, r.ttl, where});
        }
        set.comments.push_back("live: " + shown(result.found_at) + " CAA" +
                               (server.empty() ? "" : " answered by " + server));
        if (result.found_at != result.relevant_name) {
            set.comments.push_back("reached from " + shown(result.name) +
                                   " through an alias (CNAME or DNAME) at " +
                                   shown(result.relevant_name));
        }
        sets.push_back(std::move(set));
    }
    return sets;
}

std::vector<output::PolicyEntry> derive(std::vector<ObservedSet> sets, Diagnostics& diagnostics,
                                        std::vector<std::vector<std::string>>* set_keys) {
    std::vector<std::pair<std::string, std::size_t>> order;
    order.reserve(sets.size());
    for (std::size_t i = 0; i < sets.size(); ++i) {
        order.emplace_back(dns_name::canonical_sort_key(sets[i].name), i);
    }
    std::sort(order.begin(), order.end());

    std::vector<output::PolicyEntry> entries;
    entries.reserve(sets.size());
    std::unordered_map<std::string, std::size_t> by_name; // name -> entries
    by_name.reserve(sets.size());
    std::vector<std::vector<std::string>> keys; // set_key of each entry
    keys.reserve(sets.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        ObservedSet& set = sets[order[k].second];
        if (set.records.empty()) {
            continue;
        }
        if (k > 0 && order[k - 1].first == order[k].first) {
            if (entries.empty() || entries.back().domain.name != set.name) {
                continue; // the first set of the name was refused
            }
            const output::PolicyEntry& before = entries.back();
            std::vector<caa::Record> a = before.domain.record_set();
            std::vector<caa::Record> b;
            for (const auto& r : set.records) {
                b.push_back(r.record);
            }
            if (!caa::compare_sets(a, b).empty()) {
                diagnostics.error(import_rule, set.records[0].location,
                                  shown(set.name) + " has other CAA records at " +
                                      format_location(before.domain.records[0].location) +
                                      "; a policy gives each name one set");
            }
            continue;
        }
        output::PolicyEntry entry;
        policy::Domain& domain = entry.domain;
        domain.name = set.name;
        domain.location = set.records[0].location;
        domain.ttl = set.records[0].ttl;
        bool valid = true;
        for (auto& r : set.records) {
            if (r.ttl != domain.ttl) {
                diagnostics.error(import_rule, r.location,
                                  "TTL " + std::to_string(r.ttl) + " differs from TTL " +
                                      std::to_string(domain.ttl) + " of " + shown(set.name) +
                                      "'s first CAA record (" +
                                      format_location(set.records[0].location) +
                                      "); a policy gives one TTL per name (RFC 2181 5.2)");
                valid = false;
                continue;
            }
            domain.records.push_back(policy::PolicyRecord{std::move(r.record), r.location});
        }
        if (!valid) {
            continue;
        }
        entry.comments = std::move(set.comments);
        // The closest ancestor domain: does this name merely repeat it?
        std::vector<std::string> key = set_key(domain.records);
        std::string_view above = domain.name;
        while (!above.empty()) {
            std::size_t dot = above.find('.');
            above = dot == std::string_view::npos ? std::string_view() : above.substr(dot + 1);
            auto it = by_name.find(std::string(above));
            if (it == by_name.end()) {
                continue;
            }
            const policy::Domain& parent = entries[it->second].domain;
            if (keys[it->second] == key) {
                entry.explicit_own = true;
                entry.comments.push_back(
                    "the same set as " + shown(parent.name) +
                    " above it, but its own records: inherit = false keeps them here");
            }
            break;
        }
        by_name.emplace(domain.name, entries.size());
        entries.push_back(std::move(entry));
        keys.push_back(std::move(key));
    }
    if (set_keys != nullptr) {
        *set_keys = std::move(keys);
    }
    return entries;
}

namespace {
void compare_loaded(const output::WrittenPolicy& written, const std::string& name,
                    const std::vector<output::PolicyEntry>& entries, bool compare,
                    const policy::Policy& loaded, const Diagnostics& loaded_diagnostics,
                    Diagnostics& diagnostics,
                    const std::vector<std::vector<std::string>>* want_keys);
} // namespace

const policy::Policy* check_round_trip(const output::WrittenPolicy& written,
                                       const std::string& name,
                                       const std::vector<output::PolicyEntry>& entries,
                                       bool compare, Diagnostics& diagnostics,
                                       const std::function<void(std::shared_ptr<void>)>& keep,
                                       const std::vector<std::vector<std::string>>* want_keys) {
    Diagnostics loaded_diagnostics;
    // Without advice: its warnings and notes are about the records' content (lint reports
    // them) and are dropped below anyway; errors all come from loading.
    policy::LoadOptions options;
    options.advice = false;
    auto owned = std::make_shared<policy::Policy>(*policy::load_from_string(
        written.text, name, loaded_diagnostics, policy::Reader::automatic, options));
    const policy::Policy* loaded = owned.get();
    keep(std::move(owned));
    compare_loaded(written, name, entries, compare, *loaded, loaded_diagnostics, diagnostics,
                   want_keys);
    return loaded;
}

namespace {

void compare_loaded(const output::WrittenPolicy& written, const std::string& name,
                    const std::vector<output::PolicyEntry>& entries, bool compare,
                    const policy::Policy& loaded, const Diagnostics& loaded_diagnostics,
                    Diagnostics& diagnostics,
                    const std::vector<std::vector<std::string>>* want_keys) {
    auto source_of = [&](std::uint32_t line) {
        if (line >= 1 && line <= written.line_sources.size()) {
            return written.line_sources[line - 1];
        }
        return Location{};
    };
    bool refused = false;
    for (const auto& d : loaded_diagnostics.all()) {
        if (d.severity != Severity::error) {
            continue; // warnings are about the records' content: lint reports them
        }
        refused = true;
        diagnostics.error(d.rule, source_of(d.location.line),
                          "the policy format cannot hold this record: " + d.message);
    }
    if (refused || !compare) {
        return;
    }
    if (loaded.domains.size() != entries.size()) {
        diagnostics.error(output::cannot_import_rule, Location{name, 0, 0},
                          "internal error: the written policy has " +
                              std::to_string(loaded.domains.size()) + " domains instead of " +
                              std::to_string(entries.size()));
        return;
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const policy::Domain& want = entries[i].domain;
        const policy::Domain& got = loaded.domains[i];
        bool same = want.name == got.name && want.inherit == got.inherit &&
                    (want.inherit || want.ttl == got.ttl) &&
                    (want_keys != nullptr && i < want_keys->size()
                         ? (*want_keys)[i]
                         : set_key(want.records)) == set_key(got.records);
        if (!same) {
            diagnostics.error(output::cannot_import_rule,
                              want.records.empty() ? want.location : want.records[0].location,
                              "internal error: the written policy does not reproduce the CAA "
                              "set of " +
                                  shown(want.name));
        }
    }
}

} // namespace

} // namespace caapol::importer
