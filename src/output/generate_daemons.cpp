// Formats of servers without CAA presentation support: tinydns-data generic records and
// dnsmasq dns-rr lines, both carrying the RDATA octets (caa::to_rdata).
#include "caapol/caa/record.hpp"
#include "caapol/core/text.hpp"
#include "generate_internal.hpp"

#include <cstdio>

namespace caapol::output::detail {

namespace {

bool is_tinydns_safe(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    // Never ':' (field separator), '\\' (escape), '#' or anything outside printable ASCII.
    static constexpr std::string_view punctuation = ".-_/=@+;,?&%~!*()[]";
    return punctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

// tinydns-data field: every byte outside a small safe set as \NNN (three octal digits).
std::string tinydns_escape(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (is_tinydns_safe(c)) {
            out += static_cast<char>(c);
        } else {
            char buffer[5];
            std::snprintf(buffer, sizeof buffer, "\\%03o", static_cast<unsigned>(c));
            out += buffer;
        }
    }
    return out;
}

// dnsmasq's parse_hex takes octets separated by colons.
std::string colon_hex(std::string_view bytes) {
    std::string hex = text::to_hex(bytes);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        if (i > 0) {
            out += ':';
        }
        out += hex.substr(i, 2);
    }
    return out;
}

std::string inherit_comment(const policy::Domain& domain) {
    return "# " + domain.name + " inherits (inherit = true): no CAA records of its own\n";
}

} // namespace

std::string render_tinydns(const Domains& domains, const GenerateOptions& options) {
    std::string out = header_comment("# ", options);
    for (const auto& domain : domains) {
        if (domain.inherit) {
            out += inherit_comment(domain);
            continue;
        }
        std::string name = tinydns_escape(domain.name);
        for (const auto& entry : domain.records) {
            out += ':' + name + ":257:" + tinydns_escape(caa::to_rdata(entry.record)) + ':' +
                   std::to_string(domain.ttl) + '\n';
        }
    }
    return out;
}

// dns-rr has no TTL: dnsmasq answers with its local-ttl; the policy's TTL is noted in a
// comment per name.
std::string render_dnsmasq(const Domains& domains, const GenerateOptions& options) {
    std::string out = header_comment("# ", options);
    for (const auto& domain : domains) {
        if (domain.inherit) {
            out += inherit_comment(domain);
            continue;
        }
        out += "# " + domain.name + " (policy TTL " + std::to_string(domain.ttl) +
               "; dnsmasq uses local-ttl)\n";
        for (const auto& entry : domain.records) {
            std::string line =
                "dns-rr=" + domain.name + ",257," + colon_hex(caa::to_rdata(entry.record));
            check_line_length(line, dnsmasq_max_line, "dnsmasq", domain.name);
            out += line + '\n';
        }
    }
    return out;
}

} // namespace caapol::output::detail
