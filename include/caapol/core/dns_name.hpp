// Domain names as caapol handles them internally: lower-case ASCII, no trailing dot, "" for
// the root. Presentation escapes (\DDD) are not used in names caapol accepts.
#pragma once

#include <string>
#include <string_view>

namespace caapol::dns_name {

// Lower-cases and strips one trailing dot ("Example.COM." -> "example.com", "." -> "").
std::string normalize(std::string_view name);
// Whether normalize(name) == name (no copy needed).
bool is_normalized(std::string_view name);

// "a.b.c" -> "b.c"; "c" -> "" (the root); "" -> "".
std::string parent(std::string_view name);

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
