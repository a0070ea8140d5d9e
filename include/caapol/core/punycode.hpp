// Punycode (RFC 3492) and A-labels (RFC 5890 "xn--" labels), to suggest the form DNS needs for
// a name written in Unicode.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace caapol::punycode {

// The Punycode encoding of the code points of `utf8` (without "xn--"); nullopt when `utf8`
// is not valid UTF-8 or the result would overflow.
std::optional<std::string> encode(std::string_view utf8);

// `name` with every label that holds non-ASCII characters replaced by "xn--" + Punycode, ASCII
// letters lower-cased. No IDNA2008 mapping or validity check (NFC, case folding of non-ASCII
// letters, disallowed code points): a suggestion for a message, which tools such as idn2
// confirm. nullopt when a label is not valid UTF-8.
std::optional<std::string> to_ascii(std::string_view name);

} // namespace caapol::punycode
