#include "caapol/core/json.hpp"

#include "caapol/core/text.hpp"

#include <cstdio>
#include <tuple>

namespace caapol::json {

const Value* Value::get(std::string_view key) const {
    for (const auto& [name, value] : members) {
        if (name == key) {
            return &value;
        }
    }
    return nullptr;
}

const char* kind_name(Kind kind) {
    switch (kind) {
    case Kind::null:
        return "null";
    case Kind::boolean:
        return "a boolean";
    case Kind::number:
        return "a number";
    case Kind::string:
        return "a string";
    case Kind::array:
        return "an array";
    case Kind::object:
        return "an object";
    }
    return "a value";
}

namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::optional<Value> run(Error* error) {
        std::optional<Value> value;
        skip_space();
        value = parse_value(0);
        if (value) {
            skip_space();
            if (pos_ < text_.size()) {
                fail("unexpected data after the JSON value");
                value.reset();
            }
        }
        if (!value && error != nullptr) {
            *error = error_;
        }
        return value;
    }

private:
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void advance() {
        if (text_[pos_] == '\n') {
            ++line_;
            line_start_ = pos_ + 1;
        }
        ++pos_;
    }

    std::uint32_t column() const { return static_cast<std::uint32_t>(pos_ - line_start_ + 1); }

    void fail(const std::string& message) {
        if (error_.message.empty()) {
            error_ = Error{message, line_, column()};
        }
    }

    void skip_space() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            advance();
        }
    }

    std::string describe_here() const {
        if (at_end()) {
            return "the end of the text";
        }
        return "'" + text::escape_for_terminal(text_.substr(pos_, 1)) + "'";
    }

    std::optional<Value> parse_value(std::size_t depth) {
        if (depth > max_depth) {
            fail("the JSON nests deeper than " + std::to_string(max_depth) + " levels");
            return std::nullopt;
        }
        Value value;
        value.line = line_;
        value.column = column();
        if (at_end()) {
            fail("a value is missing at the end of the text");
            return std::nullopt;
        }
        char c = peek();
        if (c == '{') {
            value.kind = Kind::object;
            advance();
            skip_space();
            if (!at_end() && peek() == '}') {
                advance();
                return value;
            }
            while (true) {
                skip_space();
                if (at_end() || peek() != '"') {
                    fail("expected a member name in double quotes, found " + describe_here());
                    return std::nullopt;
                }
                auto key = parse_string();
                if (!key) {
                    return std::nullopt;
                }
                skip_space();
                if (at_end() || peek() != ':') {
                    fail("expected ':' after a member name, found " + describe_here());
                    return std::nullopt;
                }
                advance();
                skip_space();
                auto member = parse_value(depth + 1);
                if (!member) {
                    return std::nullopt;
                }
                value.members.push_back(Member{std::move(*key), std::move(*member)});
                skip_space();
                if (!at_end() && peek() == ',') {
                    advance();
                    continue;
                }
                if (!at_end() && peek() == '}') {
                    advance();
                    return value;
                }
                fail("expected ',' or '}' in an object, found " + describe_here());
                return std::nullopt;
            }
        }
        if (c == '[') {
            value.kind = Kind::array;
            advance();
            skip_space();
            if (!at_end() && peek() == ']') {
                advance();
                return value;
            }
            while (true) {
                skip_space();
                auto item = parse_value(depth + 1);
                if (!item) {
                    return std::nullopt;
                }
                value.items.push_back(std::move(*item));
                skip_space();
                if (!at_end() && peek() == ',') {
                    advance();
                    continue;
                }
                if (!at_end() && peek() == ']') {
                    advance();
                    return value;
                }
                fail("expected ',' or ']' in an array, found " + describe_here());
                return std::nullopt;
            }
        }
        if (c == '"') {
            auto s = parse_string();
            if (!s) {
                return std::nullopt;
            }
            value.kind = Kind::string;
            value.string = std::move(*s);
            return value;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parse_number(std::move(value));
        }
        for (const auto& [word, kind, flag] :
             {std::tuple{std::string_view("true"), Kind::boolean, true},
              std::tuple{std::string_view("false"), Kind::boolean, false},
              std::tuple{std::string_view("null"), Kind::null, false}}) {
            if (text_.substr(pos_, word.size()) == word) {
                for (std::size_t i = 0; i < word.size(); ++i) {
                    advance();
                }
                value.kind = kind;
                value.boolean = flag;
                return value;
            }
        }
        fail("expected a JSON value, found " + describe_here());
        return std::nullopt;
    }

    std::optional<Value> parse_number(Value value) {
        std::size_t start = pos_;
        bool integral = true;
        if (peek() == '-') {
            advance();
        }
        auto digits = [&] {
            std::size_t n = 0;
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                advance();
                ++n;
            }
            return n;
        };
        std::size_t first = pos_;
        if (digits() == 0 || (text_[first] == '0' && pos_ - first > 1)) {
            fail("malformed number");
            return std::nullopt;
        }
        if (!at_end() && peek() == '.') {
            integral = false;
            advance();
            if (digits() == 0) {
                fail("malformed number: digits must follow '.'");
                return std::nullopt;
            }
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            integral = false;
            advance();
            if (!at_end() && (peek() == '+' || peek() == '-')) {
                advance();
            }
            if (digits() == 0) {
                fail("malformed number: digits must follow the exponent");
                return std::nullopt;
            }
        }
        value.kind = Kind::number;
        std::string_view number = text_.substr(start, pos_ - start);
        if (integral && number.size() <= 18) {
            value.integer = std::stoll(std::string(number));
        }
        return value;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::optional<std::uint32_t> hex4() {
        if (pos_ + 4 > text_.size()) {
            fail("a unicode escape needs four hexadecimal digits");
            return std::nullopt;
        }
        std::uint32_t cp = 0;
        for (int i = 0; i < 4; ++i) {
            char h = peek();
            std::uint32_t digit = 0;
            if (h >= '0' && h <= '9') {
                digit = static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                digit = static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                digit = static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
                fail("a unicode escape needs four hexadecimal digits");
                return std::nullopt;
            }
            cp = cp * 16 + digit;
            advance();
        }
        return cp;
    }

    std::optional<std::string> parse_string() {
        advance(); // the opening quote
        std::string out;
        std::size_t run_start = pos_;
        while (true) {
            if (at_end()) {
                fail("a string is not closed before the end of the text");
                return std::nullopt;
            }
            auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                std::string_view tail = text_.substr(run_start, pos_ - run_start);
                if (!text::is_utf8(tail)) {
                    fail("a string holds bytes that are not UTF-8");
                    return std::nullopt;
                }
                out += tail;
                advance();
                return out;
            }
            if (c < 0x20) {
                fail("a string holds a raw control character (escape it)");
                return std::nullopt;
            }
            if (c != '\\') {
                advance();
                continue;
            }
            std::string_view run = text_.substr(run_start, pos_ - run_start);
            if (!text::is_utf8(run)) {
                fail("a string holds bytes that are not UTF-8");
                return std::nullopt;
            }
            out += run;
            advance();
            if (at_end()) {
                fail("a string is not closed before the end of the text");
                return std::nullopt;
            }
            char e = peek();
            advance();
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                auto cp = hex4();
                if (!cp) {
                    return std::nullopt;
                }
                if (*cp >= 0xdc00 && *cp <= 0xdfff) {
                    fail("a unicode escape is a lone low surrogate");
                    return std::nullopt;
                }
                if (*cp >= 0xd800 && *cp <= 0xdbff) {
                    if (text_.substr(pos_, 2) != "\\u") {
                        fail("a unicode escape is a high surrogate without its low half");
                        return std::nullopt;
                    }
                    advance();
                    advance();
                    auto low = hex4();
                    if (!low) {
                        return std::nullopt;
                    }
                    if (*low < 0xdc00 || *low > 0xdfff) {
                        fail("a unicode escape is a high surrogate without its low half");
                        return std::nullopt;
                    }
                    *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
                }
                append_utf8(out, *cp);
                break;
            }
            default:
                fail("unknown escape '\\" + text::escape_for_terminal(std::string(1, e)) +
                     "' in a string");
                return std::nullopt;
            }
            run_start = pos_;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::size_t line_start_ = 0;
    Error error_;
};

} // namespace

std::optional<Value> parse(std::string_view text, Error* error) {
    return Parser(text).run(error);
}

} // namespace caapol::json
