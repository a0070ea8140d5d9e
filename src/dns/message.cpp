#include "caapol/dns/message.hpp"

#include "caapol/caa/record.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace caapol::dns {

namespace {

// An uncompressed wire-form name (labels up to the root label) as caapol's normalized text:
// lower case, no trailing dot, "" for the root; bytes that are not letters, digits, '-', '_'
// or '*' as \DDD. Run for every owner and target of every answer.
void append_dname_text(const std::uint8_t* data, std::size_t size, std::string* out) {
    // Built in a local buffer, then copied once: at most 255 octets, each at most "\DDD".
    char text[255 * 4];
    std::size_t used = 0;
    std::size_t at = 0;
    while (at < size) {
        std::size_t length = data[at++];
        if (length == 0 || at + length > size || used + 1 + 4 * length > sizeof text) {
            break;
        }
        if (used != 0) {
            text[used++] = '.';
        }
        for (std::size_t i = 0; i < length; ++i) {
            unsigned char c = data[at + i];
            if (c >= 'A' && c <= 'Z') {
                text[used++] = static_cast<char>(c + 32);
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                       c == '*') {
                text[used++] = static_cast<char>(c);
            } else {
                text[used++] = '\\';
                text[used++] = static_cast<char>('0' + c / 100);
                text[used++] = static_cast<char>('0' + c / 10 % 10);
                text[used++] = static_cast<char>('0' + c % 10);
            }
        }
        at += length;
    }
    out->assign(text, used);
}

std::uint16_t get16(std::string_view w, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(w[at]) << 8) |
                                      static_cast<unsigned char>(w[at + 1]));
}

bool ascii_iequal_bytes(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a == b) {
        return true; // servers echo the question as asked, 0x20 case included: one memcmp
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

// Compression pointers followed in one name at most: a name of 255 octets has at most 127
// labels, and a pointer of a well-formed message leads to one; a longer chain only loops.
constexpr int max_name_pointers = 127;

// Reads the (possibly compressed) name at *at (RFC 1035 §4.1.4): labels of at most 63 octets,
// at most 255 octets in all, pointers into the message bounded in number (loops end there).
// On success *at is just past the name where it began (after its first pointer) and *out
// holds the normalized text. The name is decoded here, not by ldns_wire2dname, which
// allocated an rdf for every owner and target of every answer.
bool read_name(std::string_view wire, std::size_t* at, std::string* out) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(wire.data());
    const std::size_t size = wire.size();
    std::uint8_t name[255];
    std::size_t used = 0;
    std::size_t position = *at;
    std::size_t after = 0; // past the first pointer, once one is followed
    int pointers = 0;
    while (true) {
        if (position >= size) {
            return false;
        }
        std::size_t length = data[position];
        if ((length & 0xC0) == 0xC0) {
            if (position + 1 >= size || ++pointers > max_name_pointers) {
                return false;
            }
            std::size_t target = ((length & 0x3F) << 8) | data[position + 1];
            if (target >= size) {
                return false;
            }
            if (after == 0) {
                after = position + 2;
            }
            position = target;
            continue;
        }
        if (length > 63 || position + 1 + length > size || used + 1 + length > sizeof name) {
            return false; // also the 0x40 (extended, RFC 6891: deprecated) and 0x80 label types
        }
        name[used++] = static_cast<std::uint8_t>(length);
        if (length == 0) {
            break;
        }
        std::memcpy(name + used, data + position + 1, length);
        used += length;
        position += 1 + length;
    }
    append_dname_text(name, used, out);
    *at = after != 0 ? after : position + 1;
    return true;
}

// Skips a name inside rdata [at, end): labels up to the root label or a compression pointer.
bool skip_name(std::string_view wire, std::size_t* at, std::size_t end) {
    while (*at < end) {
        unsigned length = static_cast<unsigned char>(wire[*at]);
        if ((length & 0xc0) == 0xc0) {
            *at += 2;
            return *at <= end;
        }
        if (length > 63) {
            return false;
        }
        *at += 1 + length;
        if (length == 0) {
            return *at <= end;
        }
    }
    return false;
}

std::uint32_t get32(std::string_view w, std::size_t at) {
    return (static_cast<std::uint32_t>(get16(w, at)) << 16) | get16(w, at + 2);
}

// A new record at the end of `out`, its type and TTL set (either sink's record type).
template <class Record>
void start_record(std::vector<Record>& out, std::uint16_t type, std::uint32_t ttl) {
    Record& record = out.emplace_back();
    record.type = type;
    record.ttl = ttl;
}

// Where read_section puts the records it reads: ResourceRecords (parse_message), or the
// compact records of interpret_caa (CompactSink, below).
class RecordSink {
public:
    explicit RecordSink(std::vector<ResourceRecord>& out) : out_(out) {}
    void reserve(unsigned count) { out_.reserve(count); }
    void add(std::uint16_t type, std::uint32_t ttl) { start_record(out_, type, ttl); }
    bool owner(std::string_view wire, std::size_t position) {
        return read_name(wire, &position, &out_.back().owner);
    }
    // A name filling the rdata [position, end): CNAME, DNAME and NS targets.
    bool target(std::string_view wire, std::size_t position, std::size_t end) {
        return read_name(wire, &position, &out_.back().target) && position == end;
    }
    bool address(int family, const char* data) {
        char text[INET6_ADDRSTRLEN] = {};
        if (inet_ntop(family, data, text, sizeof text) == nullptr) {
            return false;
        }
        out_.back().target = text;
        return true;
    }
    void serial(std::uint32_t value) { out_.back().serial = value; }
    void rdata(std::string_view wire, std::size_t begin, std::size_t length) {
        out_.back().rdata.assign(wire.data() + begin, length);
    }

private:
    std::vector<ResourceRecord>& out_;
};

// One section's records. `keep` false: only checked for structure (the additional section).
template <class Sink>
bool read_section(std::string_view wire, std::size_t* at, unsigned count, bool keep, bool ns_names,
                  Sink& out, std::string* error) {
    if (keep) {
        out.reserve(count);
    }
    for (unsigned i = 0; i < count; ++i) {
        // Owners are decoded only where they are read: skipping a name costs no allocation.
        std::size_t owner_at = *at;
        if (!skip_name(wire, at, wire.size())) {
            *error = "malformed answer (a bad owner name)";
            return false;
        }
        if (*at + 10 > wire.size()) {
            *error = "malformed answer (a record runs past the end)";
            return false;
        }
        std::uint16_t type = get16(wire, *at);
        std::uint32_t ttl = get32(wire, *at + 4);
        std::size_t length = get16(wire, *at + 8);
        std::size_t begin = *at + 10;
        std::size_t end = begin + length;
        if (end > wire.size()) {
            *error = "malformed answer (a record runs past the end)";
            return false;
        }
        *at = end;
        if (!keep) {
            continue;
        }
        out.add(type, ttl);
        if ((type != type_ns || ns_names) && !out.owner(wire, owner_at)) {
            *error = "malformed answer (a bad owner name)";
            return false;
        }
        bool ok = true;
        switch (type) {
        case type_ns:
            if (!ns_names) {
                std::size_t position = begin;
                ok = skip_name(wire, &position, end) && position == end;
                break;
            }
            [[fallthrough]];
        case type_cname:
        case type_dname:
            ok = out.target(wire, begin, end);
            break;
        case type_a:
        case type_aaaa:
            ok = length == (type == type_a ? 4u : 16u) &&
                 out.address(type == type_a ? AF_INET : AF_INET6, wire.data() + begin);
            break;
        case type_soa: {
            std::size_t position = begin;
            ok = skip_name(wire, &position, end) && skip_name(wire, &position, end) &&
                 position + 20 == end;
            if (ok) {
                out.serial(get32(wire, position));
            }
            break;
        }
        default:
            // Types without names inside (CAA above all): the rdata as sent.
            out.rdata(wire, begin, length);
            break;
        }
        if (!ok) {
            *error = "malformed answer (bad " + type_name(type) + " rdata)";
            return false;
        }
    }
    return true;
}

// A whole message into the sinks: the header's length and the question checked (the
// question's type into *question_type), then the answer and authority sections read and the
// additional section checked for structure. Both parsers go through here, with the same
// checks and the same errors.
template <class Sink>
bool read_message(std::string_view wire, bool ns_names, Sink& answer, Sink& authority, Sink& unread,
                  std::uint16_t* question_type, std::string* error) {
    if (wire.size() < 12) {
        *error = "malformed answer (shorter than a DNS header)";
        return false;
    }
    unsigned counts[4] = {get16(wire, 4), get16(wire, 6), get16(wire, 8), get16(wire, 10)};
    std::size_t at = 12;
    for (unsigned i = 0; i < counts[0]; ++i) {
        // Only checked: the engine matched the question against the query already.
        if (!skip_name(wire, &at, wire.size()) || at + 4 > wire.size()) {
            *error = "malformed answer (a bad question)";
            return false;
        }
        if (i == 0) {
            *question_type = get16(wire, at);
        }
        at += 4;
    }
    return read_section(wire, &at, counts[1], true, ns_names, answer, error) &&
           read_section(wire, &at, counts[2], true, ns_names, authority, error) &&
           read_section(wire, &at, counts[3], false, ns_names, unread, error);
}

CaaAnswer failure(std::string reason, const std::string& server) {
    CaaAnswer a;
    a.kind = CaaKind::failure;
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

std::optional<std::string> build_query(std::uint16_t id, std::string_view name, std::uint16_t type,
                                       bool recursion_desired, std::string* error, bool dnssec) {
    std::string wire;
    if (!build_query_into(wire, id, name, type, recursion_desired, error, dnssec)) {
        return std::nullopt;
    }
    return wire;
}

bool build_query_into(std::string& wire, std::uint16_t id, std::string_view name,
                      std::uint16_t type, bool recursion_desired, std::string* error, bool dnssec) {
    // Written directly rather than through ldns_pkt2wire: its name-compression tree cost a
    // fifth of verify's CPU time, and a query holds a single name.
    auto invalid = [&](const char* why) {
        *error = "'" + text::escape_for_terminal(name) + "' is not a valid domain name: " + why;
        return false;
    };
    // Sized for the longest message this name can make (each octet of the name takes at least
    // one character, plus the first length octet and the root label), written by index, cut
    // to size at the end.
    wire.assign(12 + name.size() + 2 + 4 + 11, '\0');
    std::size_t used = 0;
    const unsigned char flags_high = recursion_desired ? 0x01 : 0x00; // RD
    const unsigned char header[12] = {
        static_cast<unsigned char>(id >> 8), static_cast<unsigned char>(id & 0xff), flags_high,
        // CD (RFC 4035 §3.2.2) towards resolvers
        static_cast<unsigned char>(dnssec && recursion_desired ? 0x10 : 0x00), 0,
        1,                 // QDCOUNT
        0, 0, 0, 0, 0, 1}; // ARCOUNT: the OPT record
    std::memcpy(wire.data(), header, sizeof header);
    used = sizeof header;
    // Labels from presentation form (names from DNS may carry \DDD or \X escapes), written
    // straight into the message after a length octet filled in at the label's end.
    std::size_t length_at = used;
    wire[used++] = '\0';
    auto end_label = [&]() -> bool {
        std::size_t length = used - length_at - 1;
        if (length == 0 || length > 63) {
            return false;
        }
        wire[length_at] = static_cast<char>(length);
        length_at = used;
        wire[used++] = '\0';
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
                wire[used++] = static_cast<char>(value);
                i += 3;
            } else if (i + 1 < name.size()) {
                wire[used++] = name[++i];
            } else {
                return invalid("dangling backslash");
            }
        } else {
            wire[used++] = c;
        }
    }
    // The open label: the root label when it is empty, else ended here.
    if (used > length_at + 1 && !end_label()) {
        return invalid("over-long label");
    }
    if (used - 12 > 255) {
        return invalid("longer than 255 octets");
    }
    const unsigned char tail[4 + 11] = {
        static_cast<unsigned char>(type >> 8), static_cast<unsigned char>(type & 0xff), 0, 1,
        // OPT: root owner, type 41, UDP payload size, extended RCODE/version/flags 0, no data
        0, 0, 41, static_cast<unsigned char>(edns_buffer_size >> 8),
        static_cast<unsigned char>(edns_buffer_size & 0xff), 0, 0,
        static_cast<unsigned char>(dnssec ? 0x80 : 0x00), // DO (RFC 3225)
        0, 0, 0};
    std::memcpy(wire.data() + used, tail, sizeof tail);
    wire.resize(used + sizeof tail);
    return true;
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
    h.question_wire = wire.substr(12, at - 12);
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

// Walked by hand over the whole message, checking its structure (every record inside the
// datagram, rdata of the types read well-formed), names decoded by read_name: ldns_wire2pkt
// made some 45 allocations per answer, the largest cost of verify after the kernel's.
std::optional<Message> parse_message(std::string_view wire, std::string* error, bool ns_names) {
    Message m;
    std::vector<ResourceRecord> additional;
    RecordSink answer(m.answer);
    RecordSink authority(m.authority);
    RecordSink unread(additional);
    if (!read_message(wire, ns_names, answer, authority, unread, &m.question_type, error)) {
        return std::nullopt;
    }
    m.id = get16(wire, 0);
    std::uint16_t flags = get16(wire, 2);
    m.rcode = flags & 0x000f;
    m.authoritative = (flags & 0x0400) != 0;
    m.truncated = (flags & 0x0200) != 0;
    return m;
}

namespace {

// A record of a CAA answer as interpret_caa reads it: its names decoded into the message's
// one buffer (as offsets: the buffer grows while the message is read), its rdata a view of
// the datagram. No allocation per record, and none per answer once the buffers have grown.
struct CompactRecord {
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::size_t owner_at = 0;
    std::size_t owner_size = 0;
    std::size_t target_at = 0;
    std::size_t target_size = 0;
    std::string_view rdata;
};

struct CompactMessage {
    unsigned rcode = 0;
    bool authoritative = false;
    std::vector<CompactRecord> answer;
    std::vector<CompactRecord> authority;
    std::string names;
    std::string name; // one name as read_name decodes it

    std::string_view owner(const CompactRecord& r) const {
        return std::string_view(names).substr(r.owner_at, r.owner_size);
    }
    std::string_view target(const CompactRecord& r) const {
        return std::string_view(names).substr(r.target_at, r.target_size);
    }
};

class CompactSink {
public:
    CompactSink(CompactMessage& message, std::vector<CompactRecord>& out)
        : message_(message), out_(out) {}
    void reserve(unsigned count) { out_.reserve(count); }
    void add(std::uint16_t type, std::uint32_t ttl) { start_record(out_, type, ttl); }
    bool owner(std::string_view wire, std::size_t position) {
        return read_name(wire, &position, &message_.name) &&
               keep_name(out_.back().owner_at, out_.back().owner_size);
    }
    bool target(std::string_view wire, std::size_t position, std::size_t end) {
        return read_name(wire, &position, &message_.name) && position == end &&
               keep_name(out_.back().target_at, out_.back().target_size);
    }
    bool address(int, const char*) { return true; } // the length checked is all: not read
    void serial(std::uint32_t) {}
    void rdata(std::string_view wire, std::size_t begin, std::size_t length) {
        out_.back().rdata = wire.substr(begin, length);
    }

private:
    // The name just decoded, appended to the message's buffer at `at`, `size` long.
    bool keep_name(std::size_t& at, std::size_t& size) {
        at = message_.names.size();
        size = message_.name.size();
        message_.names += message_.name;
        return true;
    }

    CompactMessage& message_;
    std::vector<CompactRecord>& out_;
};

// parse_message(wire, error, false) into `m`, its buffers reused.
bool parse_compact(std::string_view wire, CompactMessage& m, std::string* error) {
    m.answer.clear();
    m.authority.clear();
    m.names.clear();
    std::vector<CompactRecord> additional; // never filled: the section is only checked
    CompactSink answer(m, m.answer);
    CompactSink authority(m, m.authority);
    CompactSink unread(m, additional);
    std::uint16_t question_type = 0;
    if (!read_message(wire, false, answer, authority, unread, &question_type, error)) {
        return false;
    }
    std::uint16_t flags = get16(wire, 2);
    m.rcode = flags & 0x000f;
    m.authoritative = (flags & 0x0400) != 0;
    return true;
}

} // namespace

CaaAnswer interpret_caa(std::string_view wire, const std::string& name, const std::string& server) {
    CaaAnswer result;
    std::string error;
    // One per thread (verify runs a thread per slice), kept between answers: its vectors and
    // name buffer reach their size within the first few answers and are reused after.
    thread_local CompactMessage message;
    if (!parse_compact(wire, message, &error)) {
        result = failure(error, server);
        return result;
    }
    const CompactMessage& m = message;
    if (m.rcode != rcode_noerror && m.rcode != rcode_nxdomain) {
        result = failure("the server answered " + rcode_name(m.rcode), server);
        return result;
    }
    CaaAnswer& answer = result;
    answer.server = server;

    // Follow the CNAME/DNAME chain inside the answer, as far as it goes.
    std::string normalized;
    std::string_view original = name;
    if (!dns_name::is_normalized(name)) {
        normalized = dns_name::normalize(name);
        original = normalized;
    }
    std::string_view current = original; // views `original` or the last of `aliases`
    std::vector<std::string> aliases;
    for (std::size_t hop = 0; hop <= max_aliases_in_answer; ++hop) {
        bool have_caa = false;
        for (const auto& rr : m.answer) {
            if (rr.type == type_caa && m.owner(rr) == current) {
                have_caa = true;
                std::string rdata_error;
                auto record = caa::from_rdata(rr.rdata, &rdata_error);
                if (!record) {
                    result = failure("a CAA record of " + text::escape_for_terminal(current) +
                                         " does not parse: " + rdata_error,
                                     server);
                    return result;
                }
                answer.records.push_back(CaaRecord{*record, rr.ttl});
            }
        }
        if (have_caa) {
            answer.kind = CaaKind::records;
            answer.aliases = std::move(aliases);
            return result;
        }
        std::string next;
        for (const auto& rr : m.answer) {
            if (rr.type == type_cname && m.owner(rr) == current) {
                next = m.target(rr);
                break;
            }
        }
        if (next.empty()) {
            // DNAME (RFC 6672): redirects names strictly below its owner.
            for (const auto& rr : m.answer) {
                const std::string_view owner = m.owner(rr);
                if (rr.type == type_dname && owner != current &&
                    dns_name::is_at_or_below(current, owner)) {
                    std::string prefix(owner.empty()
                                           ? current
                                           : current.substr(0, current.size() - owner.size() - 1));
                    const std::string_view target = m.target(rr);
                    next = target.empty() ? prefix : prefix + "." + std::string(target);
                    break;
                }
            }
        }
        if (next.empty()) {
            break;
        }
        bool seen = next == original;
        for (const auto& a : aliases) {
            seen = seen || a == next;
        }
        if (seen) {
            // A loop inside the answer: hand it to the climber, which reports it.
            answer.kind = CaaKind::alias;
            answer.target = next;
            answer.aliases = std::move(aliases);
            return result;
        }
        aliases.push_back(std::move(next));
        current = aliases.back();
    }

    if (m.rcode == rcode_nxdomain) {
        answer.kind = CaaKind::nxdomain;
        answer.aliases = std::move(aliases);
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
            result = failure("referral: the server is not authoritative for " +
                                 text::escape_for_terminal(current),
                             server);
            result.referral = true;
            return result;
        }
        answer.kind = CaaKind::empty;
        return result;
    }
    // The chain ended at an alias target without data: NODATA if the answer says so (an SOA
    // of the target's zone), else the server did not resolve the target (out of its zone).
    for (const auto& rr : m.authority) {
        if (rr.type == type_soa && dns_name::is_at_or_below(current, m.owner(rr))) {
            answer.kind = CaaKind::empty;
            answer.aliases = std::move(aliases);
            return result;
        }
    }
    answer.kind = CaaKind::alias;
    answer.target = std::string(current);
    aliases.pop_back();
    answer.aliases = std::move(aliases);
    return result;
}

} // namespace caapol::dns
