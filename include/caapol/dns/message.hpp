// DNS messages: building queries and reading answers (the wire format read and written by
// hand, names with their compression pointers bounded), and what a CAA answer says
// (CaaAnswer, dns/'s own type: climb/ depends on dns/, never the reverse).
#pragma once

#include "caapol/caa/record.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::dns {

inline constexpr std::uint16_t type_a = 1;
inline constexpr std::uint16_t type_ns = 2;
inline constexpr std::uint16_t type_cname = 5;
inline constexpr std::uint16_t type_soa = 6;
inline constexpr std::uint16_t type_aaaa = 28;
inline constexpr std::uint16_t type_dname = 39;
inline constexpr std::uint16_t type_caa = 257;
inline constexpr std::uint16_t edns_buffer_size = 1232;

enum Rcode : std::uint8_t {
    rcode_noerror = 0,
    rcode_formerr = 1,
    rcode_servfail = 2,
    rcode_nxdomain = 3,
    rcode_notimp = 4,
    rcode_refused = 5,
};
std::string rcode_name(unsigned rcode);
std::string type_name(std::uint16_t type);

// A query in wire form (EDNS0 with a 1232-byte buffer). `dnssec`: the DO bit, and CD when
// recursion is desired (a validating resolver then hands bogus data over to be diagnosed).
// Returns nullopt when `name` is not a valid domain name (*error says why).
std::optional<std::string> build_query(std::uint16_t id, std::string_view name, std::uint16_t type,
                                       bool recursion_desired, std::string* error,
                                       bool dnssec = false);
// The same, written into `wire` (its earlier contents replaced, its capacity kept: the engine
// reuses one buffer per query slot). Returns false when `name` is not a valid domain name.
bool build_query_into(std::string& wire, std::uint16_t id, std::string_view name,
                      std::uint16_t type, bool recursion_desired, std::string* error,
                      bool dnssec = false);

// The header and question of a message, read without trusting the rest: enough to match an
// answer to its query.
struct Header {
    std::uint16_t id = 0;
    bool is_response = false;
    bool truncated = false;
    unsigned rcode = 0;
    unsigned question_count = 0;
    // The question's name in wire form, as sent (case kept): a view into the parsed message.
    std::string_view question_wire;
    std::uint16_t question_type = 0;
    std::uint16_t question_class = 0;
};
std::optional<Header> read_header(std::string_view wire);

// Whether `answer` answers `query` (same ID, a response, same question; names compared
// ignoring ASCII case). Returns "" when it does, else why not.
std::string mismatch(const Header& query, const Header& answer);

struct ResourceRecord {
    std::string owner; // normalized
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::string rdata;        // uncompressed wire form
    std::string target;       // CNAME, DNAME, NS: the name (normalized); A, AAAA: the address
    std::uint32_t serial = 0; // SOA
};

struct Message {
    std::uint16_t id = 0;
    unsigned rcode = 0;
    bool authoritative = false;
    bool truncated = false;
    std::uint16_t question_type = 0;
    std::vector<ResourceRecord> answer;
    std::vector<ResourceRecord> authority;
};

// Parses a whole message. nullopt (and *error) when it is malformed. `ns_names` false: NS
// records keep an empty owner and target (their names are checked, not decoded): a CAA
// answer only needs to know they are there.
std::optional<Message> parse_message(std::string_view wire, std::string* error,
                                     bool ns_names = true);

// What a CAA answer for `name` says, RFC 8659 §3 style: the CAA RRset at the end of the
// CNAME/DNAME chain inside the answer (records, with the aliases followed); an unresolved
// chain (alias); NODATA (empty); NXDOMAIN; or a failure (SERVFAIL, REFUSED, FORMERR, NOTIMP,
// malformed packet or CAA rdata). `server` is copied into the answer.
enum class CaaKind {
    records,  // the CAA RRset at the (possibly aliased) name
    empty,    // NOERROR/NODATA
    nxdomain, // the name does not exist
    alias,    // the chain inside the answer ends at `target`, which has to be asked next
    failure,  // SERVFAIL, REFUSED, FORMERR, NOTIMP, malformed message or CAA rdata, referral
};
struct CaaRecord {
    caa::Record record;
    std::uint32_t ttl = 0;
};
// Aliases followed inside one answer at most; a longer chain is handed on as `alias`, so the
// climber's own hop limit decides.
inline constexpr std::size_t max_aliases_in_answer = 32;
struct CaaAnswer {
    CaaKind kind = CaaKind::failure;
    std::vector<CaaRecord> records;   // kind == records
    std::string target;               // kind == alias: the next name to ask (normalized)
    std::vector<std::string> aliases; // the alias chain followed inside this answer
    std::string reason;               // kind == failure: why
    std::string server;               // who answered
    // A referral (authoritative query answered with a delegation, no data, no AA): the name
    // lies in a zone this server does not serve.
    bool referral = false;
};
CaaAnswer interpret_caa(std::string_view wire, const std::string& name, const std::string& server);

} // namespace caapol::dns
