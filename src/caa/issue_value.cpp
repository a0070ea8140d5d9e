#include "caapol/caa/issue_value.hpp"

#include "caapol/caa/validate.hpp"
#include "caapol/core/text.hpp"

namespace caapol::caa {

namespace {

bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}
bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
// RFC 8659 parameter value octets: %x21-3A / %x3C-7E (printable, no space, no ';').
bool is_value_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 0x21 && u <= 0x3a) || (u >= 0x3c && u <= 0x7e);
}

std::string describe(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) {
        return std::string("'") + c + "'";
    }
    return text::escape_for_terminal(std::string(1, c));
}

IssueValueParse fail(std::string rule, std::size_t offset, std::string message) {
    IssueValueParse result;
    result.error = IssueValueError{std::move(rule), offset, std::move(message)};
    return result;
}

} // namespace

IssueValueParse parse_issue_value(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    auto skip_wsp = [&] {
        while (i < n && is_wsp(text[i])) {
            ++i;
        }
    };
    IssueValue value;
    skip_wsp();
    std::size_t issuer_start = i;
    while (i < n && !is_wsp(text[i]) && text[i] != ';') {
        ++i;
    }
    value.issuer = std::string(text.substr(issuer_start, i - issuer_start));
    if (!value.issuer.empty()) {
        if (std::string problem = check_issuer_domain(value.issuer); !problem.empty()) {
            return fail("issuer-syntax", issuer_start,
                        "the issuer " +
                            text::quote_excerpt(text::escape_for_terminal(value.issuer)) +
                            " is not a domain name: " + problem);
        }
    }
    skip_wsp();
    if (i == n) {
        return IssueValueParse{std::move(value), {}};
    }
    if (text[i] != ';') {
        return fail("issuer-syntax", i,
                    "unexpected " + describe(text[i]) + " after the issuer " +
                        text::quote_excerpt(text::escape_for_terminal(value.issuer)) +
                        "; parameters must follow a ';'");
    }
    ++i;
    skip_wsp();
    while (i < n) {
        // RFC 8659 section 4.2: tag = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)), so hyphens
        // may stand inside a tag, never at its ends.
        std::size_t key_start = i;
        if (i < n && is_alnum(text[i])) {
            ++i;
            while (i < n && (is_alnum(text[i]) || text[i] == '-')) {
                ++i;
            }
            while (i > key_start && text[i - 1] == '-') {
                --i; // a trailing hyphen is not part of the tag: reported below
            }
        }
        if (i == key_start) {
            return fail("parameter-syntax", i,
                        "expected a parameter name (letters, digits and inner hyphens) but "
                        "found " +
                            describe(text[i]));
        }
        std::string key(text.substr(key_start, i - key_start));
        skip_wsp();
        if (i == n || text[i] != '=') {
            return fail("parameter-syntax", i,
                        i == n
                            ? "the parameter " + text::quote_excerpt(key) + " has no '=' and value"
                            : "unexpected " + describe(text[i]) + " in the parameter name " +
                                  text::quote_excerpt(key) +
                                  "; names are letters and digits, with hyphens only inside");
        }
        ++i;
        skip_wsp();
        std::size_t value_start = i;
        while (i < n && is_value_char(text[i])) {
            ++i;
        }
        value.parameters.push_back(
            Parameter{std::move(key), std::string(text.substr(value_start, i - value_start))});
        skip_wsp();
        if (i == n) {
            break;
        }
        if (text[i] != ';') {
            return fail("parameter-syntax", i,
                        "unexpected " + describe(text[i]) + " in the value of the parameter " +
                            text::quote_excerpt(value.parameters.back().key) +
                            "; values hold no spaces, ';' or control characters");
        }
        ++i;
        skip_wsp();
        if (i == n) {
            return fail("parameter-syntax", i, "a ';' must be followed by a parameter");
        }
    }
    return IssueValueParse{std::move(value), {}};
}

std::string normalize_issuer(std::string_view issuer) {
    if (!issuer.empty() && issuer.back() == '.') {
        issuer.remove_suffix(1);
    }
    return text::to_lower(issuer);
}

std::string render_issue_value(const IssueValue& value, bool normalize) {
    std::string out = normalize ? normalize_issuer(value.issuer) : value.issuer;
    if (out.empty() && value.parameters.empty()) {
        return ";";
    }
    for (const auto& p : value.parameters) {
        out += "; " + p.key + "=" + p.value;
    }
    return out;
}

} // namespace caapol::caa
