// Formats for tools that take structured data: JSON, octoDNS YAML, DNSControl JavaScript.
// Every string is written quoted with escapes (text::json_string, quote_portable), so no
// value can end its string early or start a line of its own.
#include "caapol/core/text.hpp"
#include "generate_internal.hpp"

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

// octoDNS YAML zone file: keys relative to the origin ('' for the origin itself), one CAA
// record with a TTL and its values per name.
std::string render_octodns(const Domains& domains, const GenerateOptions& options) {
    require_origin(options, "octodns");
    std::string out = header_comment("# ", options);
    std::string body;
    bool any_record = false;
    for (const auto& domain : domains) {
        if (domain.inherit) {
            body += "# " + domain.name + " inherits (inherit = true): no CAA records of its own\n";
            continue;
        }
        if (domain.records.empty()) {
            continue;
        }
        any_record = true;
        body += quote_portable(relative_label(domain.name, options), "the name", QuoteStyle::yaml) +
                ":\n  type: CAA\n  ttl: " + std::to_string(domain.ttl) + "\n  values:\n";
        for (const auto& entry : domain.records) {
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
