// A pre-scan of TOML text bounding how deeply it nests (tables, dotted keys, arrays, inline
// tables) before toml++ sees it: toml++ walks the finished tree recursively, so a hostile
// file of 100,000 dotted key parts would overflow the stack inside the parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace caapol::policy {

inline constexpr std::size_t max_nesting = 64;

struct NestingProblem {
    std::uint32_t line = 0;   // 1-based
    std::uint32_t column = 0; // 1-based, in bytes
};

// Where the text first nests deeper than `limit` levels, or nullopt. Models TOML closely
// enough for every document toml++ accepts (strings and comments are skipped, dots are counted
// only in keys); on malformed text it may be inexact, but then toml++ reports the syntax error.
std::optional<NestingProblem> find_excessive_nesting(std::string_view text,
                                                     std::size_t limit = max_nesting);

} // namespace caapol::policy
