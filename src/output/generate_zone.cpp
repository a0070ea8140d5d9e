// Zone-file family: presentation lines (zone), RFC 3597 generic lines, nsupdate scripts.
// Values go through caa::to_presentation (quoted, RFC 1035 escapes): one line per record
// whatever the value holds.
#include "caapol/caa/record.hpp"
#include "caapol/core/text.hpp"
#include "generate_internal.hpp"

namespace caapol::output::detail {

namespace {

std::string inherit_comment(std::string_view prefix, const policy::Domain& domain) {
    return std::string(prefix) + absolute_name(domain.name) +
           " inherits (inherit = true): no CAA records of its own\n";
}

// RFC 3597 generic RDATA: "\# LEN HEX", the hex split into words of 32 octets.
std::string generic_rdata(const caa::Record& record) {
    std::string rdata = caa::to_rdata(record);
    std::string hex = text::to_hex(rdata);
    std::string out = "\\# " + std::to_string(rdata.size());
    for (std::size_t i = 0; i < hex.size(); i += 64) {
        out += ' ';
        out += hex.substr(i, 64);
    }
    return out;
}

// Hands the text to `write` in pieces of about a megabyte (a million domains make some 140 MB
// of zone file, which need not be held whole).
template <typename RenderRecord>
void render_lines(const Domains& domains, const GenerateOptions& options,
                  RenderRecord render_record, const TextSink& write) {
    constexpr std::size_t piece = 1 << 20;
    std::string out = header_comment("; ", options);
    bool written = false; // some text already handed to `write`
    for (const auto& domain : domains) {
        if (written || !out.empty()) {
            out += '\n';
        }
        if (domain.inherit) {
            out += inherit_comment("; ", domain);
        } else {
            std::string owner = zone_owner(domain.name, options);
            for (const auto& entry : domain.records) {
                out += owner + ' ' + std::to_string(domain.ttl) + " IN " +
                       render_record(entry.record) + '\n';
            }
        }
        if (out.size() >= piece) {
            write(out);
            out.clear();
            written = true;
        }
    }
    if (!out.empty()) {
        write(out);
    }
}

std::string zone_line(const caa::Record& record) {
    return "CAA " + caa::to_presentation(record);
}
std::string rfc3597_line(const caa::Record& record) {
    return "TYPE257 " + generic_rdata(record);
}

std::string collect(const std::function<void(const TextSink&)>& render) {
    std::string out;
    render([&](std::string_view text) { out += text; });
    return out;
}

} // namespace

std::string render_zone(const Domains& domains, const GenerateOptions& options) {
    return collect([&](const TextSink& write) { render_zone(domains, options, write); });
}

std::string render_rfc3597(const Domains& domains, const GenerateOptions& options) {
    return collect([&](const TextSink& write) { render_rfc3597(domains, options, write); });
}

void render_zone(const Domains& domains, const GenerateOptions& options, const TextSink& write) {
    render_lines(domains, options, zone_line, write);
}

void render_rfc3597(const Domains& domains, const GenerateOptions& options, const TextSink& write) {
    render_lines(domains, options, rfc3597_line, write);
}

// Names are always absolute: nsupdate would append its own default origin to relative ones.
// With an origin the whole script is one `zone` and one `send` (one atomic UPDATE message);
// without, each name is its own message (its delete and adds still atomic), since the names
// may lie in different zones.
std::string render_nsupdate(const Domains& domains, const GenerateOptions& options) {
    std::string out = header_comment("; ", options);
    if (options.origin) {
        out += "zone " + absolute_name(*options.origin) + '\n';
    }
    for (const auto& domain : domains) {
        std::string owner = absolute_name(domain.name);
        if (domain.inherit) {
            out += inherit_comment("; ", domain);
        }
        out += "update delete " + owner + " CAA\n";
        for (const auto& entry : domain.records) {
            std::string line = "update add " + owner + ' ' + std::to_string(domain.ttl) + " CAA " +
                               caa::to_presentation(entry.record);
            check_line_length(line, nsupdate_max_line, "nsupdate", domain.name);
            out += line + '\n';
        }
        if (!options.origin) {
            out += "send\n";
        }
    }
    if (options.origin && !domains.empty()) {
        out += "send\n";
    }
    return out;
}

} // namespace caapol::output::detail
