#include "caapol/caa/validate.hpp"

#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>

namespace caapol::caa {

namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Characters that may appear in a URI (RFC 3986 unreserved, reserved and '%').
bool is_uri_char(char c) {
    if (is_alpha(c) || is_digit(c)) {
        return true;
    }
    static const std::string_view allowed = "-._~:/?#[]@!$&'()*+,;=%";
    return allowed.find(c) != std::string_view::npos;
}

std::string first_bad_uri_char(std::string_view uri) {
    for (char c : uri) {
        if (!is_uri_char(c)) {
            auto u = static_cast<unsigned char>(c);
            if (u > 0x20 && u < 0x7f) {
                return std::string("'") + c + "'";
            }
            return c == ' ' ? "a space" : text::escape_for_terminal(std::string(1, c));
        }
    }
    return "";
}

// RFC 5322 atext plus '.', for the local part of an address.
bool is_local_char(char c) {
    if (is_alpha(c) || is_digit(c)) {
        return true;
    }
    static const std::string_view allowed = "!#$%&'*+-/=?^_`{|}~.";
    return allowed.find(c) != std::string_view::npos;
}

} // namespace

const std::vector<std::string>& acme_validation_methods() {
    static const std::vector<std::string> methods = {
        "http-01",        "dns-01",    "tls-alpn-01", "dns-account-01",
        "email-reply-00", "tkauth-01", "onion-csr-01"};
    return methods;
}

bool is_validation_method_label(std::string_view label) {
    return !label.empty() && std::all_of(label.begin(), label.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '-';
    });
}

bool is_known_validation_method(std::string_view label) {
    if (label.size() > 3 && label.substr(0, 3) == "ca-") {
        return is_validation_method_label(label);
    }
    const auto& methods = acme_validation_methods();
    return std::find(methods.begin(), methods.end(), label) != methods.end();
}

std::string check_account_uri(std::string_view uri) {
    if (uri.empty()) {
        return "the account URI is empty";
    }
    if (!is_alpha(uri.front())) {
        return "\"" + text::escape_for_terminal(uri) +
               "\" is not an absolute URI (it must start with a scheme such as https:)";
    }
    std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos) {
        return "\"" + text::escape_for_terminal(uri) +
               "\" is not an absolute URI (no scheme, e.g. https://acme.example/acct/1)";
    }
    for (char c : uri.substr(0, colon)) {
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
            return "\"" + text::escape_for_terminal(uri) + "\" has an invalid URI scheme";
        }
    }
    if (colon + 1 == uri.size()) {
        return "\"" + text::escape_for_terminal(uri) + "\" has nothing after the scheme";
    }
    if (std::string bad = first_bad_uri_char(uri); !bad.empty()) {
        return "the account URI holds " + bad + ", which a URI cannot hold unescaped";
    }
    if (uri.find(';') != std::string_view::npos) {
        return "the account URI holds ';', which ends a CAA parameter value";
    }
    return "";
}

std::string check_contact_email(std::string_view value) {
    if (value.empty()) {
        return "the e-mail address is empty";
    }
    if (text::starts_with_icase(value, "mailto:")) {
        return "write the bare address without \"mailto:\"";
    }
    std::size_t at = value.find('@');
    if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos) {
        return "\"" + text::escape_for_terminal(value) +
               "\" is not exactly one e-mail address (local@domain)";
    }
    std::string_view local = value.substr(0, at);
    std::string_view domain = value.substr(at + 1);
    if (local.empty() || !std::all_of(local.begin(), local.end(), is_local_char) ||
        local.front() == '.' || local.back() == '.') {
        return "\"" + text::escape_for_terminal(value) +
               "\" has an invalid local part (one address, no spaces or commas)";
    }
    if (std::string problem = dns_name::check_hostname(domain); !problem.empty()) {
        return "the domain of \"" + text::escape_for_terminal(value) + "\" is invalid: " + problem;
    }
    if (domain.back() == '.') {
        return "the domain of \"" + text::escape_for_terminal(value) + "\" ends with a dot";
    }
    return "";
}

std::string check_iodef_url(std::string_view url) {
    if (text::starts_with_icase(url, "mailto:")) {
        std::string_view address = url.substr(7);
        if (std::string problem = check_contact_email(address); !problem.empty()) {
            return "the mailto: address is invalid: " + problem;
        }
        return "";
    }
    std::string_view rest;
    if (text::starts_with_icase(url, "https://")) {
        rest = url.substr(8);
    } else if (text::starts_with_icase(url, "http://")) {
        rest = url.substr(7);
    } else {
        return "\"" + text::escape_for_terminal(url) +
               "\" is not a mailto:, http: or https: URL (RFC 8659 section 4.4)";
    }
    std::size_t host_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, host_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        authority = authority.substr(at + 1);
    }
    std::string_view host = authority;
    if (!host.empty() && host.front() == '[') {
        if (host.find(']') == std::string_view::npos) {
            return "the URL's IPv6 host has no closing ']'";
        }
    } else {
        if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
            std::string_view port = host.substr(colon + 1);
            if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) {
                return "the URL's port is not a number";
            }
            host = host.substr(0, colon);
        }
        if (host.empty()) {
            return "the URL has no host";
        }
        if (std::string problem = dns_name::check_hostname(host); !problem.empty()) {
            return "the URL's host is invalid: " + problem;
        }
    }
    if (std::string bad = first_bad_uri_char(url); !bad.empty()) {
        return "the URL holds " + bad + ", which a URL cannot hold unescaped";
    }
    return "";
}

std::string check_contact_phone(std::string_view value) {
    if (text::starts_with_icase(value, "tel:")) {
        return "write the number itself without \"tel:\" (CA/B BR Appendix A: a global number "
               "such as \"+1 555 123 4567\")";
    }
    if (value.empty() || value.front() != '+') {
        return "\"" + text::escape_for_terminal(value) +
               "\" is not a global number: it must start with '+' and the country code";
    }
    std::size_t digits = 0;
    for (char c : value.substr(1)) {
        if (is_digit(c)) {
            ++digits;
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            return "\"" + text::escape_for_terminal(value) +
                   "\" holds characters other than digits and the separators space - . ( )";
        }
    }
    if (value.size() < 2 || !is_digit(value[1])) {
        return "the country code must follow the '+' directly";
    }
    if (digits < 3 || digits > 15) {
        return "\"" + text::escape_for_terminal(value) + "\" has " + std::to_string(digits) +
               " digits; a global number has 3 to 15";
    }
    return "";
}

std::string check_issuer_domain(std::string_view issuer) {
    if (!issuer.empty() && issuer.back() == '.') {
        issuer.remove_suffix(1);
    }
    if (issuer.empty()) {
        return "it is empty";
    }
    for (auto label : text::split(issuer, '.')) {
        if (label.empty()) {
            return "it has an empty label";
        }
        for (char c : label) {
            if (!is_alpha(c) && !is_digit(c) && c != '-') {
                return "it holds a character other than letters, digits, '-' and '.'";
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            return "it has a label starting or ending with '-'";
        }
        if (label.size() > 63) {
            return "it has a label longer than 63 characters";
        }
    }
    if (issuer.size() > 253) {
        return "it is longer than 253 characters";
    }
    return "";
}

} // namespace caapol::caa
