// Internal to src/policy/.
#pragma once

#include <string>
#include <string_view>

namespace caapol::policy {

// A string whose byte order is RFC 4034 §6.1 canonical order, for a normalized host name.
std::string canonical_sort_key(std::string_view normalized_name);
// The same key appended to `out` (no string of its own: sorting a million names).
void append_canonical_sort_key(std::string& out, std::string_view normalized_name);

} // namespace caapol::policy
