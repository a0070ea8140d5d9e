// Domain names as caapol handles them internally: lower-case ASCII, no trailing dot, "" for
// the root. Names read from zone files and DNS keep other octets as presentation escapes
// (\DDD, \X); lengths are always counted in wire octets, never in escaped text. This is the
// one name vocabulary of caapol: every module asks these functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace caapol::dns_name {

// Lower-cases and strips one trailing dot ("Example.COM." -> "example.com", "." -> "").
std::string normalize(std::string_view name);
// normalize(name) into `out`, replacing what it held (its capacity reused).
void normalize_into(std::string& out, std::string_view name);
// Whether normalize(name) == name (no copy needed).
bool is_normalized(std::string_view name);

// "a.b.c" -> "b.c"; "c" -> "" (the root); "" -> "". An escaped dot ("a\.b.c") is no label end.
std::string parent(std::string_view name);

// Where the first label of `name` ends: the index of its unescaped dot, or name.size().
std::size_t first_label_end(std::string_view name);

// "*.x" -> "x" (RFC 8659 section 3: a wildcard name's search starts at its parent); other
// names unchanged.
std::string_view strip_wildcard(std::string_view name);

// The length of the name in wire form (RFC 1035 section 3.1: label octets, length octets and
// the root's zero octet), decoding presentation escapes: "a\032b" is 5 octets, not 8.
std::size_t wire_length(std::string_view name);
inline constexpr std::size_t max_wire_length = 255;

// DNAME substitution (RFC 6672 section 2.2): `name` at or below `owner` becomes the labels left
// of `owner` followed by `target`. Empty optional when the result would be longer than 255 wire
// octets (the server answers YXDOMAIN).
std::optional<std::string> substitute_dname(std::string_view name, std::string_view owner,
                                            std::string_view target);

// Which names a command accepts.
enum class Profile {
    hostname, // policy domains, --ca: host-name syntax (check_hostname)
    lookup,   // names to look up (verify --names, explain NAME): host names plus '_' labels,
              // optionally "*." in front (a wildcard certificate name)
};
// "" when `name` (presentation form, trailing dot allowed) fits the profile, else why not.
std::string check_name(std::string_view name, Profile profile);

// True when `name` equals `ancestor` or lies below it (both normalized; "" is the root).
bool is_at_or_below(std::string_view name, std::string_view ancestor);

std::size_t label_count(std::string_view name);

// RFC 4034 §6.1 canonical order: compare label by label from the rightmost, case-insensitive.
// Returns <0, 0, >0.
int canonical_compare(std::string_view a, std::string_view b);

// A string whose byte order is canonical order, for normalized names: sorting many names by
// precomputed keys costs one string comparison each.
std::string canonical_sort_key(std::string_view normalized_name);

// Syntax of a host name in presentation form (trailing dot allowed): labels of 1-63 letters,
// digits and hyphens, not starting or ending with '-', total at most 253 characters.
// Returns an empty string when valid, else a sentence saying what is wrong.
std::string check_hostname(std::string_view name);

// The name with a trailing dot, for output in zone-file form ("" -> ".").
std::string absolute(std::string_view name);

} // namespace caapol::dns_name
