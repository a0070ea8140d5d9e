// A small strict JSON reader (RFC 8259) that keeps the line and column of every value, so that
// a problem in an input file can be named where it is. Depth and size are bounded by the
// caller's file limit and max_depth; nothing here throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caapol::json {

inline constexpr std::size_t max_depth = 64;

enum class Kind { null, boolean, number, string, array, object };

struct Member;

struct Value {
    Kind kind = Kind::null;
    bool boolean = false;
    std::optional<std::int64_t> integer; // numbers without fraction or exponent that fit
    std::string string;                  // kind == string: decoded UTF-8
    std::vector<Value> items;            // kind == array
    // kind == object, in file order. (A struct of its own rather than std::pair: a pair of an
    // incomplete Value cannot be named inside Value with clang and libstdc++.)
    std::vector<Member> members;
    std::uint32_t line = 0; // 1-based, where the value starts
    std::uint32_t column = 0;

    // The first member named `key`, or nullptr.
    const Value* get(std::string_view key) const;
};

struct Member {
    std::string first;
    Value second;
};

const char* kind_name(Kind kind); // "a string", "an object", ...

struct Error {
    std::string message;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

// Parses one JSON text (UTF-8, no trailing data). On failure returns nullopt and fills *error.
std::optional<Value> parse(std::string_view text, Error* error);

} // namespace caapol::json
