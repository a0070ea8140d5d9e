// Policy format v1 written from records (caapol import). Strings go through text::json_string,
// whose escapes are TOML's too, after checking that they are UTF-8 (which json_string would
// otherwise replace, and TOML cannot carry).
#include "caapol/output/policy_toml.hpp"

#include "caapol/caa/issue_value.hpp"
#include "caapol/caa/record.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/record_keys.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

namespace caapol::output {

namespace {

using policy::record_key_count;
using policy::RecordKey;

// One list entry as TOML text, with the record it stands for.
struct Entry {
    std::string text;
    Location source;
    std::string comment; // after the entry, on its line ("" for none)
};

struct Table {
    std::array<std::vector<Entry>, record_key_count> keys;
    std::array<bool, record_key_count> deny{}; // an issue-type key holding the ";" record only
    std::array<Location, record_key_count> deny_source;
};

// The iodef list of a domain, for choosing [defaults]: (flags, url) in record order.
using IodefList = std::vector<std::pair<std::uint8_t, std::string>>;

class Writer {
public:
    Writer(const PolicyWriterOptions& options, Diagnostics& problems)
        : options_(options), problems_(&problems) {}

    WrittenPolicy write(const std::vector<PolicyEntry>& entries) {
        for (const auto& line : options_.header) {
            comment(line, {});
        }
        if (!options_.header.empty()) {
            emit("", {});
        }
        emit("version = 1", {});
        std::optional<std::uint32_t> ttl;
        if (options_.defaults) {
            choose_defaults(entries);
            ttl = default_ttl_;
            emit("", {});
            emit("[defaults]", {});
            emit("ttl = " + std::to_string(default_ttl_), {});
            if (!default_iodef_.empty()) {
                emit_list("iodef", iodef_entries(*default_iodef_source_));
            }
        }
        for (const auto& entry : entries) {
            write_domain(entry, ttl);
        }
        return std::move(written_);
    }

private:
    void emit(const std::string& line, const Location& source) {
        written_.text += line;
        written_.text += '\n';
        written_.line_sources.push_back(source);
    }
    void comment(const std::string& line, const Location& source) {
        emit(line.empty() ? "#" : "# " + text::escape_for_terminal(line), source);
    }

    void refuse(const Location& where, const std::string& message) {
        problems_->error(cannot_import_rule, where,
                         "the policy format cannot hold this record: " + message);
    }

    // A TOML string, or nullopt after refusing when the bytes are not UTF-8.
    std::optional<std::string> string(std::string_view s, const Location& where,
                                      const std::string& what) {
        if (!text::is_utf8(s)) {
            refuse(where, what + " " + text::quote_excerpt(s, 60) +
                              " holds bytes that are not UTF-8, which TOML cannot carry");
            return std::nullopt;
        }
        return text::json_string(s);
    }

    static IodefList iodef_of(const policy::Domain& domain) {
        IodefList list;
        for (const auto& r : domain.records) {
            if (text::iequals(r.record.tag, "iodef")) {
                list.emplace_back(r.record.flags, r.record.value);
            }
        }
        return list;
    }

    // The most common TTL and the most common iodef list (no iodef competing too, and winning
    // ties) among the domains with records.
    void choose_defaults(const std::vector<PolicyEntry>& entries) {
        std::map<std::uint32_t, std::size_t> ttls;
        std::map<IodefList, std::pair<std::size_t, const policy::Domain*>> iodefs;
        for (const auto& entry : entries) {
            if (entry.domain.inherit) {
                continue;
            }
            ++ttls[entry.domain.ttl];
            auto& slot = iodefs[iodef_of(entry.domain)];
            if (slot.first++ == 0) {
                slot.second = &entry.domain;
            }
        }
        // Ties go to the format's own default (3600), else to the smaller TTL.
        std::size_t best = 0;
        for (const auto& [ttl, count] : ttls) {
            if (count > best || (count == best && ttl == policy::default_ttl)) {
                best = count;
                default_ttl_ = ttl;
            }
        }
        std::size_t none = iodefs.count({}) > 0 ? iodefs[{}].first : 0;
        best = none;
        for (const auto& [list, slot] : iodefs) {
            if (!list.empty() && slot.first > best) {
                best = slot.first;
                default_iodef_ = list;
                default_iodef_source_ = slot.second;
            }
        }
    }

    // The iodef entries of [defaults]; problems with the domain's records are reported when
    // the domain itself is written.
    std::vector<Entry> iodef_entries(const policy::Domain& domain) {
        Diagnostics ignored;
        Diagnostics* saved = problems_;
        problems_ = &ignored;
        Table table = tabulate(domain, {});
        problems_ = saved;
        return table.keys[policy::key_iodef];
    }

    void write_domain(const PolicyEntry& entry, std::optional<std::uint32_t> default_ttl) {
        const policy::Domain& domain = entry.domain;
        Location first = domain.records.empty() ? domain.location : domain.records[0].location;
        emit("", {});
        for (const auto& line : entry.comments) {
            comment(line, first);
        }
        auto name = string(domain.name, first, "the name");
        if (!name) {
            return;
        }
        emit("[domain." + *name + "]", first);
        if (domain.inherit) {
            emit("inherit = true", first);
            return;
        }
        if (entry.explicit_own) {
            emit("inherit = false", first);
        }
        if (domain.ttl != default_ttl.value_or(policy::default_ttl)) {
            emit("ttl = " + std::to_string(domain.ttl), first);
        }
        Table table = tabulate(domain, entry.record_comments);
        for (std::size_t k = 0; k < record_key_count; ++k) {
            if (k == policy::key_iodef && options_.defaults) {
                bool same = iodef_of(domain) == default_iodef_;
                if (same) {
                    continue;
                }
                if (table.keys[k].empty()) {
                    emit("iodef = []", first); // not the default list
                    continue;
                }
            }
            if (table.deny[k]) {
                emit(std::string(policy::record_key_names[k]) + " = []", table.deny_source[k]);
            } else if (!table.keys[k].empty()) {
                emit_list(policy::record_key_names[k], table.keys[k]);
            }
        }
    }

    void emit_list(std::string_view key, const std::vector<Entry>& entries) {
        if (entries.empty()) {
            return; // its records were refused
        }
        std::string prefix = std::string(key) + " = [";
        auto trailing = [](const Entry& e) {
            return e.comment.empty() ? std::string()
                                     : "  # " + text::escape_for_terminal(e.comment);
        };
        if (entries.size() == 1 && prefix.size() + entries[0].text.size() < 99) {
            emit(prefix + entries[0].text + "]" + trailing(entries[0]), entries[0].source);
            return;
        }
        // One entry per line: every line then stands for exactly one record.
        emit(prefix, entries[0].source);
        for (const auto& e : entries) {
            emit("  " + e.text + "," + trailing(e), e.source);
        }
        emit("]", entries.back().source);
    }

    Table tabulate(const policy::Domain& domain, const std::vector<std::string>& comments) {
        Table table;
        for (std::size_t index = 0; index < domain.records.size(); ++index) {
            const policy::PolicyRecord& r = domain.records[index];
            const caa::Record& record = r.record;
            if (record.flags != 0 && record.flags != caa::flag_critical) {
                refuse(r.location, "flags " + std::to_string(record.flags) +
                                       ": a policy holds only 0 and 128 (critical = true)");
                continue;
            }
            bool critical = record.flags == caa::flag_critical;
            std::string tag = text::to_lower(record.tag);
            RecordKey key = policy::record_key_of_tag(tag);
            std::optional<std::string> written;
            if (key <= policy::key_issuevmc) {
                auto parsed = caa::parse_issue_value(record.value);
                if (parsed.value && parsed.value->issuer.empty() &&
                    parsed.value->parameters.empty()) {
                    deny(table, key, r);
                    continue;
                }
                written = issue_entry(tag, record, parsed, r.location);
            } else if (key == policy::key_iodef) {
                auto url = string(record.value, r.location, "the iodef URL");
                if (url) {
                    written = critical ? "{ url = " + *url + ", critical = true }" : *url;
                }
            } else if (key == policy::key_contactemail || key == policy::key_contactphone) {
                if (critical) {
                    refuse(r.location,
                           "a critical " + tag + " record: contact lists have no critical flag");
                    continue;
                }
                written = string(record.value, r.location, "the " + tag + " value");
            } else {
                written = property_entry(tag, record, r.location);
            }
            if (written) {
                if (key <= policy::key_issuevmc && table.deny[key]) {
                    mixed_deny(key, r.location);
                    continue;
                }
                table.keys[key].push_back(
                    Entry{*written, r.location, index < comments.size() ? comments[index] : ""});
            }
        }
        return table;
    }

    void deny(Table& table, RecordKey key, const policy::PolicyRecord& r) {
        if (r.record.flags != 0) {
            refuse(r.location, "a critical \";\" " + std::string(policy::record_key_names[key]) +
                                   " record: an empty list ([]) has no critical flag");
            return;
        }
        if (table.deny[key]) {
            refuse(r.location, "a second \";\" " + std::string(policy::record_key_names[key]) +
                                   " record: an empty list ([]) stands for one");
            return;
        }
        if (!table.keys[key].empty()) {
            mixed_deny(key, r.location);
            return;
        }
        table.deny[key] = true;
        table.deny_source[key] = r.location;
    }

    void mixed_deny(RecordKey key, const Location& where) {
        refuse(where, std::string("\";\" (no CA) beside other ") +
                          std::string(policy::record_key_names[key]) +
                          " records: a list is either empty ([]) or names CAs");
    }

    std::optional<std::string> issue_entry(const std::string& tag, const caa::Record& record,
                                           const caa::IssueValueParse& parsed,
                                           const Location& where) {
        if (!parsed.value) {
            refuse(where, "the " + tag + " value " + text::quote_excerpt(record.value, 60) +
                              " is outside the RFC 8659 grammar (" + parsed.error.message + ")");
            return std::nullopt;
        }
        const caa::IssueValue& value = *parsed.value;
        if (value.issuer.empty()) {
            refuse(where, "the " + tag + " value " + text::quote_excerpt(record.value, 60) +
                              " has parameters but no issuer");
            return std::nullopt;
        }
        // The grammar keeps issuers and parameters to printable ASCII: no check for UTF-8.
        std::string issuer = text::json_string(caa::normalize_issuer(value.issuer));
        std::string fields;
        std::string params;
        std::vector<std::string> seen;
        for (const auto& p : value.parameters) {
            if (std::find(seen.begin(), seen.end(), p.key) != seen.end()) {
                refuse(where, "the parameter " + text::quote_excerpt(p.key, 40) +
                                  " appears twice in " + text::quote_excerpt(record.value, 60));
                return std::nullopt;
            }
            seen.push_back(p.key);
            if (p.key == "accounturi") {
                fields += ", accounturi = " + text::json_string(p.value);
            } else if (p.key == "validationmethods") {
                fields += ", validationmethods = [";
                bool first = true;
                for (auto method : text::split(p.value, ',')) {
                    fields += (first ? "" : ", ") + text::json_string(method);
                    first = false;
                }
                fields += "]";
            } else {
                // Keys are letters and digits (the grammar): bare TOML keys.
                params += (params.empty() ? "" : ", ") + p.key + " = " + text::json_string(p.value);
            }
        }
        if (!params.empty()) {
            fields += ", params = { " + params + " }";
        }
        bool critical = record.flags == caa::flag_critical;
        if (critical) {
            fields += ", critical = true";
        }
        if (fields.empty()) {
            return issuer;
        }
        return "{ ca = " + issuer + fields + " }";
    }

    std::optional<std::string> property_entry(const std::string& tag, const caa::Record& record,
                                              const Location& where) {
        auto tag_text = string(tag, where, "the tag");
        auto value = string(record.value, where, "the " + tag + " value");
        if (!tag_text || !value) {
            return std::nullopt;
        }
        std::string out = "{ tag = " + *tag_text + ", value = " + *value;
        if (record.flags == caa::flag_critical) {
            out += ", critical = true";
        }
        return out + " }";
    }

    const PolicyWriterOptions& options_;
    Diagnostics* problems_;
    WrittenPolicy written_;
    std::uint32_t default_ttl_ = policy::default_ttl;
    IodefList default_iodef_;
    const policy::Domain* default_iodef_source_ = nullptr;
};

} // namespace

WrittenPolicy render_policy(const std::vector<PolicyEntry>& entries,
                            const PolicyWriterOptions& options, Diagnostics& problems) {
    return Writer(options, problems).write(entries);
}

} // namespace caapol::output
