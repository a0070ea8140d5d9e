// Policy format v1: TOML text -> Policy, with every problem as a located Diagnostic.
// The only file that includes toml++ (slow to compile).
#include "caapol/caa/ca_table.hpp"
#include "caapol/caa/issue_value.hpp"
#include "caapol/caa/validate.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/policy.hpp"
#include "nesting.hpp"
#include "sort_key.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <optional>
// Header-only, with TOML 1.1's newlines and trailing commas in inline tables (meson.build).
#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_UNRELEASED_FEATURES 1
// toml++ 3.3.0 asserts on some malformed input (e.g. "[[ =") that its parser then rejects
// cleanly; under NDEBUG the same asserts become optimizer assumptions (undefined behaviour).
// Neither may happen on hostile policies: the checks are off and never assumed.
#ifdef NDEBUG
#undef NDEBUG
#endif
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>
#include <unordered_map>
#include <utility>

namespace caapol::policy {

namespace {

constexpr std::int64_t max_ttl = 2147483647;
constexpr std::size_t max_rdata = 65535;

// Record keys of a domain table, in generation order.
enum RecordKey : std::size_t {
    key_issue,
    key_issuewild,
    key_issuemail,
    key_issuevmc,
    key_iodef,
    key_contactemail,
    key_contactphone,
    key_property,
    record_key_count
};
constexpr std::array<std::string_view, record_key_count> record_key_names = {
    "issue", "issuewild",    "issuemail",    "issuevmc",
    "iodef", "contactemail", "contactphone", "property"};

const std::vector<std::string>& domain_keys() {
    static const std::vector<std::string> keys = {
        "issue",        "issuewild",    "issuemail", "issuevmc", "iodef",
        "contactemail", "contactphone", "property",  "ttl",      "inherit"};
    return keys;
}
const std::vector<std::string>& top_level_keys() {
    static const std::vector<std::string> keys = {"version", "defaults", "domain"};
    return keys;
}
const std::vector<std::string>& issuer_entry_keys() {
    static const std::vector<std::string> keys = {"ca", "accounturi", "validationmethods", "params",
                                                  "critical"};
    return keys;
}
const std::vector<std::string>& iodef_entry_keys() {
    static const std::vector<std::string> keys = {"url", "critical"};
    return keys;
}
const std::vector<std::string>& property_entry_keys() {
    static const std::vector<std::string> keys = {"tag", "value", "critical"};
    return keys;
}

std::optional<std::size_t> record_key_index(std::string_view key) {
    for (std::size_t i = 0; i < record_key_count; ++i) {
        if (record_key_names[i] == key) {
            return i;
        }
    }
    return std::nullopt;
}

// A value quoted for a message, cut short when long (a 1 MB value must not flood the terminal;
// format_diagnostic escapes what remains).
std::string quoted(std::string_view s) {
    constexpr std::size_t limit = 60;
    if (s.size() <= limit) {
        return "\"" + std::string(s) + "\"";
    }
    return "\"" + std::string(s.substr(0, limit)) + "...\" (" + std::to_string(s.size()) +
           " bytes)";
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    default:
        return "nothing";
    }
}

// A sentence from a validator, cut short: validators may quote the (possibly huge) value.
std::string brief(std::string problem) {
    constexpr std::size_t limit = 200;
    if (problem.size() > limit) {
        problem.resize(limit);
        problem += "...";
    }
    return problem;
}

// "<what>: <problem>", or the validator's sentence alone when it already quotes the value.
std::string explain(const std::string& what, std::string_view value, const std::string& problem) {
    if (!value.empty() && problem.find(value) != std::string::npos) {
        return brief(problem);
    }
    return what + ": " + brief(problem);
}

// Describes the first character a value of this kind cannot hold, or "" when there is none.
// Control characters never; quotes and backslashes unless `allow_quotes`; spaces unless
// `allow_space`; non-ASCII unless `allow_non_ascii`.
std::string forbidden_character(std::string_view s, bool allow_space, bool allow_quotes,
                                bool allow_non_ascii) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "a control character (0x%02x)", c);
            return buf;
        }
        // C1 controls (U+0080-U+009F, UTF-8 C2 80-9F): some terminals act on them as on ESC.
        if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "a control character (U+%04X)",
                          static_cast<unsigned char>(s[i + 1]));
            return buf;
        }
        if (!allow_quotes && c == '"') {
            return "a double quote";
        }
        if (!allow_quotes && c == '\\') {
            return "a backslash";
        }
        if (!allow_space && c == ' ') {
            return "a space";
        }
        if (!allow_non_ascii && c >= 0x80) {
            return "a non-ASCII character";
        }
    }
    return "";
}

bool is_alnum(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
}

// RFC 8659 parameter value: *(%x21-3A / %x3C-7E).
bool is_parameter_value(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x21 && u <= 0x7e && u != ';';
    });
}

bool before(const toml::source_region& a, const toml::source_region& b) {
    return std::pair(a.begin.line, a.begin.column) < std::pair(b.begin.line, b.begin.column);
}

// What one domain table (or [defaults]) says, before defaults are merged.
struct KeyRecords {
    bool present = false;
    bool from_defaults = false;
    Location location; // the key
    std::vector<PolicyRecord> records;
};
struct Spec {
    std::array<KeyRecords, record_key_count> keys;
    std::optional<std::uint32_t> ttl;
    bool inherit = false;
    Location inherit_location;

    bool has(RecordKey key) const { return keys[key].present; }
    bool any_record_key() const {
        return std::any_of(keys.begin(), keys.end(), [](const KeyRecords& k) { return k.present; });
    }
};

// Issuer lookups are cached: a policy of 100,000 domains names the same few CAs over and over.
struct IssuerInfo {
    bool known = false;
    std::optional<std::string> nearest;
};

struct SharedState {
    std::unordered_map<std::string, Location> defined; // normalized domain -> first definition
    std::unordered_map<std::string, IssuerInfo> issuers;
    std::vector<Domain> domains;
};

class FileLoader {
public:
    FileLoader(const std::string& file, SharedState& shared, Diagnostics& diagnostics)
        : file_(file), shared_(shared), diagnostics_(diagnostics) {}

    void load(std::string_view text) {
        if (auto deep = find_excessive_nesting(text)) {
            diagnostics_.error("nesting-too-deep", Location{file_, deep->line, deep->column},
                               "the TOML nests deeper than " + std::to_string(max_nesting) +
                                   " levels (tables, dotted keys, arrays); a policy needs about 5");
            return;
        }
        toml::table root;
        try {
            root = toml::parse(text, std::string(file_));
        } catch (const toml::parse_error& e) {
            syntax_error(text, e);
            return;
        }
        load_root(root);
    }

private:
    Location at(const toml::source_region& region) const {
        return Location{file_, region.begin.line, region.begin.column};
    }
    Location at(const toml::node& node) const { return at(node.source()); }
    Location at(const toml::key& key) const { return at(key.source()); }

    void error(const std::string& rule, const Location& where, const std::string& message) {
        diagnostics_.error(rule, where, message);
    }
    void warning(const std::string& rule, const Location& where, const std::string& message) {
        diagnostics_.warning(rule, where, message);
    }

    void wrong_type(const toml::node& node, const std::string& what, const std::string& expected) {
        error("wrong-type", at(node), what + " must be " + expected + ", not " + type_name(node));
    }

    void unknown_key(const toml::key& key, const toml::node& value, const std::string& where,
                     const std::vector<std::string>& candidates) {
        std::string message = "unknown key " + quoted(key.str()) + " " + where;
        if (auto suggestion = text::did_you_mean(key.str(), candidates)) {
            message += "; did you mean \"" + *suggestion + "\"?";
        } else if (value.is_table() && where.rfind("in domain", 0) == 0) {
            message += "; to name a domain with dots, quote it: [domain.\"example.com\"]";
        } else {
            message += "; known keys: ";
            for (std::size_t i = 0; i < candidates.size(); ++i) {
                message += (i == 0 ? "" : ", ") + candidates[i];
            }
        }
        error("unknown-key", at(key), message);
    }

    // --- TOML syntax ---------------------------------------------------------------------

    void syntax_error(std::string_view text, const toml::parse_error& e) {
        Location where = at(e.source());
        std::string description(e.description());
        if (description.find("cannot redefine existing table") != std::string::npos) {
            // toml++ garbles the table's name in this message; say it plainly, with the first
            // definition when the same header text appears earlier.
            std::string header = line_text(text, where.line);
            std::string shown(text::trim(header).substr(0, 80));
            std::string message = shown + " is defined twice";
            if (auto first = earlier_line_with(text, where.line, text::trim(header))) {
                message += ": here and at " + file_ + ":" + std::to_string(*first);
            }
            message += " (TOML forbids redefining a table; merge the two)";
            bool is_domain = text::trim(header).rfind("[domain", 0) == 0;
            error(is_domain ? "duplicate-domain" : "toml-syntax", where, message);
            return;
        }
        std::string message = "TOML syntax: " + description;
        if (description.find("cannot redefine existing") != std::string::npos) {
            message += " (a key may be set only once in a table)";
        }
        error("toml-syntax", where, message);
    }

    static std::string line_text(std::string_view text, std::uint32_t line) {
        std::size_t start = 0;
        for (std::uint32_t i = 1; i < line && start != std::string_view::npos; ++i) {
            start = text.find('\n', start);
            if (start != std::string_view::npos) {
                ++start;
            }
        }
        if (start == std::string_view::npos || start > text.size()) {
            return "";
        }
        std::size_t end = text.find('\n', start);
        std::string_view out =
            text.substr(start, end == std::string_view::npos ? end : end - start);
        if (!out.empty() && out.back() == '\r') {
            out.remove_suffix(1);
        }
        if (auto hash = out.find(" #"); hash != std::string_view::npos) {
            out = out.substr(0, hash);
        }
        return std::string(out);
    }

    static std::optional<std::uint32_t> earlier_line_with(std::string_view text, std::uint32_t line,
                                                          std::string_view wanted) {
        if (wanted.empty()) {
            return std::nullopt;
        }
        std::uint32_t number = 1;
        std::size_t start = 0;
        while (number < line && start < text.size()) {
            std::size_t end = text.find('\n', start);
            std::string_view current = text.substr(
                start, end == std::string_view::npos ? std::string_view::npos : end - start);
            if (!current.empty() && current.back() == '\r') {
                current.remove_suffix(1);
            }
            if (auto hash = current.find(" #"); hash != std::string_view::npos) {
                current = current.substr(0, hash);
            }
            if (text::trim(current) == wanted) {
                return number;
            }
            if (end == std::string_view::npos) {
                break;
            }
            start = end + 1;
            ++number;
        }
        return std::nullopt;
    }

    // --- top level -----------------------------------------------------------------------

    void load_root(const toml::table& root) {
        const toml::node* version = nullptr;
        const toml::node* defaults = nullptr;
        const toml::node* domains = nullptr;
        for (auto&& [key, value] : root) {
            if (key.str() == "version") {
                version = &value;
            } else if (key.str() == "defaults") {
                defaults = &value;
            } else if (key.str() == "domain") {
                domains = &value;
            } else {
                unknown_key(key, value, "at the top level", top_level_keys());
            }
        }
        check_version(version);

        Spec default_spec;
        if (defaults != nullptr) {
            if (const auto* table = defaults->as_table()) {
                default_spec = parse_spec(*table, nullptr);
                check_redundant_defaults(default_spec);
            } else {
                wrong_type(*defaults, "defaults", "a table ([defaults])");
            }
        }

        if (domains == nullptr) {
            warning("no-domains", Location{file_, 1, 1},
                    "the policy defines no domain; add a [domain.\"example.com\"] table");
            return;
        }
        const auto* table = domains->as_table();
        if (table == nullptr) {
            wrong_type(*domains, "domain", "a table of domains ([domain.\"example.com\"])");
            return;
        }
        if (table->empty()) {
            warning("no-domains", at(*domains),
                    "the policy defines no domain; add a [domain.\"example.com\"] table");
        }
        // In file order (toml++ iterates keys sorted), so that a domain defined twice is
        // reported at its second definition.
        std::vector<std::pair<const toml::key*, const toml::node*>> ordered;
        ordered.reserve(table->size());
        for (auto&& [key, value] : *table) {
            ordered.emplace_back(&key, &value);
        }
        std::sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) {
            return before(x.first->source(), y.first->source());
        });
        shared_.defined.reserve(shared_.defined.size() + ordered.size());
        for (const auto& [key, value] : ordered) {
            load_domain(*key, *value, default_spec);
        }
    }

    void check_version(const toml::node* version) {
        if (version == nullptr) {
            error("missing-version", Location{file_, 1, 1},
                  "the policy has no version; start it with: version = 1");
            return;
        }
        const auto* number = version->as_integer();
        if (number == nullptr || number->get() != 1) {
            std::string message =
                number != nullptr
                    ? "unsupported policy format version " + std::to_string(number->get()) +
                          "; this caapol supports version 1"
                    : "version must be the integer 1 (version = 1), not " + type_name(*version);
            error("unsupported-version", at(*version), message);
        }
    }

    // --- one domain ----------------------------------------------------------------------

    void load_domain(const toml::key& key, const toml::node& value, const Spec& defaults) {
        Location where = at(key);
        std::string raw(key.str());
        std::string problem = brief(dns_name::check_hostname(raw));
        bool name_ok = problem.empty();
        if (!name_ok) {
            error("domain-name", where,
                  explain("invalid domain name " + quoted(raw), raw, problem));
        }
        const auto* table = value.as_table();
        if (table == nullptr) {
            wrong_type(value, "domain " + quoted(raw),
                       "a table ([domain.\"" + std::string(raw) + "\"] with keys below it)");
            return;
        }
        Spec spec = parse_spec(*table, &raw);
        if (!name_ok) {
            return;
        }
        std::string name = dns_name::normalize(raw);
        auto [it, inserted] = shared_.defined.emplace(name, where);
        if (!inserted) {
            error("duplicate-domain", where,
                  "domain " + quoted(name) + " is defined twice: here and at " +
                      format_location(it->second));
            return;
        }

        Domain domain;
        domain.name = name;
        domain.location = where;
        domain.inherit = spec.inherit;
        if (spec.inherit) {
            if (spec.any_record_key()) {
                for (const auto& k : spec.keys) {
                    if (k.present) {
                        error("inherit-with-records", k.location,
                              "domain " + quoted(name) +
                                  " has inherit = true, which excludes record keys: it must "
                                  "have no CAA records of its own; remove inherit or this key");
                    }
                }
            }
            domain.ttl = spec.ttl.value_or(defaults.ttl.value_or(default_ttl));
            shared_.domains.push_back(std::move(domain));
            return;
        }

        for (std::size_t i = 0; i < record_key_count; ++i) {
            if (!spec.keys[i].present && defaults.keys[i].present) {
                spec.keys[i] = defaults.keys[i];
                spec.keys[i].from_defaults = true;
            }
        }
        domain.ttl = spec.ttl.value_or(defaults.ttl.value_or(default_ttl));
        domain_warnings(name, where, spec);
        for (auto& k : spec.keys) {
            for (auto& r : k.records) {
                domain.records.push_back(std::move(r));
            }
        }
        shared_.domains.push_back(std::move(domain));
    }

    void domain_warnings(const std::string& name, const Location& where, const Spec& spec) {
        bool issue = spec.has(key_issue);
        if (!issue && !spec.has(key_issuewild) && !spec.has(key_issuemail) &&
            !spec.has(key_issuevmc)) {
            warning("no-issue-type", where,
                    "domain " + quoted(name) +
                        " has no issue, issuewild, issuemail or issuevmc key: it restricts no "
                        "CA; add issue = [...] (or issue = [] to deny every CA)");
            return;
        }
        const KeyRecords& wild = spec.keys[key_issuewild];
        if (!issue && spec.has(key_issuewild)) {
            warning("issuewild-without-issue", wild.from_defaults ? where : wild.location,
                    "domain " + quoted(name) +
                        " has issuewild but no issue: any CA may still issue non-wildcard "
                        "certificates; add issue = [...] (or issue = [] to deny them)");
        } else if (!issue) {
            warning("issue-missing", where,
                    "domain " + quoted(name) +
                        " has no issue key: any CA may issue TLS certificates for it; add "
                        "issue = [...] (or issue = [] to deny them)");
        }
        // When both come from [defaults], check_redundant_defaults has said it once.
        bool both_defaults = spec.keys[key_issue].from_defaults && wild.from_defaults;
        if (issue && spec.has(key_issuewild) && !both_defaults &&
            same_values(spec.keys[key_issue].records, wild.records)) {
            redundant_issuewild(wild.from_defaults ? where : wild.location);
        }
    }

    void redundant_issuewild(const Location& where) {
        warning("redundant-issuewild", where,
                "issuewild lists exactly the CAs of issue; it can be left out, since issue "
                "also governs wildcard certificates when there is no issuewild");
    }

    void check_redundant_defaults(const Spec& defaults) {
        if (defaults.has(key_issue) && defaults.has(key_issuewild) &&
            same_values(defaults.keys[key_issue].records, defaults.keys[key_issuewild].records)) {
            redundant_issuewild(defaults.keys[key_issuewild].location);
        }
    }

    static bool same_values(const std::vector<PolicyRecord>& a,
                            const std::vector<PolicyRecord>& b) {
        if (a.size() != b.size()) {
            return false;
        }
        auto values = [](const std::vector<PolicyRecord>& records) {
            std::vector<std::pair<std::uint8_t, std::string>> out;
            for (const auto& r : records) {
                out.emplace_back(r.record.flags, r.record.value);
            }
            std::sort(out.begin(), out.end());
            return out;
        };
        return values(a) == values(b);
    }

    // The keys of a domain table, or of [defaults] when `domain` is null.
    Spec parse_spec(const toml::table& table, const std::string* domain) {
        Spec spec;
        std::string where = domain != nullptr ? "in domain " + quoted(*domain) : "in [defaults]";
        for (auto&& [key, value] : table) {
            std::string name(key.str());
            if (auto index = record_key_index(name)) {
                KeyRecords& target = spec.keys[*index];
                target.present = true;
                target.location = at(key);
                parse_record_key(static_cast<RecordKey>(*index), value, target.records);
            } else if (name == "ttl") {
                spec.ttl = parse_ttl(value);
            } else if (name == "inherit") {
                if (domain == nullptr) {
                    error("inherit-in-defaults", at(key),
                          "inherit cannot be a default; set inherit = true in each domain "
                          "that inherits");
                    continue;
                }
                if (const auto* flag = value.as_boolean()) {
                    spec.inherit = flag->get();
                    spec.inherit_location = at(key);
                } else {
                    wrong_type(value, "inherit", "true or false");
                }
            } else {
                unknown_key(key, value, where, domain_keys());
            }
        }
        return spec;
    }

    std::optional<std::uint32_t> parse_ttl(const toml::node& value) {
        const auto* number = value.as_integer();
        if (number == nullptr) {
            wrong_type(value, "ttl", "an integer number of seconds");
            return std::nullopt;
        }
        std::int64_t ttl = number->get();
        if (ttl < 0 || ttl > max_ttl) {
            error("ttl-range", at(value),
                  "ttl " + std::to_string(ttl) + " is outside 0 to 2147483647 seconds (RFC 2181)");
            return std::nullopt;
        }
        return static_cast<std::uint32_t>(ttl);
    }

    void parse_record_key(RecordKey key, const toml::node& value, std::vector<PolicyRecord>& out) {
        std::string tag(record_key_names[key]);
        switch (key) {
        case key_issue:
        case key_issuewild:
        case key_issuemail:
        case key_issuevmc:
            parse_issue_list(tag, value, out);
            return;
        case key_iodef:
            parse_iodef_list(value, out);
            return;
        case key_contactemail:
        case key_contactphone:
            parse_contact_list(tag, value, out);
            return;
        case key_property:
            parse_property_list(value, out);
            return;
        default:
            return;
        }
    }

    void add(std::vector<PolicyRecord>& out, const toml::node& where, bool critical,
             const std::string& tag, std::string value) {
        // RDATA is flags, tag length, tag and value in at most 65535 octets.
        std::size_t rdata = 2 + tag.size() + value.size();
        if (rdata > max_rdata) {
            error("record-too-long", at(where),
                  "this " + tag + " record would need " + std::to_string(rdata) +
                      " octets of RDATA; DNS allows at most 65535");
            return;
        }
        PolicyRecord r;
        r.record.flags = critical ? caa::flag_critical : 0;
        r.record.tag = tag;
        r.record.value = std::move(value);
        r.location = at(where);
        out.push_back(std::move(r));
    }

    // --- issue, issuewild, issuemail, issuevmc -------------------------------------------

    void parse_issue_list(const std::string& tag, const toml::node& value,
                          std::vector<PolicyRecord>& out) {
        if (const auto* s = value.as_string()) {
            if (s->get() == "none") {
                add(out, value, false, tag, ";");
            } else {
                wrong_type(value, tag,
                           "a list of CAs, [] or \"none\" (write " + tag + " = [" +
                               quoted(s->get()) + "])");
            }
            return;
        }
        const auto* list = value.as_array();
        if (list == nullptr) {
            wrong_type(value, tag, "a list of CAs, [] or \"none\"");
            return;
        }
        if (list->empty()) {
            add(out, value, false, tag, ";");
            return;
        }
        for (const auto& entry : *list) {
            if (const auto* s = entry.as_string()) {
                if (s->get() == "none") {
                    error("none-in-list", at(entry),
                          "\"none\" inside a list would be read as a CA named \"none\"; to "
                          "deny every CA write " +
                              tag + " = [] or " + tag + " = \"none\"");
                    continue;
                }
                if (auto issuer = check_issuer(s->get(), entry)) {
                    emit_issue(out, tag, entry, false, caa::IssueValue{*issuer, {}});
                }
            } else if (const auto* t = entry.as_table()) {
                parse_issuer_table(tag, *t, entry, out);
            } else {
                wrong_type(entry, "an entry of " + tag,
                           "an issuer domain string or a table { ca = \"...\" }");
            }
        }
    }

    // The issuer as emitted (lower case, no trailing dot), or nullopt after reporting.
    std::optional<std::string> check_issuer(const std::string& raw, const toml::node& where) {
        if (raw.empty()) {
            error("issuer-syntax", at(where),
                  "empty issuer; to deny every CA write an empty list [] or \"none\"");
            return std::nullopt;
        }
        std::string problem = brief(caa::check_issuer_domain(raw));
        if (!problem.empty()) {
            std::string message =
                "issuer " + quoted(raw) + " is not a valid issuer domain: " + brief(problem);
            if (raw.find_first_of(";=") != std::string::npos) {
                message += "; write parameters as a table: { ca = \"...\", accounturi = "
                           "\"...\", params = { key = \"value\" } }";
            }
            error("issuer-syntax", at(where), message);
            return std::nullopt;
        }
        std::string issuer = caa::normalize_issuer(raw);
        if (!text::is_lower(raw)) {
            warning("issuer-case", at(where),
                    "issuer " + quoted(raw) + " has upper-case letters; it is emitted as " +
                        quoted(issuer) + " (some CAs compare issuers byte for byte)");
        }
        const IssuerInfo& info = issuer_info(issuer);
        if (!info.known) {
            std::string message =
                "issuer " + quoted(issuer) + " is not in caapol's table of CA identifiers";
            if (info.nearest) {
                message += "; did you mean \"" + *info.nearest + "\"?";
            } else {
                message += " (see 'caapol cas')";
            }
            warning("unknown-issuer", at(where), message);
        }
        return issuer;
    }

    const IssuerInfo& issuer_info(const std::string& issuer) {
        auto it = shared_.issuers.find(issuer);
        if (it != shared_.issuers.end()) {
            return it->second;
        }
        IssuerInfo info;
        info.known = caa::find_ca(issuer) != nullptr;
        if (!info.known) {
            info.nearest = caa::nearest_issuer(issuer);
        }
        return shared_.issuers.emplace(issuer, std::move(info)).first->second;
    }

    void parse_issuer_table(const std::string& tag, const toml::table& table,
                            const toml::node& entry, std::vector<PolicyRecord>& out) {
        std::optional<std::string> issuer;
        bool issuer_seen = false;
        bool valid = true;
        bool critical = false;
        std::vector<caa::Parameter> parameters;
        std::vector<caa::Parameter> extra;
        const toml::node* account = nullptr;
        const toml::node* methods = nullptr;
        const toml::table* params = nullptr;
        for (auto&& [key, value] : table) {
            std::string name(key.str());
            if (name == "ca") {
                issuer_seen = true;
                if (const auto* s = value.as_string()) {
                    issuer = check_issuer(s->get(), value);
                } else {
                    wrong_type(value, "ca", "an issuer domain string");
                }
                valid = valid && issuer.has_value();
            } else if (name == "accounturi") {
                account = &value;
            } else if (name == "validationmethods") {
                methods = &value;
            } else if (name == "params") {
                params = value.as_table();
                if (params == nullptr) {
                    wrong_type(value, "params", "a table of parameters { key = \"value\" }");
                    valid = false;
                }
            } else if (name == "critical") {
                valid = parse_critical(value, critical) && valid;
            } else {
                unknown_key(key, value, "in an issuer entry", issuer_entry_keys());
                valid = false;
            }
        }
        if (!issuer_seen) {
            error("missing-key", at(entry),
                  "an issuer entry needs ca = \"issuer.example\" (the CA's issuer domain)");
            return;
        }
        if (account != nullptr) {
            if (const auto* s = account->as_string()) {
                valid = check_account(s->get(), *account) && valid;
                parameters.push_back({"accounturi", s->get()});
            } else {
                wrong_type(*account, "accounturi", "a string (the ACME account URL)");
                valid = false;
            }
        }
        if (methods != nullptr) {
            if (auto joined = parse_methods(*methods)) {
                parameters.push_back({"validationmethods", *joined});
            } else {
                valid = false;
            }
        }
        if (params != nullptr) {
            valid = parse_params(*params, parameters) && valid;
        }
        if (!valid || !issuer) {
            return;
        }
        emit_issue(out, tag, entry, critical, caa::IssueValue{*issuer, parameters});
    }

    bool parse_critical(const toml::node& value, bool& critical) {
        if (const auto* flag = value.as_boolean()) {
            critical = flag->get();
            return true;
        }
        wrong_type(value, "critical", "true or false");
        return false;
    }

    bool check_account(const std::string& uri, const toml::node& where) {
        std::string problem = brief(caa::check_account_uri(uri));
        if (!problem.empty()) {
            error("account-uri", at(where),
                  explain("accounturi " + quoted(uri) + " is not an absolute URI", uri, problem));
            return false;
        }
        if (!is_parameter_value(uri)) {
            error("parameter-syntax", at(where),
                  "accounturi " + quoted(uri) +
                      " holds a character a CAA parameter value cannot hold (space, ';', "
                      "control or non-ASCII)");
            return false;
        }
        return true;
    }

    std::optional<std::string> parse_methods(const toml::node& value) {
        const auto* list = value.as_array();
        if (list == nullptr) {
            wrong_type(value, "validationmethods",
                       "a list of ACME validation methods, e.g. [\"dns-01\"]");
            return std::nullopt;
        }
        if (list->empty()) {
            error("validation-method", at(value),
                  "validationmethods is empty, which no validation could satisfy; list at "
                  "least one method or leave the key out");
            return std::nullopt;
        }
        std::string joined;
        bool valid = true;
        for (const auto& entry : *list) {
            const auto* s = entry.as_string();
            if (s == nullptr) {
                wrong_type(entry, "a validation method", "a string such as \"dns-01\"");
                valid = false;
                continue;
            }
            const std::string& label = s->get();
            if (!caa::is_known_validation_method(label) || !is_parameter_value(label) ||
                label.find(',') != std::string::npos) {
                std::string message = "validation method " + quoted(label) +
                                      " is not in the ACME registry and not a CA-specific "
                                      "\"ca-\" label";
                std::vector<std::string> known = caa::acme_validation_methods();
                if (auto suggestion = text::did_you_mean(label, known)) {
                    message += "; did you mean \"" + *suggestion + "\"?";
                }
                error("validation-method", at(entry), message);
                valid = false;
                continue;
            }
            joined += (joined.empty() ? "" : ",") + label;
        }
        if (!valid) {
            return std::nullopt;
        }
        return joined;
    }

    bool parse_params(const toml::table& params, std::vector<caa::Parameter>& parameters) {
        // toml++ keeps table keys sorted; emit the parameters in the order the file wrote them.
        std::vector<std::pair<const toml::key*, const toml::node*>> ordered;
        for (auto&& [key, value] : params) {
            ordered.emplace_back(&key, &value);
        }
        std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
            return before(a.first->source(), b.first->source());
        });
        bool valid = true;
        for (const auto& [key, value] : ordered) {
            std::string name(key->str());
            if (!is_alnum(name)) {
                error("parameter-syntax", at(*key),
                      "parameter name " + quoted(name) +
                          " must be letters and digits only (RFC 8659)");
                valid = false;
                continue;
            }
            if (text::iequals(name, "accounturi") || text::iequals(name, "validationmethods")) {
                error("duplicate-parameter", at(*key),
                      "set " + text::to_lower(name) +
                          " with its own key of the issuer entry, "
                          "not in params");
                valid = false;
                continue;
            }
            const auto* s = value->as_string();
            if (s == nullptr) {
                wrong_type(*value, "parameter " + quoted(name), "a string");
                valid = false;
                continue;
            }
            if (!is_parameter_value(s->get())) {
                error("parameter-syntax", at(*value),
                      "value " + quoted(s->get()) + " of parameter " + quoted(name) +
                          " holds a character a CAA parameter value cannot hold (space, ';', "
                          "control or non-ASCII)");
                valid = false;
                continue;
            }
            parameters.push_back({name, s->get()});
        }
        return valid;
    }

    void emit_issue(std::vector<PolicyRecord>& out, const std::string& tag, const toml::node& where,
                    bool critical, const caa::IssueValue& value) {
        std::string rendered = caa::render_issue_value(value, true);
        // The value is built from checked parts; parse it back so that nothing outside the
        // grammar can ever be emitted.
        auto parsed = caa::parse_issue_value(rendered);
        if (!parsed.value) {
            error(parsed.error.rule.empty() ? "issuer-syntax" : parsed.error.rule, at(where),
                  "the " + tag + " value " + quoted(rendered) +
                      " is outside the RFC 8659 grammar: " + brief(parsed.error.message));
            return;
        }
        add(out, where, critical, tag, rendered);
    }

    // --- iodef, contactemail, contactphone, property ------------------------------------

    void parse_iodef_list(const toml::node& value, std::vector<PolicyRecord>& out) {
        const auto* list = value.as_array();
        if (list == nullptr) {
            wrong_type(value, "iodef",
                       value.is_string() ? "a list of URLs (write iodef = [\"...\"])"
                                         : "a list of URLs");
            return;
        }
        for (const auto& entry : *list) {
            bool critical = false;
            const toml::node* url = nullptr;
            if (entry.is_string()) {
                url = &entry;
            } else if (const auto* t = entry.as_table()) {
                bool valid = true;
                for (auto&& [key, v] : *t) {
                    if (key.str() == "url") {
                        url = &v;
                    } else if (key.str() == "critical") {
                        valid = parse_critical(v, critical) && valid;
                    } else {
                        unknown_key(key, v, "in an iodef entry", iodef_entry_keys());
                        valid = false;
                    }
                }
                if (url == nullptr) {
                    error("missing-key", at(entry), "an iodef entry needs url = \"...\"");
                    continue;
                }
                if (!valid) {
                    continue;
                }
            } else {
                wrong_type(entry, "an iodef entry", "a URL string or a table { url = \"...\" }");
                continue;
            }
            const auto* s = url->as_string();
            if (s == nullptr) {
                wrong_type(*url, "url", "a string");
                continue;
            }
            std::string bad = forbidden_character(s->get(), false, false, false);
            if (!bad.empty()) {
                error("forbidden-character", at(*url),
                      "iodef URL " + quoted(s->get()) + " holds " + bad);
                continue;
            }
            std::string problem = brief(caa::check_iodef_url(s->get()));
            if (!problem.empty()) {
                error("iodef-url", at(*url),
                      explain("iodef " + quoted(s->get()), s->get(), problem));
                continue;
            }
            add(out, entry, critical, "iodef", s->get());
        }
    }

    void parse_contact_list(const std::string& tag, const toml::node& value,
                            std::vector<PolicyRecord>& out) {
        const auto* list = value.as_array();
        if (list == nullptr) {
            wrong_type(value, tag,
                       value.is_string() ? "a list of strings (write " + tag + " = [\"...\"])"
                                         : "a list of strings");
            return;
        }
        bool phone = tag == "contactphone";
        for (const auto& entry : *list) {
            const auto* s = entry.as_string();
            if (s == nullptr) {
                wrong_type(entry, "an entry of " + tag, "a string");
                continue;
            }
            std::string bad = forbidden_character(s->get(), phone, false, false);
            if (!bad.empty()) {
                error("forbidden-character", at(entry),
                      tag + " " + quoted(s->get()) + " holds " + bad);
                continue;
            }
            std::string problem = brief(phone ? caa::check_contact_phone(s->get())
                                              : caa::check_contact_email(s->get()));
            if (!problem.empty()) {
                error(phone ? "contact-phone" : "contact-email", at(entry),
                      explain(tag + " " + quoted(s->get()), s->get(), problem));
                continue;
            }
            add(out, entry, false, tag, s->get());
        }
    }

    void parse_property_list(const toml::node& value, std::vector<PolicyRecord>& out) {
        const auto* list = value.as_array();
        if (list == nullptr) {
            wrong_type(value, "property", "a list of tables { tag = \"...\", value = \"...\" }");
            return;
        }
        for (const auto& entry : *list) {
            const auto* t = entry.as_table();
            if (t == nullptr) {
                wrong_type(entry, "a property entry", "a table { tag = \"...\", value = \"...\" }");
                continue;
            }
            const toml::node* tag_node = nullptr;
            const toml::node* value_node = nullptr;
            bool critical = false;
            bool valid = true;
            for (auto&& [key, v] : *t) {
                if (key.str() == "tag") {
                    tag_node = &v;
                } else if (key.str() == "value") {
                    value_node = &v;
                } else if (key.str() == "critical") {
                    valid = parse_critical(v, critical) && valid;
                } else {
                    unknown_key(key, v, "in a property entry", property_entry_keys());
                    valid = false;
                }
            }
            if (tag_node == nullptr || value_node == nullptr) {
                error("missing-key", at(entry),
                      std::string("a property entry needs ") +
                          (tag_node == nullptr ? "tag = \"...\"" : "value = \"...\""));
                continue;
            }
            auto tag = check_property_tag(*tag_node);
            const auto* v = value_node->as_string();
            if (v == nullptr) {
                wrong_type(*value_node, "value", "a string");
                continue;
            }
            std::string bad = forbidden_character(v->get(), true, true, true);
            if (!bad.empty()) {
                error("forbidden-character", at(*value_node),
                      "property value " + quoted(v->get()) + " holds " + bad);
                continue;
            }
            if (!tag || !valid) {
                continue;
            }
            add(out, entry, critical, *tag, v->get());
        }
    }

    std::optional<std::string> check_property_tag(const toml::node& node) {
        const auto* s = node.as_string();
        if (s == nullptr) {
            wrong_type(node, "tag", "a string");
            return std::nullopt;
        }
        const std::string& tag = s->get();
        if (!is_alnum(tag)) {
            error("property-tag", at(node),
                  "property tag " + quoted(tag) +
                      " must be one or more letters and digits (RFC 8659)");
            return std::nullopt;
        }
        std::string lower = text::to_lower(tag);
        if (caa::is_reserved_tag(lower)) {
            error("reserved-tag", at(node),
                  "property tag " + quoted(tag) +
                      " is reserved by RFC 8659 (auth, path, policy) and must not be used");
            return std::nullopt;
        }
        if (record_key_index(lower) && lower != "property") {
            error("property-tag-has-key", at(node),
                  "property tag " + quoted(tag) + " has a key of its own: use " + lower +
                      " = [...] instead of property");
            return std::nullopt;
        }
        if (lower != tag) {
            warning("property-tag-case", at(node),
                    "property tag " + quoted(tag) + " is emitted in lower case as " +
                        quoted(lower) + " (some servers refuse upper-case tags)");
        }
        return lower;
    }

    const std::string& file_;
    SharedState& shared_;
    Diagnostics& diagnostics_;
};

Policy finish(std::vector<std::string> files, SharedState& shared, Diagnostics& diagnostics) {
    // Sort by precomputed canonical keys: one string comparison each, fast for 100,000 names.
    std::vector<std::pair<std::string, std::size_t>> order;
    order.reserve(shared.domains.size());
    for (std::size_t i = 0; i < shared.domains.size(); ++i) {
        order.emplace_back(canonical_sort_key(shared.domains[i].name), i);
    }
    std::sort(order.begin(), order.end());
    Policy policy;
    policy.files = std::move(files);
    policy.domains.reserve(order.size());
    for (const auto& [key, index] : order) {
        policy.domains.push_back(std::move(shared.domains[index]));
    }
    for (const auto& domain : policy.domains) {
        if (domain.inherit && policy.expected_for(domain.name) == nullptr) {
            diagnostics.warning("inherit-without-parent", domain.location,
                                "domain " + quoted(domain.name) +
                                    " has inherit = true, but no policy domain above it has "
                                    "records: nothing is expected for it");
        }
    }
    return policy;
}

void load_text(std::string_view text, const std::string& name, SharedState& shared,
               Diagnostics& diagnostics) {
    Diagnostics found;
    FileLoader(name, shared, found).load(text);
    found.sort_by_location();
    diagnostics.append(found);
}

} // namespace

Policy load(const std::vector<std::string>& paths, Diagnostics& diagnostics) {
    SharedState shared;
    for (const auto& path : paths) {
        std::string text = read_file(path);
        load_text(text, path, shared, diagnostics);
    }
    return finish(paths, shared, diagnostics);
}

Policy load_from_string(std::string_view text, const std::string& name, Diagnostics& diagnostics) {
    SharedState shared;
    load_text(text, name, shared, diagnostics);
    return finish({name}, shared, diagnostics);
}

} // namespace caapol::policy
