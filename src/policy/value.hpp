// Internal to src/policy/: the TOML values the policy loader validates, each with its line and
// column. Both readers produce them: fast_reader.cpp (the policy subset, streamed) and toml++
// (everything else, converted), so that validation is written once.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace caapol::policy::toml_value {

struct Position {
    std::uint32_t line = 0;   // 1-based
    std::uint32_t column = 0; // 1-based, in code points (as toml++ counts)
};

inline bool before(const Position& a, const Position& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
}

enum class Kind : std::uint8_t {
    none,
    table,
    array,
    string,
    integer,
    floating_point,
    boolean,
    date,
    time,
    date_time
};

struct Key {
    std::string name;
    Position position;

    const std::string& str() const { return name; }
    const Position& source() const { return position; }
};

struct Entry;

// One value. Only the members of its kind are meaningful; dates, times and floats carry no
// value (the policy format has none, they are only named in messages).
struct Node {
    Kind kind = Kind::none;
    Position position;
    bool boolean = false;
    std::int64_t integer = 0;
    std::string string;
    std::vector<Node> items;    // array
    std::vector<Entry> entries; // table: sorted by key name, as toml++ iterates

    const Position& source() const { return position; }
    bool is_table() const { return kind == Kind::table; }
    bool is_string() const { return kind == Kind::string; }
    const Node* as_table() const { return kind == Kind::table ? this : nullptr; }
    const Node* as_array() const { return kind == Kind::array ? this : nullptr; }
    const Node* as_string() const { return kind == Kind::string ? this : nullptr; }
    const Node* as_integer() const { return kind == Kind::integer ? this : nullptr; }
    const Node* as_boolean() const { return kind == Kind::boolean ? this : nullptr; }
};

struct Entry {
    Key key;
    Node value;
};

} // namespace caapol::policy::toml_value
