#include "rdata.hpp"

#include "caapol/core/dns_name.hpp"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <map>
#include <memory>

namespace caapol::zone::detail {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

// Appends one label octet of a name in caapol's normalized form.
void append_name_octet(std::string& out, unsigned char b) {
    if (b >= 'A' && b <= 'Z') {
        out += static_cast<char>(b - 'A' + 'a');
    } else if (b > 0x20 && b < 0x7f && b != '.' && b != '\\' && b != '"' && b != ';' && b != '(' &&
               b != ')') {
        out += static_cast<char>(b);
    } else {
        out += '\\';
        out += static_cast<char>('0' + b / 100);
        out += static_cast<char>('0' + (b / 10) % 10);
        out += static_cast<char>('0' + b % 10);
    }
}

// Reads "\DDD" or "\X" at raw[i] == '\\'; advances i past it.
bool read_escape(std::string_view raw, std::size_t& i, unsigned char& out, std::string& error) {
    if (i + 1 >= raw.size()) {
        error = "a backslash ends the field";
        return false;
    }
    if (is_digit(raw[i + 1])) {
        if (i + 3 >= raw.size() || !is_digit(raw[i + 2]) || !is_digit(raw[i + 3])) {
            error = "\\DDD escapes need three digits";
            return false;
        }
        int value = (raw[i + 1] - '0') * 100 + (raw[i + 2] - '0') * 10 + (raw[i + 3] - '0');
        if (value > 255) {
            error = "\\" + std::string(raw.substr(i + 1, 3)) + " is not an octet (at most \\255)";
            return false;
        }
        out = static_cast<unsigned char>(value);
        i += 4;
        return true;
    }
    out = static_cast<unsigned char>(raw[i + 1]);
    i += 2;
    return true;
}

bool parse_number(std::string_view raw, std::uint64_t max, std::uint64_t& out) {
    if (raw.empty() || raw.size() > 20) {
        return false;
    }
    std::uint64_t value = 0;
    for (char c : raw) {
        if (!is_digit(c)) {
            return false;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > max) {
            return false;
        }
    }
    out = value;
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// Wire-format name (no compression) -> normalized presentation.
bool wire_name(std::string_view wire, std::string& out, std::string& error) {
    out.clear();
    std::size_t i = 0;
    while (true) {
        if (i >= wire.size()) {
            error = "the name in the RDATA is truncated";
            return false;
        }
        auto len = static_cast<unsigned char>(wire[i]);
        if (len == 0) {
            ++i;
            break;
        }
        if (len > 63) {
            error = "the name in the RDATA uses compression or a label over 63 octets";
            return false;
        }
        if (i + 1 + len > wire.size()) {
            error = "the name in the RDATA is truncated";
            return false;
        }
        if (!out.empty()) {
            out += '.';
        }
        for (std::size_t k = 0; k < len; ++k) {
            append_name_octet(out, static_cast<unsigned char>(wire[i + 1 + k]));
        }
        i += 1 + len;
    }
    if (i != wire.size()) {
        error = "the RDATA holds bytes after the name";
        return false;
    }
    if (i > 255) {
        error = "the name in the RDATA is longer than 255 octets";
        return false;
    }
    return true;
}

RdataError fail(std::size_t token, std::string message) {
    return RdataError{token, message};
}

std::string number_error(const char* what, std::uint64_t max) {
    return std::string(what) + " must be a number from 0 to " + std::to_string(max);
}

// RFC 3597: "\# LENGTH HEX...".
RdataError check_generic(std::uint16_t type, const Token* tokens, std::size_t count, Rdata& out) {
    std::uint64_t length = 0;
    if (count < 2 || !parse_number(tokens[1].text, 65535, length)) {
        return fail(count < 2 ? 0 : 1, "\\# must be followed by the RDATA length (0 to 65535)");
    }
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(length));
    int pending = -1;
    for (std::size_t t = 2; t < count; ++t) {
        for (char c : tokens[t].text) {
            int v = hex_value(c);
            if (v < 0) {
                return fail(t, "the RDATA of \\# must be hexadecimal");
            }
            if (pending < 0) {
                pending = v;
            } else {
                bytes += static_cast<char>(pending * 16 + v);
                pending = -1;
            }
            if (bytes.size() > length) {
                return fail(t, "the \\# RDATA is longer than its declared length " +
                                   std::to_string(length));
            }
        }
    }
    if (pending >= 0) {
        return fail(count - 1, "the \\# RDATA has an odd number of hexadecimal digits");
    }
    if (bytes.size() != length) {
        return fail(count - 1, "the \\# RDATA holds " + std::to_string(bytes.size()) +
                                   " octets, but its length says " + std::to_string(length));
    }
    std::string error;
    switch (type) {
    case type_caa: {
        auto record = caa::from_rdata(bytes, &error);
        if (!record) {
            return fail(1, "bad CAA RDATA: " + error);
        }
        out.caa = std::move(*record);
        break;
    }
    case type_cname:
    case type_dname:
    case type_ns:
        if (!wire_name(bytes, out.target, error)) {
            return fail(1, error);
        }
        break;
    case type_a:
        if (bytes.size() != 4) {
            return fail(1, "an A record's RDATA is 4 octets");
        }
        break;
    case type_aaaa:
        if (bytes.size() != 16) {
            return fail(1, "an AAAA record's RDATA is 16 octets");
        }
        break;
    default:
        break;
    }
    return {};
}

RdataError check_caa(const Token* tokens, std::size_t count, Rdata& out) {
    if (count < 3) {
        return fail(count == 0 ? 0 : count - 1,
                    "a CAA record needs flags, a tag and a value (e.g. 0 issue \"ca.example\")");
    }
    if (count > 3) {
        return fail(3, "the CAA value has " + std::to_string(count - 2) +
                           " words: a value with spaces must be quoted");
    }
    std::uint64_t flags = 0;
    if (tokens[0].quoted || !parse_number(tokens[0].text, 255, flags)) {
        return fail(0, number_error("CAA flags", 255));
    }
    out.caa.flags = static_cast<std::uint8_t>(flags);
    std::string error = decode_text(tokens[1].text, out.caa.tag);
    if (!error.empty()) {
        return fail(1, error);
    }
    if (out.caa.tag.empty()) {
        return fail(1, "the CAA tag is empty");
    }
    if (out.caa.tag.size() > 255) {
        return fail(1, "the CAA tag is longer than 255 octets");
    }
    error = decode_text(tokens[2].text, out.caa.value);
    if (!error.empty()) {
        return fail(2, error);
    }
    if (2 + out.caa.tag.size() + out.caa.value.size() > 65535) {
        return fail(2, "the CAA record's RDATA is " +
                           std::to_string(2 + out.caa.tag.size() + out.caa.value.size()) +
                           " octets; at most 65535 are possible");
    }
    return {};
}

// Presentation text of a field for ldns: quotes restored, escapes as written.
void append_field(std::string& out, const Token& token) {
    if (!token.joined) {
        out += ' ';
    }
    if (token.quoted) {
        out += '"';
        out += token.text;
        out += '"';
    } else {
        out += token.text;
    }
}

struct RrDeleter {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct RdfDeleter {
    void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};

// Rarer types: ldns checks them (slower, but they are rare in zones).
RdataError check_with_ldns(std::string_view text_type, const std::string& owner, std::uint32_t ttl,
                           const Token* tokens, std::size_t count, const std::string& origin) {
    static std::map<std::string, std::unique_ptr<ldns_rdf, RdfDeleter>> origins;
    auto it = origins.find(origin);
    if (it == origins.end()) {
        if (origins.size() > 64) {
            origins.clear();
        }
        std::string absolute = origin + ".";
        ldns_rdf* rdf = ldns_dname_new_frm_str(origin.empty() ? "." : absolute.c_str());
        it = origins.emplace(origin, std::unique_ptr<ldns_rdf, RdfDeleter>(rdf)).first;
    }
    std::string line = owner.empty() ? "." : owner + ".";
    line += ' ';
    line += std::to_string(ttl);
    line += " IN ";
    line += text_type;
    for (std::size_t i = 0; i < count; ++i) {
        append_field(line, tokens[i]);
    }
    if (line.find('\0') != std::string::npos) {
        return fail(0, "the record holds a NUL byte");
    }
    ldns_rr* rr = nullptr;
    ldns_status status = ldns_rr_new_frm_str(&rr, line.c_str(), ttl, it->second.get(), nullptr);
    std::unique_ptr<ldns_rr, RrDeleter> owned(rr);
    if (status != LDNS_STATUS_OK) {
        return fail(0, std::string("bad ") + std::string(text_type) +
                           " record: " + ldns_get_errorstr_by_id(status));
    }
    return {};
}

} // namespace

std::string parse_name(std::string_view raw, std::string_view origin, std::string& out) {
    if (raw == "@") {
        out.assign(origin);
        return "";
    }
    if (raw == ".") {
        out.clear();
        return "";
    }
    out.clear();
    std::size_t label = 0;
    std::size_t wire = 1;
    bool absolute = false;
    std::string error;
    for (std::size_t i = 0; i < raw.size();) {
        char c = raw[i];
        if (c == '.') {
            if (label == 0) {
                return "the name has an empty label (two dots, or a leading dot)";
            }
            wire += label + 1;
            label = 0;
            ++i;
            if (i == raw.size()) {
                absolute = true;
            } else {
                out += '.';
            }
            continue;
        }
        unsigned char octet = static_cast<unsigned char>(c);
        if (c == '\\') {
            if (!read_escape(raw, i, octet, error)) {
                return error;
            }
        } else {
            ++i;
        }
        if (++label > 63) {
            return "a label of the name is longer than 63 octets";
        }
        append_name_octet(out, octet);
    }
    if (label > 0) {
        wire += label + 1;
    }
    if (!absolute) {
        if (!origin.empty()) {
            out += '.';
            out.append(origin);
            wire += dns_name::wire_length(origin) - 1; // in octets: the origin may hold \DDD
        }
    }
    if (wire > 255) {
        return "the name is longer than 255 octets";
    }
    return "";
}

std::string decode_text(std::string_view raw, std::string& out) {
    out.clear();
    if (raw.find('\\') == std::string_view::npos) {
        out.assign(raw);
        return "";
    }
    std::string error;
    for (std::size_t i = 0; i < raw.size();) {
        if (raw[i] == '\\') {
            unsigned char octet = 0;
            if (!read_escape(raw, i, octet, error)) {
                return error;
            }
            out += static_cast<char>(octet);
        } else {
            out += raw[i++];
        }
    }
    return "";
}

std::string parse_ttl(std::string_view raw, std::uint32_t& out) {
    constexpr std::uint64_t max_ttl = 2147483647;
    std::uint64_t total = 0;
    std::uint64_t current = 0;
    bool digits = false;
    bool units = false;
    for (char c : raw) {
        if (is_digit(c)) {
            current = current * 10 + static_cast<std::uint64_t>(c - '0');
            digits = true;
            if (current > max_ttl) {
                return "the TTL is larger than 2147483647 seconds";
            }
            continue;
        }
        if (!digits) {
            return "a TTL is a number of seconds, optionally with units (1h30m)";
        }
        std::uint64_t factor = 0;
        switch (lower(c)) {
        case 's':
            factor = 1;
            break;
        case 'm':
            factor = 60;
            break;
        case 'h':
            factor = 3600;
            break;
        case 'd':
            factor = 86400;
            break;
        case 'w':
            factor = 604800;
            break;
        default:
            return "a TTL is a number of seconds, optionally with units (1h30m)";
        }
        total += current * factor;
        current = 0;
        digits = false;
        units = true;
        if (total > max_ttl) {
            return "the TTL is larger than 2147483647 seconds";
        }
    }
    if (!digits && !units) {
        return "a TTL is a number of seconds, optionally with units (1h30m)";
    }
    total += current;
    if (total > max_ttl) {
        return "the TTL is larger than 2147483647 seconds";
    }
    out = static_cast<std::uint32_t>(total);
    return "";
}

bool is_class(std::string_view token) {
    if (token.size() == 2) {
        return iequal(token, "IN") || iequal(token, "CH") || iequal(token, "HS") ||
               iequal(token, "CS");
    }
    if (token.size() > 5 && iequal(token.substr(0, 5), "CLASS")) {
        std::uint64_t n = 0;
        return parse_number(token.substr(5), 65535, n);
    }
    return false;
}

std::uint16_t type_from_name(std::string_view token) {
    switch (token.size()) {
    case 1:
        if (iequal(token, "A")) {
            return type_a;
        }
        break;
    case 2:
        if (iequal(token, "NS")) {
            return type_ns;
        }
        if (iequal(token, "MX")) {
            return type_mx;
        }
        break;
    case 3:
        if (iequal(token, "TXT")) {
            return type_txt;
        }
        if (iequal(token, "SOA")) {
            return type_soa;
        }
        if (iequal(token, "CAA")) {
            return type_caa;
        }
        if (iequal(token, "PTR")) {
            return type_ptr;
        }
        if (iequal(token, "SRV")) {
            return type_srv;
        }
        if (iequal(token, "SPF")) {
            return type_spf;
        }
        break;
    case 4:
        if (iequal(token, "AAAA")) {
            return type_aaaa;
        }
        break;
    case 5:
        if (iequal(token, "CNAME")) {
            return type_cname;
        }
        if (iequal(token, "DNAME")) {
            return type_dname;
        }
        break;
    default:
        break;
    }
    if (token.size() > 4 && iequal(token.substr(0, 4), "TYPE")) {
        std::uint64_t n = 0;
        if (parse_number(token.substr(4), 65535, n) && n > 0) {
            return static_cast<std::uint16_t>(n);
        }
        return 0;
    }
    if (token.size() > 20) {
        return 0;
    }
    std::string name(token);
    ldns_rr_type type = ldns_get_rr_type_by_name(name.c_str());
    // Meta types and classes cannot be records in a zone.
    if (type == LDNS_RR_TYPE_AXFR || type == LDNS_RR_TYPE_IXFR || type == LDNS_RR_TYPE_ANY ||
        type == LDNS_RR_TYPE_MAILA || type == LDNS_RR_TYPE_MAILB || type == LDNS_RR_TYPE_OPT) {
        return 0;
    }
    return static_cast<std::uint16_t>(type);
}

RdataError check_rdata(std::uint16_t type, std::string_view text_type, const std::string& owner,
                       std::uint32_t ttl, const Token* tokens, std::size_t count,
                       const std::string& origin, Rdata& out) {
    out.generic = count > 0 && !tokens[0].quoted && tokens[0].text == "\\#";
    if (out.generic) {
        return check_generic(type, tokens, count, out);
    }
    auto exactly = [&](std::size_t n, const char* shape) -> RdataError {
        if (count != n) {
            return fail(count < n ? (count == 0 ? 0 : count - 1) : n,
                        std::string(count < n ? "missing fields: " : "too many fields: ") + shape);
        }
        return {};
    };
    std::uint64_t number = 0;
    std::string error;
    switch (type) {
    case type_a: {
        if (auto e = exactly(1, "an A record holds one IPv4 address"); !e.message.empty()) {
            return e;
        }
        in_addr address{};
        if (tokens[0].quoted || inet_pton(AF_INET, tokens[0].text.c_str(), &address) != 1) {
            return fail(0, "not an IPv4 address");
        }
        return {};
    }
    case type_aaaa: {
        if (auto e = exactly(1, "an AAAA record holds one IPv6 address"); !e.message.empty()) {
            return e;
        }
        in6_addr address{};
        if (tokens[0].quoted || inet_pton(AF_INET6, tokens[0].text.c_str(), &address) != 1) {
            return fail(0, "not an IPv6 address");
        }
        return {};
    }
    case type_ns:
    case type_cname:
    case type_dname:
    case type_ptr: {
        if (auto e = exactly(1, "the record holds one domain name"); !e.message.empty()) {
            return e;
        }
        error = parse_name(tokens[0].text, origin, out.target);
        if (!error.empty()) {
            return fail(0, error);
        }
        return {};
    }
    case type_mx: {
        if (auto e = exactly(2, "MX PREFERENCE EXCHANGE"); !e.message.empty()) {
            return e;
        }
        if (!parse_number(tokens[0].text, 65535, number)) {
            return fail(0, number_error("the MX preference", 65535));
        }
        error = parse_name(tokens[1].text, origin, out.target);
        if (!error.empty()) {
            return fail(1, error);
        }
        return {};
    }
    case type_srv: {
        if (auto e = exactly(4, "SRV PRIORITY WEIGHT PORT TARGET"); !e.message.empty()) {
            return e;
        }
        for (std::size_t i = 0; i < 3; ++i) {
            if (!parse_number(tokens[i].text, 65535, number)) {
                return fail(i, number_error("SRV priority, weight and port", 65535));
            }
        }
        error = parse_name(tokens[3].text, origin, out.target);
        if (!error.empty()) {
            return fail(3, error);
        }
        return {};
    }
    case type_txt:
    case type_spf: {
        if (count == 0) {
            return fail(0, "a TXT record holds at least one string");
        }
        std::size_t total = 0;
        for (std::size_t i = 0; i < count; ++i) {
            error = decode_text(tokens[i].text, out.target);
            if (!error.empty()) {
                return fail(i, error);
            }
            if (out.target.size() > 255) {
                return fail(i, "a TXT string is at most 255 octets; split it into several");
            }
            total += out.target.size() + 1;
            if (total > 65535) {
                return fail(i, "the TXT record's RDATA is longer than 65535 octets");
            }
        }
        out.target.clear();
        return {};
    }
    case type_soa: {
        if (auto e = exactly(7, "SOA MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM");
            !e.message.empty()) {
            return e;
        }
        for (std::size_t i = 0; i < 2; ++i) {
            error = parse_name(tokens[i].text, origin, out.target);
            if (!error.empty()) {
                return fail(i, error);
            }
        }
        if (!parse_number(tokens[2].text, 4294967295u, number)) {
            return fail(2, number_error("the SOA serial", 4294967295u));
        }
        for (std::size_t i = 3; i < 7; ++i) {
            std::uint32_t seconds = 0;
            error = parse_ttl(tokens[i].text, seconds);
            if (!error.empty()) {
                return fail(i, error);
            }
        }
        out.target.clear();
        return {};
    }
    case type_caa:
        return check_caa(tokens, count, out);
    default:
        return check_with_ldns(text_type, owner, ttl, tokens, count, origin);
    }
}

} // namespace caapol::zone::detail
