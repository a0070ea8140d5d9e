// Format table, the checks every writer relies on, and the helpers they share.
#include "caapol/caa/record.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "generate_internal.hpp"

#include <cstdio>

namespace caapol::output {

const std::vector<FormatInfo>& formats() {
    static const std::vector<FormatInfo> table = {
        {Format::zone, "zone", "zone-file lines: NAME TTL IN CAA FLAGS TAG \"VALUE\" (default)"},
        {Format::rfc3597, "rfc3597", "zone-file lines in RFC 3597 form: TYPE257 \\# LEN HEX"},
        {Format::tinydns, "tinydns", "tinydns-data generic lines :NAME:257:RDATA:TTL"},
        {Format::dnsmasq, "dnsmasq", "dnsmasq.conf lines dns-rr=NAME,257,HEX"},
        {Format::nsupdate, "nsupdate", "nsupdate script: update delete/add per name, send"},
        {Format::json, "json", "{\"version\":1,\"records\":[{name,ttl,flags,tag,value}]}"},
        {Format::octodns, "octodns", "octoDNS zone YAML (needs --origin)"},
        {Format::dnscontrol, "dnscontrol", "DNSControl CAA() records (needs --origin)"},
    };
    return table;
}

std::optional<Format> parse_format(std::string_view name) {
    for (const auto& info : formats()) {
        if (name == info.name) {
            return info.format;
        }
    }
    return std::nullopt;
}

const char* format_name(Format format) {
    for (const auto& info : formats()) {
        if (info.format == format) {
            return info.name;
        }
    }
    return "?";
}

std::string parse_origin(std::string_view origin) {
    if (origin == "." || origin.empty()) {
        throw GenerateError{"--origin: the root cannot be the origin of a policy's zone"};
    }
    if (std::string problem = dns_name::check_hostname(origin); !problem.empty()) {
        throw GenerateError{"--origin '" + text::escape_for_terminal(origin) + "': " + problem};
    }
    return dns_name::normalize(origin);
}

std::string render(Format format, const std::vector<policy::Domain>& domains,
                   const GenerateOptions& options) {
    detail::check_domains(domains, options);
    switch (format) {
    case Format::zone:
        return detail::render_zone(domains, options);
    case Format::rfc3597:
        return detail::render_rfc3597(domains, options);
    case Format::tinydns:
        return detail::render_tinydns(domains, options);
    case Format::dnsmasq:
        return detail::render_dnsmasq(domains, options);
    case Format::nsupdate:
        return detail::render_nsupdate(domains, options);
    case Format::json:
        return detail::render_json(domains, options);
    case Format::octodns:
        return detail::render_octodns(domains, options);
    case Format::dnscontrol:
        return detail::render_dnscontrol(domains, options);
    }
    throw GenerateError{"unknown format"};
}

void render_to(Format format, const std::vector<policy::Domain>& domains,
               const GenerateOptions& options, const TextSink& write) {
    if (format == Format::zone || format == Format::rfc3597) {
        detail::check_domains(domains, options); // the only GenerateErrors of these formats
        if (format == Format::zone) {
            detail::render_zone(domains, options, write);
        } else {
            detail::render_rfc3597(domains, options, write);
        }
        return;
    }
    write(render(format, domains, options));
}

namespace detail {

void check_domains(const Domains& domains, const GenerateOptions& options) {
    for (const auto& domain : domains) {
        std::string shown = text::escape_for_terminal(domain.name);
        // Host-name syntax plus '_' labels and a leading "*." (a wildcard owner that --fix
        // repairs), so that a name needs no escaping anywhere.
        if (std::string problem = dns_name::check_name(domain.name, dns_name::Profile::lookup);
            !problem.empty()) {
            throw GenerateError{"domain '" + shown + "' " + problem};
        }
        if (domain.name.rfind("*.", 0) == 0 && !domain.inherit) {
            throw GenerateError{"domain '" + shown +
                                "' is a wildcard owner: only --fix deletes a set there; CAA "
                                "for wildcard certificates is issuewild at the parent"};
        }
        if (options.origin &&
            !dns_name::is_at_or_below(text::to_lower(domain.name), *options.origin)) {
            throw GenerateError{"domain " + shown + " is outside the origin " +
                                absolute_name(*options.origin) +
                                " (give a policy for that zone only, or no --origin)"};
        }
        if (domain.ttl > 2147483647U) {
            throw GenerateError{"domain " + shown + ": TTL " + std::to_string(domain.ttl) +
                                " is above 2147483647 (RFC 2181)"};
        }
        if (domain.inherit && !domain.records.empty()) {
            throw GenerateError{"domain " + shown + " has inherit = true and records"};
        }
        for (const auto& entry : domain.records) {
            const caa::Record& record = entry.record;
            if (!caa::is_valid_tag(record.tag) || record.tag.size() > 255) {
                throw GenerateError{"domain " + shown + ": invalid CAA tag '" +
                                    text::escape_for_terminal(record.tag) + "'"};
            }
            if (2 + record.tag.size() + record.value.size() > 65535) {
                throw GenerateError{"domain " + shown + ": a " + record.tag +
                                    " value is too long for one record (65535 octets)"};
            }
        }
    }
}

void check_line_length(std::string_view line, std::size_t limit, std::string_view format,
                       std::string_view name) {
    if (line.size() > limit) {
        throw GenerateError{"domain " + std::string(name) + ": a line of " + std::string(format) +
                            " output would be " + std::to_string(line.size()) +
                            " characters long; " + std::string(format) + " reads at most " +
                            std::to_string(limit) +
                            " and would take the rest for a line of its own (shorten the value)"};
    }
}

std::string absolute_name(std::string_view name) {
    return dns_name::absolute(name);
}

std::string relative_label(std::string_view name, const GenerateOptions& options) {
    std::string lower = text::to_lower(name);
    const std::string& origin = *options.origin;
    if (lower == origin) {
        return "";
    }
    // check_domains made sure the name is below the origin.
    return std::string(name.substr(0, name.size() - origin.size() - 1));
}

std::string zone_owner(std::string_view name, const GenerateOptions& options) {
    if (!options.origin) {
        return absolute_name(name);
    }
    std::string label = relative_label(name, options);
    return label.empty() ? "@" : label;
}

std::string header_comment(std::string_view prefix, const GenerateOptions& options) {
    if (!options.header) {
        return "";
    }
    std::string out;
    out.append(prefix).append("CAA records generated by caapol");
    if (options.source_files.empty()) {
        out += ".\n";
    } else {
        out += " from:\n";
        // Long names are cut over several lines: some readers (dnsmasq: 1024 bytes) split a
        // long line and would read its tail as a line of its own.
        constexpr std::size_t piece = 100;
        for (const auto& file : options.source_files) {
            for (std::size_t at = 0; at == 0 || at < file.size(); at += piece) {
                out.append(prefix).append(at == 0 ? "  " : "    ");
                out.append(text::escape_for_terminal(std::string_view(file).substr(at, piece)));
                out += '\n';
            }
        }
    }
    out.append(prefix).append("Edit the policy, not this output.\n");
    return out;
}

namespace {

// Decodes the UTF-8 sequence at s[i]; returns its length (0 when invalid) and the code point.
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& code_point) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    std::size_t length = 0;
    if (c < 0x80) {
        code_point = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        length = 2;
        code_point = c & 0x1fU;
    } else if (c >= 0xe0 && c <= 0xef) {
        length = 3;
        code_point = c & 0x0fU;
    } else if (c >= 0xf0 && c <= 0xf4) {
        length = 4;
        code_point = c & 0x07U;
    } else {
        return 0;
    }
    if (i + length > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) {
            return 0;
        }
        code_point = (code_point << 6) | (byte(i + k) & 0x3fU);
    }
    if ((length == 3 && code_point < 0x800) ||
        (length == 4 && (code_point < 0x10000 || code_point > 0x10ffff)) ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
        return 0;
    }
    return length;
}

void append_u_escape(std::string& out, std::uint32_t unit) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(unit & 0xffffU));
    out += buffer;
}

} // namespace

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t code_point = 0;
        std::size_t length = decode_utf8(s, i, code_point);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

void require_utf8(std::string_view s, std::string_view what) {
    if (!is_valid_utf8(s)) {
        throw GenerateError{std::string(what) + " '" + text::escape_for_terminal(s) +
                            "' is not valid UTF-8, which this format cannot carry (use "
                            "--format zone or rfc3597)"};
    }
}

std::string quote_portable(std::string_view s, std::string_view what, QuoteStyle style) {
    require_utf8(s, what);
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t code_point = 0;
        i += decode_utf8(s, i, code_point);
        if (code_point == '"' || code_point == '\\') {
            out += '\\';
            out += static_cast<char>(code_point);
        } else if (code_point >= 0x20 && code_point < 0x7f) {
            out += static_cast<char>(code_point);
        } else if (code_point < 0x10000) {
            append_u_escape(out, code_point);
        } else if (style == QuoteStyle::yaml) {
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "\\U%08x", static_cast<unsigned>(code_point));
            out += buffer;
        } else {
            std::uint32_t v = code_point - 0x10000;
            append_u_escape(out, 0xd800 + (v >> 10));
            append_u_escape(out, 0xdc00 + (v & 0x3ff));
        }
    }
    out += '"';
    return out;
}

} // namespace detail

} // namespace caapol::output
