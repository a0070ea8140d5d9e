// Formats for tools that take structured data: JSON, octoDNS YAML, DNSControl JavaScript.
// Every string is written quoted with escapes (text::json_string, quote_portable), so no
// value can end its string early or start a line of its own.
#include "caapol/core/text.hpp"
#include "generate_internal.hpp"

#include <algorithm>
#include <utility>

namespace caapol::output::detail {

namespace {

void require_origin(const GenerateOptions& options, std::string_view format) {
    if (!options.origin) {
        throw GenerateError{"--format " + std::string(format) +
                            " writes names relative to a zone: give --origin ZONE"};
    }
}

// text::json_string, with the characters some readers take as line breaks (U+0085, U+2028,
// U+2029; valid JSON literally) escaped too, so that no value can start a line of its own.
std::string json_value(std::string_view s) {
    std::string quoted = text::json_string(s);
    std::string out;
    for (std::size_t i = 0; i < quoted.size(); ++i) {
        std::string_view rest = std::string_view(quoted).substr(i);
        if (rest.substr(0, 2) == "\xc2\x85") {
            out += "\\u0085";
            i += 1;
        } else if (rest.substr(0, 3) == "\xe2\x80\xa8" || rest.substr(0, 3) == "\xe2\x80\xa9") {
            out += rest[2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += quoted[i];
        }
    }
    return out;
}

} // namespace

// One record per line, so that diffs of generated files stay readable.
std::string render_json(const Domains& domains, const GenerateOptions&) {
    std::string out = "{\"version\":1,\"records\":[";
    bool first = true;
    for (const auto& domain : domains) {
        for (const auto& entry : domain.records) {
            const caa::Record& record = entry.record;
            require_utf8(record.value, "the value");
            out += first ? "\n" : ",\n";
            first = false;
            out += "{\"name\":" + json_value(absolute_name(domain.name)) +
                   ",\"ttl\":" + std::to_string(domain.ttl) +
                   ",\"flags\":" + std::to_string(record.flags) +
                   ",\"tag\":" + json_value(record.tag) + ",\"value\":" + json_value(record.value) +
                   "}";
        }
    }
    out += first ? "]}\n" : "\n]}\n";
    return out;
}

namespace {

// Natural order as octoDNS's YAML loader enforces it (natsort): runs of digits compare as
// numbers, everything else byte by byte; "host2" < "host10".
bool natural_less(std::string_view a, std::string_view b) {
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (is_digit(a[i]) && is_digit(b[j])) {
            std::size_t end_a = i;
            std::size_t end_b = j;
            while (end_a < a.size() && is_digit(a[end_a])) {
                ++end_a;
            }
            while (end_b < b.size() && is_digit(b[end_b])) {
                ++end_b;
            }
            std::string_view number_a = a.substr(i, end_a - i);
            std::string_view number_b = b.substr(j, end_b - j);
            while (number_a.size() > 1 && number_a.front() == '0') {
                number_a.remove_prefix(1);
            }
            while (number_b.size() > 1 && number_b.front() == '0') {
                number_b.remove_prefix(1);
            }
            if (number_a.size() != number_b.size()) {
                return number_a.size() < number_b.size();
            }
            if (number_a != number_b) {
                return number_a < number_b;
            }
            i = end_a;
            j = end_b;
        } else if (is_digit(a[i]) != is_digit(b[j])) {
            // natsort keys alternate text and numbers: a number where the other has text
            // means the text run ended here, and an empty text run sorts first.
            return is_digit(a[i]);
        } else {
            if (a[i] != b[j]) {
                return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
            }
            ++i;
            ++j;
        }
    }
    if ((a.size() - i) != (b.size() - j)) {
        return a.size() - i < b.size() - j;
    }
    return a < b;
}

} // namespace

// octoDNS YAML zone file: keys relative to the origin ("" for the origin itself), one CAA
// record with its TTL and values per name. octoDNS's YAML loader refuses keys out of its
// natural order (enforce_order, on by default), so names and record keys are written in
// that order (ttl, type, values; flags, tag, value) rather than DNS canonical order.
std::string render_octodns(const Domains& domains, const GenerateOptions& options) {
    require_origin(options, "octodns");
    std::vector<std::pair<std::string, const policy::Domain*>> keyed;
    for (const auto& domain : domains) {
        keyed.emplace_back(relative_label(domain.name, options), &domain);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
    std::string out = header_comment("# ", options);
    std::string body;
    bool any_record = false;
    for (const auto& [key, domain] : keyed) {
        if (domain->inherit) {
            body += "# " + domain->name + " inherits (inherit = true): no CAA records of its own\n";
            continue;
        }
        if (domain->records.empty()) {
            continue;
        }
        any_record = true;
        body += quote_portable(key, "the name", QuoteStyle::yaml) +
                ":\n  ttl: " + std::to_string(domain->ttl) + "\n  type: CAA\n  values:\n";
        for (const auto& entry : domain->records) {
            const caa::Record& record = entry.record;
            body += "  - flags: " + std::to_string(record.flags) +
                    "\n    tag: " + quote_portable(record.tag, "the tag", QuoteStyle::yaml) +
                    "\n    value: " + quote_portable(record.value, "the value", QuoteStyle::yaml) +
                    "\n";
        }
    }
    if (!any_record) {
        body += "{}\n"; // an empty mapping, not a null document
    }
    return out + body;
}

namespace {

// The tags DNSControl's validation lets through (the IANA CAA properties without the
// reserved ones).
bool is_dnscontrol_tag(std::string_view tag) {
    static constexpr std::string_view allowed[] = {
        "issue", "issuewild", "iodef", "issuemail", "issuevmc", "contactemail", "contactphone"};
    return std::find(std::begin(allowed), std::end(allowed), tag) != std::end(allowed);
}

} // namespace

// DNSControl: an array of CAA() records to pass to D(); arrays in D() are flattened.
std::string render_dnscontrol(const Domains& domains, const GenerateOptions& options) {
    require_origin(options, "dnscontrol");
    std::string out = header_comment("// ", options);
    out += "// Use in dnsconfig.js: D(" +
           quote_portable(*options.origin, "the origin", QuoteStyle::javascript) +
           ", REG, DnsProvider(DSP), CAA_RECORDS);\nvar CAA_RECORDS = [\n";
    for (const auto& domain : domains) {
        if (domain.inherit) {
            out +=
                "    // " + domain.name + " inherits (inherit = true): no CAA records of its own\n";
            continue;
        }
        std::string label = relative_label(domain.name, options);
        std::string name =
            quote_portable(label.empty() ? "@" : label, "the name", QuoteStyle::javascript);
        for (const auto& entry : domain.records) {
            const caa::Record& record = entry.record;
            if (!is_dnscontrol_tag(record.tag)) {
                throw GenerateError{"domain " + domain.name + ": DNSControl refuses CAA tag '" +
                                    text::escape_for_terminal(record.tag) +
                                    "' (it takes issue, issuewild, iodef, issuemail, issuevmc, "
                                    "contactemail, contactphone; older versions only the "
                                    "first three)"};
            }
            if (record.flags != 0 && record.flags != caa::flag_critical) {
                throw GenerateError{"domain " + domain.name + ": flags " +
                                    std::to_string(record.flags) +
                                    " cannot be expressed in DNSControl (only 0 and 128)"};
            }
            out += "    CAA(" + name + ", " +
                   quote_portable(record.tag, "the tag", QuoteStyle::javascript) + ", " +
                   quote_portable(record.value, "the value", QuoteStyle::javascript) +
                   (record.flags == caa::flag_critical ? ", CAA_CRITICAL" : "") + ", TTL(" +
                   std::to_string(domain.ttl) + ")),\n";
        }
    }
    out += "];\n";
    return out;
}

} // namespace caapol::output::detail
