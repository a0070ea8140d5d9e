// The fast reader of the policy subset of TOML (fast_reader.hpp). It gives up at the first
// thing it does not know; the differential test (tests/unit/test_policy_fast_reader.cpp)
// holds it to toml++'s values and positions wherever it does not.
#include "fast_reader.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace caapol::policy {

namespace {

using toml_value::Entry;
using toml_value::Key;
using toml_value::Kind;
using toml_value::Node;
using toml_value::Position;

[[noreturn]] void decline() {
    throw FastReaderDeclined{};
}

bool is_bare_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

// Characters a string, key or comment of the subset may hold: tab and printable ASCII.
bool is_plain_char(char c) {
    return c == '\t' || (c >= 0x20 && c <= 0x7e);
}

// Sorted by key name (as toml++ iterates a table); a repeated key is toml++'s error to report.
void sort_entries(std::vector<Entry>& entries) {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.key.name < b.key.name; });
    for (std::size_t i = 1; i < entries.size(); ++i) {
        if (entries[i - 1].key.name == entries[i].key.name) {
            decline();
        }
    }
}

class SubsetReader {
public:
    SubsetReader(std::string_view text, FastReaderHandler& handler)
        : text_(text), handler_(handler) {}

    void read() {
        enum class Table { top, defaults, domain } current = Table::top;
        bool defaults_seen = false;
        bool domain_seen = false;
        Key domain_key;
        Node table;
        table.kind = Kind::table;
        auto flush = [&] {
            sort_entries(table.entries);
            if (current == Table::top) {
                hand_over_top_level();
            } else if (current == Table::defaults) {
                handler_.defaults(table);
            } else if (current == Table::domain) {
                handler_.domain(domain_key, table);
            }
            table.entries.clear();
        };
        while (true) {
            skip_blank_lines();
            if (at_end()) {
                break;
            }
            if (peek() == '[') {
                Position header = here();
                advance();
                if (peek() == '[') {
                    decline(); // an array of tables
                }
                std::vector<Key> path = read_header_path();
                end_of_line();
                flush();
                if (path.size() == 1 && path[0].name == "defaults") {
                    if (defaults_seen || domain_seen) {
                        decline(); // toml++ applies [defaults] wherever it is, or refuses it
                    }
                    defaults_seen = true;
                    current = Table::defaults;
                    table.position = header;
                } else if (path.size() == 2 && path[0].name == "domain") {
                    domain_seen = true;
                    current = Table::domain;
                    domain_key = std::move(path[1]);
                    table.position = header;
                } else {
                    decline();
                }
                continue;
            }
            Key key = read_key();
            skip_spaces();
            if (peek() != '=') {
                decline(); // a dotted key, or a syntax error
            }
            advance();
            skip_spaces();
            Node value = read_value();
            end_of_line();
            if (current == Table::top) {
                if (key.name == "defaults" || key.name == "domain") {
                    decline();
                }
                top_level_.push_back(Entry{std::move(key), std::move(value)});
            } else {
                table.entries.push_back(Entry{std::move(key), std::move(value)});
            }
        }
        flush();
        handler_.end();
    }

private:
    // Top-level keys are handed over when the first table starts (sorted, as toml++ would).
    void hand_over_top_level() {
        sort_entries(top_level_);
        for (const auto& entry : top_level_) {
            handler_.top_level(entry.key, entry.value);
        }
        top_level_.clear();
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }
    char peek_at(std::size_t offset) const {
        return pos_ + offset < text_.size() ? text_[pos_ + offset] : '\0';
    }
    void advance() { ++pos_; }
    Position here() const {
        return Position{line_, static_cast<std::uint32_t>(pos_ - line_start_ + 1)};
    }

    void skip_spaces() {
        while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }
    void skip_comment() {
        if (peek() != '#') {
            return;
        }
        ++pos_;
        while (!at_end() && text_[pos_] != '\n' && text_[pos_] != '\r') {
            if (!is_plain_char(text_[pos_])) {
                decline();
            }
            ++pos_;
        }
    }
    // A line end (LF or CRLF); false when there is none here.
    bool newline() {
        if (peek() == '\n') {
            ++pos_;
        } else if (peek() == '\r' && peek_at(1) == '\n') {
            pos_ += 2;
        } else {
            return false;
        }
        ++line_;
        line_start_ = pos_;
        if (line_ == 0) {
            decline(); // more lines than a position can count
        }
        return true;
    }
    void skip_blank_lines() {
        while (true) {
            skip_spaces();
            skip_comment();
            if (!newline()) {
                return;
            }
        }
    }
    // Spaces, comments and line ends, as arrays allow between their items.
    void skip_array_space() { skip_blank_lines(); }
    // After a header or a key/value: spaces, a comment, then the end of the line or file.
    void end_of_line() {
        skip_spaces();
        skip_comment();
        if (!at_end() && !newline()) {
            decline();
        }
    }

    Key read_key() {
        Key key;
        key.position = here();
        char c = peek();
        if (c == '"' || c == '\'') {
            key.name = read_quoted(c);
        } else {
            std::size_t start = pos_;
            while (!at_end() && is_bare_key_char(text_[pos_])) {
                ++pos_;
            }
            key.name.assign(text_.substr(start, pos_ - start));
        }
        if (key.name.empty()) {
            decline(); // "" as a key, or no key at all
        }
        return key;
    }

    std::vector<Key> read_header_path() {
        std::vector<Key> path;
        while (true) {
            skip_spaces();
            path.push_back(read_key());
            skip_spaces();
            if (peek() == '.') {
                advance();
                continue;
            }
            if (peek() != ']') {
                decline();
            }
            advance();
            return path;
        }
    }

    // A one-line quoted string (basic without escapes, or literal), opened by `quote`.
    std::string read_quoted(char quote) {
        if (peek_at(1) == quote && peek_at(2) == quote) {
            decline(); // a multi-line string
        }
        advance();
        std::size_t start = pos_;
        while (true) {
            if (at_end()) {
                decline();
            }
            char c = text_[pos_];
            if (c == quote) {
                break;
            }
            if (!is_plain_char(c) || (quote == '"' && c == '\\')) {
                decline(); // escapes, control characters, non-ASCII: toml++'s to read
            }
            ++pos_;
        }
        std::string out(text_.substr(start, pos_ - start));
        advance();
        return out;
    }

    // A value ends at a space, a comma, a closing bracket, a comment or the end of the line.
    bool at_value_end() const {
        char c = peek();
        return c == '\0' || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '}' || c == '#' ||
               c == '\n' || c == '\r';
    }

    Node read_value() {
        Node node;
        node.position = here();
        char c = peek();
        if (c == '"' || c == '\'') {
            node.kind = Kind::string;
            node.string = read_quoted(c);
        } else if (c == '[') {
            read_array(node);
        } else if (c == '{') {
            read_inline_table(node);
        } else if (text_.substr(pos_, 4) == "true") {
            pos_ += 4;
            node.kind = Kind::boolean;
            node.boolean = true;
        } else if (text_.substr(pos_, 5) == "false") {
            pos_ += 5;
            node.kind = Kind::boolean;
            node.boolean = false;
        } else if ((c >= '0' && c <= '9') || c == '-') {
            read_integer(node);
        } else {
            decline();
        }
        if (!at_value_end()) {
            decline(); // e.g. a float, a date, "trueish"
        }
        return node;
    }

    void read_integer(Node& node) {
        bool negative = peek() == '-';
        if (negative) {
            advance();
        }
        std::size_t start = pos_;
        while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            ++pos_;
        }
        std::size_t digits = pos_ - start;
        // No leading zeros, underscores, signs other than '-', or values near the limits.
        if (digits == 0 || digits > 18 || (digits > 1 && text_[start] == '0')) {
            decline();
        }
        std::int64_t value = 0;
        for (std::size_t i = start; i < pos_; ++i) {
            value = value * 10 + (text_[i] - '0');
        }
        node.kind = Kind::integer;
        node.integer = negative ? -value : value;
    }

    // Arrays and inline tables within each other: a bound of our own, so that this reader
    // needs no pre-scan (find_excessive_nesting runs before toml++ reads what we decline).
    void enter() {
        if (++depth_ > max_depth) {
            decline();
        }
    }

    void read_array(Node& node) {
        enter();
        node.kind = Kind::array;
        advance(); // [
        while (true) {
            skip_array_space();
            if (peek() == ']') {
                advance();
                --depth_;
                return;
            }
            node.items.push_back(read_value());
            skip_array_space();
            if (peek() == ',') {
                advance();
                continue;
            }
            if (peek() != ']') {
                decline();
            }
            advance();
            --depth_;
            return;
        }
    }

    // TOML 1.1 (as toml++ is built here, and as the policy format's examples write them):
    // line ends, comments and a trailing comma inside; no dotted keys.
    void read_inline_table(Node& node) {
        enter();
        node.kind = Kind::table;
        advance(); // {
        while (true) {
            skip_array_space();
            if (peek() == '}') {
                advance();
                break;
            }
            Key key = read_key();
            skip_spaces();
            if (peek() != '=') {
                decline();
            }
            advance();
            skip_spaces();
            Node value = read_value();
            node.entries.push_back(Entry{std::move(key), std::move(value)});
            skip_array_space();
            if (peek() == ',') {
                advance();
                continue;
            }
            if (peek() != '}') {
                decline();
            }
            advance();
            break;
        }
        sort_entries(node.entries);
        --depth_;
    }

    // Far below max_nesting (64, which also counts the two levels of [domain."..."]).
    static constexpr std::size_t max_depth = 32;

    std::string_view text_;
    FastReaderHandler& handler_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::size_t line_start_ = 0;
    std::vector<Entry> top_level_;
    std::size_t depth_ = 0;
};

} // namespace

void read_fast(std::string_view text, FastReaderHandler& handler) {
    SubsetReader(text, handler).read();
}

} // namespace caapol::policy
