#include "nesting.hpp"

#include <vector>

namespace caapol::policy {

namespace {

class Scanner {
public:
    Scanner(std::string_view text, std::size_t limit) : text_(text), limit_(limit) {}

    std::optional<NestingProblem> run() {
        while (!at_end() && !problem_) {
            top_level_line();
        }
        return problem_;
    }

private:
    struct Frame {
        bool is_inline_table;
        std::size_t depth;
    };

    bool at_end() const { return pos_ >= text_.size(); }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    void advance() {
        if (text_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++pos_;
    }
    void check(std::size_t depth) {
        if (depth > limit_ && !problem_) {
            problem_ = NestingProblem{line_, column_};
        }
    }
    void skip_blanks() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r')) {
            advance();
        }
    }
    void skip_comment() {
        while (!at_end() && peek() != '\n') {
            advance();
        }
    }
    bool starts_with(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

    // At an opening quote: skips the whole string (basic, literal, or their multi-line forms).
    void skip_string() {
        char quote = peek();
        bool basic = quote == '"';
        std::string_view triple = basic ? "\"\"\"" : "'''";
        if (starts_with(triple)) {
            for (int i = 0; i < 3; ++i) {
                advance();
            }
            while (!at_end()) {
                if (basic && peek() == '\\') {
                    advance();
                    if (!at_end()) {
                        advance();
                    }
                    continue;
                }
                if (starts_with(triple)) {
                    for (int i = 0; i < 3; ++i) {
                        advance();
                    }
                    // Up to two more quotes may close the content ("""a"""").
                    for (int i = 0; i < 2 && peek() == quote; ++i) {
                        advance();
                    }
                    return;
                }
                advance();
            }
            return;
        }
        advance();
        while (!at_end() && peek() != '\n') {
            if (basic && peek() == '\\') {
                advance();
                if (!at_end() && peek() != '\n') {
                    advance();
                }
                continue;
            }
            if (peek() == quote) {
                advance();
                return;
            }
            advance();
        }
    }

    // A (possibly dotted) key up to '=' or `terminator`; returns the number of its parts.
    std::size_t key(char terminator) {
        std::size_t parts = 1;
        while (!at_end() && !problem_) {
            char c = peek();
            if (c == '=' || c == terminator || c == '\n' || c == '#') {
                return parts;
            }
            if (c == '"' || c == '\'') {
                skip_string();
                continue;
            }
            if (c == '.') {
                ++parts;
                check(parts);
            }
            advance();
        }
        return parts;
    }

    // One line at the top level: blank, comment, [table] header or key = value.
    void top_level_line() {
        skip_blanks();
        if (at_end()) {
            return;
        }
        char c = peek();
        if (c == '\n') {
            advance();
            return;
        }
        if (c == '#') {
            skip_comment();
            return;
        }
        if (c == '[') {
            advance();
            std::size_t extra = 0;
            if (peek() == '[') {
                advance();
                extra = 1;
            }
            table_depth_ = key(']') + extra;
            check(table_depth_);
            skip_comment();
            return;
        }
        std::size_t depth = table_depth_ + key('\0');
        check(depth);
        if (peek() == '=') {
            advance();
            value(depth);
        } else {
            skip_comment();
        }
    }

    // The value after a key at `depth`, with every array and inline table it opens.
    void value(std::size_t depth) {
        std::vector<Frame> stack;
        std::size_t current = depth;
        while (!at_end() && !problem_) {
            char c = peek();
            if (c == '\n' && stack.empty()) {
                return;
            }
            if (c == '#') {
                skip_comment();
                continue;
            }
            if (c == '"' || c == '\'') {
                skip_string();
                continue;
            }
            if (c == '[' || c == '{') {
                advance();
                ++current;
                check(current);
                stack.push_back(Frame{c == '{', current});
                if (c == '{') {
                    current = inline_key(current);
                }
                continue;
            }
            if (c == ']' || c == '}') {
                advance();
                if (!stack.empty()) {
                    stack.pop_back();
                }
                current = stack.empty() ? depth : stack.back().depth;
                continue;
            }
            if (c == ',') {
                advance();
                if (!stack.empty()) {
                    current = stack.back().depth;
                    if (stack.back().is_inline_table) {
                        current = inline_key(current);
                    }
                }
                continue;
            }
            advance();
        }
    }

    // A key inside an inline table at `depth`: returns the depth of its value.
    std::size_t inline_key(std::size_t depth) {
        // TOML 1.1 (enabled in load.cpp) allows newlines and comments inside inline tables.
        for (;;) {
            skip_blanks();
            if (peek() == '\n') {
                advance();
            } else if (peek() == '#') {
                skip_comment();
            } else {
                break;
            }
        }
        if (peek() == '}') {
            return depth;
        }
        std::size_t value_depth = depth + key('}') - 1;
        check(value_depth);
        if (peek() == '=') {
            advance();
        }
        return value_depth;
    }

    std::string_view text_;
    std::size_t limit_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
    std::size_t table_depth_ = 0;
    std::optional<NestingProblem> problem_;
};

} // namespace

std::optional<NestingProblem> find_excessive_nesting(std::string_view text, std::size_t limit) {
    return Scanner(text, limit).run();
}

} // namespace caapol::policy
