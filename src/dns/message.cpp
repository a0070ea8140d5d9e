#include "caapol/dns/message.hpp"

#include "caapol/caa/record.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ldns/ldns.h>
#include <memory>

namespace caapol::dns {

namespace {

struct PacketDeleter {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PacketPtr = std::unique_ptr<ldns_pkt, PacketDeleter>;

std::string rdf_text(const ldns_rdf* rdf) {
    if (rdf == nullptr) {
        return {};
    }
    char* s = ldns_rdf2str(rdf);
    if (s == nullptr) {
        return {};
    }
    std::string out(s);
    std::free(s);
    return out;
}

// A domain name rdf as caapol's normalized text: lower case, no trailing dot, "" for the root;
// bytes that are not letters, digits, '-', '_' or '*' as \DDD. Cheaper than ldns_rdf2str plus
// normalize, and run for every owner and target of every answer.
std::string dname_text(const ldns_rdf* rdf) {
    std::string out;
    if (rdf == nullptr || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) {
        return dns_name::normalize(rdf_text(rdf));
    }
    const std::uint8_t* data = ldns_rdf_data(rdf);
    std::size_t size = ldns_rdf_size(rdf);
    std::size_t at = 0;
    while (at < size) {
        std::size_t length = data[at++];
        if (length == 0 || at + length > size) {
            break;
        }
        if (!out.empty()) {
            out.push_back('.');
        }
        for (std::size_t i = 0; i < length; ++i) {
            unsigned char c = data[at + i];
            if (c >= 'A' && c <= 'Z') {
                out.push_back(static_cast<char>(c + 32));
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                       c == '*') {
                out.push_back(static_cast<char>(c));
            } else {
                char buffer[6];
                std::snprintf(buffer, sizeof buffer, "\\%03u", static_cast<unsigned>(c));
                out += buffer;
            }
        }
        at += length;
    }
    return out;
}

std::uint16_t get16(std::string_view w, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(w[at]) << 8) |
                                      static_cast<unsigned char>(w[at + 1]));
}

bool ascii_iequal_bytes(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        unsigned char x = static_cast<unsigned char>(a[i]);
        unsigned char y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') {
            x = static_cast<unsigned char>(x + 32);
        }
        if (y >= 'A' && y <= 'Z') {
            y = static_cast<unsigned char>(y + 32);
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

void convert_section(const ldns_rr_list* list, std::vector<ResourceRecord>& out) {
    std::size_t count = ldns_rr_list_rr_count(list);
    ldns_buffer* buffer = ldns_buffer_new(512);
    for (std::size_t i = 0; i < count; ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(list, i);
        ResourceRecord record;
        record.owner = dname_text(ldns_rr_owner(rr));
        record.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
        record.ttl = ldns_rr_ttl(rr);
        ldns_buffer_clear(buffer);
        if (ldns_rr_rdata2buffer_wire(buffer, rr) == LDNS_STATUS_OK) {
            record.rdata.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buffer)),
                                ldns_buffer_position(buffer));
        }
        switch (record.type) {
        case type_cname:
        case type_dname:
        case type_ns:
            record.target = dname_text(ldns_rr_rdf(rr, 0));
            break;
        case type_a:
        case type_aaaa:
            record.target = rdf_text(ldns_rr_rdf(rr, 0));
            break;
        case type_soa:
            if (ldns_rr_rd_count(rr) >= 3) {
                record.serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
            }
            break;
        default:
            break;
        }
        out.push_back(std::move(record));
    }
    ldns_buffer_free(buffer);
}

climb::Answer failure(std::string reason, const std::string& server) {
    climb::Answer a;
    a.kind = climb::AnswerKind::failure;
    a.reason = std::move(reason);
    a.server = server;
    return a;
}

} // namespace

std::string rcode_name(unsigned rcode) {
    switch (rcode) {
    case rcode_noerror:
        return "NOERROR";
    case rcode_formerr:
        return "FORMERR";
    case rcode_servfail:
        return "SERVFAIL";
    case rcode_nxdomain:
        return "NXDOMAIN";
    case rcode_notimp:
        return "NOTIMP";
    case rcode_refused:
        return "REFUSED";
    default:
        return "RCODE" + std::to_string(rcode);
    }
}

std::string type_name(std::uint16_t type) {
    switch (type) {
    case type_a:
        return "A";
    case type_ns:
        return "NS";
    case type_cname:
        return "CNAME";
    case type_soa:
        return "SOA";
    case type_aaaa:
        return "AAAA";
    case type_dname:
        return "DNAME";
    case type_caa:
        return "CAA";
    default:
        return "TYPE" + std::to_string(type);
    }
}

std::optional<std::string> build_query(std::uint16_t id, const std::string& name,
                                       std::uint16_t type, bool recursion_desired,
                                       std::string* error) {
    // Written directly rather than through ldns_pkt2wire: its name-compression tree cost a
    // fifth of verify's CPU time, and a query holds a single name. Answers are still parsed
    // by ldns_wire2pkt.
    auto invalid = [&](const char* why) {
        *error = "'" + text::escape_for_terminal(name) + "' is not a valid domain name: " + why;
        return std::nullopt;
    };
    std::string wire;
    wire.reserve(12 + name.size() + 2 + 4 + 11);
    const unsigned char flags_high = recursion_desired ? 0x01 : 0x00; // RD
    const unsigned char header[12] = {static_cast<unsigned char>(id >> 8),
                                      static_cast<unsigned char>(id & 0xff),
                                      flags_high,
                                      0,
                                      0,
                                      1, // QDCOUNT
                                      0,
                                      0,
                                      0,
                                      0,
                                      0,
                                      1}; // ARCOUNT: the OPT record
    wire.append(reinterpret_cast<const char*>(header), sizeof header);
    // Labels from presentation form (names from DNS may carry \DDD or \X escapes).
    std::string label;
    std::size_t total = 1;
    auto end_label = [&]() -> bool {
        if (label.empty() || label.size() > 63) {
            return false;
        }
        total += label.size() + 1;
        wire.push_back(static_cast<char>(label.size()));
        wire += label;
        label.clear();
        return true;
    };
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '.') {
            if (!end_label()) {
                return invalid("empty or over-long label");
            }
        } else if (c == '\\') {
            if (i + 3 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1])) &&
                std::isdigit(static_cast<unsigned char>(name[i + 2])) &&
                std::isdigit(static_cast<unsigned char>(name[i + 3]))) {
                int value =
                    (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
                if (value > 255) {
                    return invalid("bad \\DDD escape");
                }
                label.push_back(static_cast<char>(value));
                i += 3;
            } else if (i + 1 < name.size()) {
                label.push_back(name[++i]);
            } else {
                return invalid("dangling backslash");
            }
        } else {
            label.push_back(c);
        }
    }
    if (!label.empty() && !end_label()) {
        return invalid("over-long label");
    }
    if (total > 255) {
        return invalid("longer than 255 octets");
    }
    wire.push_back('\0');
    const unsigned char tail[4 + 11] = {
        static_cast<unsigned char>(type >> 8), static_cast<unsigned char>(type & 0xff), 0, 1,
        // OPT: root owner, type 41, UDP payload size, extended RCODE/version/flags 0, no data
        0, 0, 41, static_cast<unsigned char>(edns_buffer_size >> 8),
        static_cast<unsigned char>(edns_buffer_size & 0xff), 0, 0, 0, 0, 0, 0};
    wire.append(reinterpret_cast<const char*>(tail), sizeof tail);
    return wire;
}

std::optional<Header> read_header(std::string_view wire) {
    if (wire.size() < 12) {
        return std::nullopt;
    }
    Header h;
    h.id = get16(wire, 0);
    std::uint16_t flags = get16(wire, 2);
    h.is_response = (flags & 0x8000) != 0;
    h.truncated = (flags & 0x0200) != 0;
    h.rcode = flags & 0x000f;
    h.question_count = get16(wire, 4);
    if (h.question_count == 0) {
        return h;
    }
    std::size_t at = 12;
    while (true) {
        if (at >= wire.size()) {
            return std::nullopt;
        }
        unsigned length = static_cast<unsigned char>(wire[at]);
        if (length > 63) { // compression pointers and extended labels: not in a question we sent
            return std::nullopt;
        }
        at += 1 + length;
        if (length == 0) {
            break;
        }
        if (at - 12 > 255) {
            return std::nullopt;
        }
    }
    if (at + 4 > wire.size()) {
        return std::nullopt;
    }
    h.question_wire = std::string(wire.substr(12, at - 12));
    h.question_type = get16(wire, at);
    h.question_class = get16(wire, at + 2);
    return h;
}

std::string mismatch(const Header& query, const Header& answer) {
    if (answer.id != query.id) {
        return "wrong ID";
    }
    if (!answer.is_response) {
        return "not a response";
    }
    // Some servers answer FORMERR/NOTIMP/REFUSED without echoing the question.
    if (answer.question_count == 0 && answer.rcode != rcode_noerror &&
        answer.rcode != rcode_nxdomain) {
        return {};
    }
    if (answer.question_count != 1 || answer.question_type != query.question_type ||
        answer.question_class != query.question_class ||
        !ascii_iequal_bytes(answer.question_wire, query.question_wire)) {
        return "answer to another question";
    }
    return {};
}

std::optional<Message> parse_message(std::string_view wire, std::string* error) {
    ldns_pkt* raw = nullptr;
    ldns_status status =
        ldns_wire2pkt(&raw, reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
    if (status != LDNS_STATUS_OK || raw == nullptr) {
        if (raw != nullptr) {
            ldns_pkt_free(raw);
        }
        *error = std::string("malformed answer (") + ldns_get_errorstr_by_id(status) + ")";
        return std::nullopt;
    }
    PacketPtr packet(raw);
    Message m;
    m.id = ldns_pkt_id(packet.get());
    m.rcode = ldns_pkt_get_rcode(packet.get());
    m.authoritative = ldns_pkt_aa(packet.get());
    m.truncated = ldns_pkt_tc(packet.get());
    const ldns_rr_list* question = ldns_pkt_question(packet.get());
    if (ldns_rr_list_rr_count(question) > 0) {
        const ldns_rr* q = ldns_rr_list_rr(question, 0);
        m.question = dname_text(ldns_rr_owner(q));
        m.question_type = static_cast<std::uint16_t>(ldns_rr_get_type(q));
    }
    convert_section(ldns_pkt_answer(packet.get()), m.answer);
    convert_section(ldns_pkt_authority(packet.get()), m.authority);
    return m;
}

CaaAnswer interpret_caa(std::string_view wire, const std::string& name, const std::string& server) {
    CaaAnswer result;
    std::string error;
    auto message = parse_message(wire, &error);
    if (!message) {
        result.answer = failure(error, server);
        return result;
    }
    const Message& m = *message;
    if (m.rcode != rcode_noerror && m.rcode != rcode_nxdomain) {
        result.answer = failure("the server answered " + rcode_name(m.rcode), server);
        return result;
    }
    climb::Answer& answer = result.answer;
    answer.server = server;

    // Follow the CNAME/DNAME chain inside the answer, as far as it goes.
    std::string current = dns_name::normalize(name);
    std::vector<std::string> aliases;
    for (std::size_t hop = 0; hop <= 2 * climb::max_alias_hops; ++hop) {
        bool have_caa = false;
        for (const auto& rr : m.answer) {
            if (rr.type == type_caa && rr.owner == current) {
                have_caa = true;
                std::string rdata_error;
                auto record = caa::from_rdata(rr.rdata, &rdata_error);
                if (!record) {
                    result.answer =
                        failure("a CAA record of " + text::escape_for_terminal(current) +
                                    " does not parse: " + rdata_error,
                                server);
                    return result;
                }
                answer.records.push_back(climb::SourcedRecord{*record, rr.ttl, {}});
            }
        }
        if (have_caa) {
            answer.kind = climb::AnswerKind::records;
            answer.aliases = aliases;
            return result;
        }
        std::string next;
        for (const auto& rr : m.answer) {
            if (rr.type == type_cname && rr.owner == current) {
                next = rr.target;
                break;
            }
        }
        if (next.empty()) {
            // DNAME (RFC 6672): redirects names strictly below its owner.
            for (const auto& rr : m.answer) {
                if (rr.type == type_dname && rr.owner != current &&
                    dns_name::is_at_or_below(current, rr.owner)) {
                    std::string prefix =
                        rr.owner.empty() ? current
                                         : current.substr(0, current.size() - rr.owner.size() - 1);
                    next = rr.target.empty() ? prefix : prefix + "." + rr.target;
                    break;
                }
            }
        }
        if (next.empty()) {
            break;
        }
        bool seen = next == dns_name::normalize(name);
        for (const auto& a : aliases) {
            seen = seen || a == next;
        }
        if (seen) {
            // A loop inside the answer: hand it to the climber, which reports it.
            answer.kind = climb::AnswerKind::alias;
            answer.target = next;
            answer.aliases = aliases;
            return result;
        }
        aliases.push_back(next);
        current = next;
    }

    if (m.rcode == rcode_nxdomain) {
        answer.kind = climb::AnswerKind::nxdomain;
        answer.aliases = aliases;
        return result;
    }
    if (aliases.empty()) {
        bool has_ns = false;
        bool has_soa = false;
        for (const auto& rr : m.authority) {
            has_ns = has_ns || rr.type == type_ns;
            has_soa = has_soa || rr.type == type_soa;
        }
        if (!m.authoritative && m.answer.empty() && has_ns && !has_soa) {
            result.referral = true;
            result.answer = failure("referral: the server is not authoritative for " +
                                        text::escape_for_terminal(current),
                                    server);
            return result;
        }
        answer.kind = climb::AnswerKind::empty;
        return result;
    }
    // The chain ended at an alias target without data: NODATA if the answer says so (an SOA
    // of the target's zone), else the server did not resolve the target (out of its zone).
    for (const auto& rr : m.authority) {
        if (rr.type == type_soa && dns_name::is_at_or_below(current, rr.owner)) {
            answer.kind = climb::AnswerKind::empty;
            answer.aliases = aliases;
            return result;
        }
    }
    answer.kind = climb::AnswerKind::alias;
    answer.target = current;
    aliases.pop_back();
    answer.aliases = aliases;
    return result;
}

} // namespace caapol::dns
