// Small text helpers shared by every module: case folding, escaping for each place text goes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::text {

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool is_lower(std::string_view s);         // no ASCII upper-case letters
std::string_view trim(std::string_view s); // spaces and tabs
std::vector<std::string_view> split(std::string_view s, char separator);
bool starts_with_icase(std::string_view s, std::string_view prefix);

// Printable ASCII stays; '\\' becomes "\\\\"; every other byte (controls, DEL, non-ASCII)
// becomes "\\xNN". Nothing reaching a terminal can move the cursor or change colours.
std::string escape_for_terminal(std::string_view s);

// Like escape_for_terminal, but leaves '\\' alone: for text that may already hold escapes
// (messages built from escaped parts), as the last guard before a terminal.
std::string escape_unprintable(std::string_view s);

// `s` in double quotes for a message, cut after `limit` bytes with "..." and the full size, so
// that a huge value never floods a terminal. Not escaped: diagnostics escape when rendered.
std::string quote_excerpt(std::string_view s, std::size_t limit = 200);

// RFC 1035 §5.1 <character-string> in double quotes: '"' and '\\' escaped with a backslash,
// bytes outside printable ASCII as \DDD. Safe on one zone-file line.
std::string quote_zone_string(std::string_view s);

// JSON string literal including the quotes (RFC 8259); invalid UTF-8 bytes become U+FFFD.
// For valid UTF-8 it is also a TOML basic string (same escapes, controls and DEL as \uXXXX).
std::string json_string(std::string_view s);

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_utf8(std::string_view s);

// Lower-case hexadecimal of bytes.
std::string to_hex(std::string_view bytes);

// Levenshtein distance (ASCII case-insensitive).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

} // namespace caapol::text
