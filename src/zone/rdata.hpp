// Internal to src/zone/: presentation-format fields of zone files (names, numbers, TTLs,
// character strings) and per-type RDATA checks.
#pragma once

#include "caapol/caa/record.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::zone::detail {

// One field of a record as written: escapes kept, surrounding quotes removed.
struct Token {
    std::string text;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    bool quoted = false;
    bool joined = false; // written right after the previous field (alpn="h2,h3")
};

// Parses a domain name field (escapes, "@", relative names completed with `origin`, which is
// normalized). On success stores the normalized name in `out` and returns ""; otherwise
// returns what is wrong.
std::string parse_name(std::string_view raw, std::string_view origin, std::string& out);

// Decodes a <character-string> (\X and \DDD escapes). Returns "" or what is wrong.
std::string decode_text(std::string_view raw, std::string& out);

// A TTL: seconds, or BIND units (1w2d3h4m5s). Returns "" or what is wrong.
std::string parse_ttl(std::string_view raw, std::uint32_t& out);

bool is_class(std::string_view token);

// Type numbers of the mnemonic (case-insensitive) or TYPEnnn; 0 when unknown.
std::uint16_t type_from_name(std::string_view token);

inline constexpr std::uint16_t type_a = 1, type_ns = 2, type_cname = 5, type_soa = 6, type_ptr = 12,
                               type_mx = 15, type_txt = 16, type_aaaa = 28, type_srv = 33,
                               type_dname = 39, type_rrsig = 46, type_nsec = 47, type_spf = 99,
                               type_caa = 257;

// What a record's RDATA holds that the loader keeps.
struct Rdata {
    caa::Record caa;      // type CAA
    std::string target;   // CNAME, DNAME, NS: the normalized target name
    bool generic = false; // written in RFC 3597 form (\# LENGTH HEX)
};

struct RdataError {
    std::size_t token = 0; // index into the RDATA tokens of the offending field
    std::string message;   // empty: no error
};

// Checks the RDATA fields of one record of `type` and extracts what the loader keeps.
// `text_type` and `owner` are used only for the generic (ldns) check of rarer types.
RdataError check_rdata(std::uint16_t type, std::string_view text_type, const std::string& owner,
                       std::uint32_t ttl, const Token* tokens, std::size_t count,
                       const std::string& origin, Rdata& out);

} // namespace caapol::zone::detail
