#include "caapol/core/dns_name.hpp"

#include "caapol/core/text.hpp"

#include <algorithm>

namespace caapol::dns_name {

std::string normalize(std::string_view name) {
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    return text::to_lower(name);
}

bool is_normalized(std::string_view name) {
    if (!name.empty() && name.back() == '.') {
        return false;
    }
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') {
            return false;
        }
    }
    return true;
}

std::string parent(std::string_view name) {
    std::size_t dot = name.find('.');
    if (dot == std::string_view::npos) {
        return "";
    }
    return std::string(name.substr(dot + 1));
}

bool is_at_or_below(std::string_view name, std::string_view ancestor) {
    if (ancestor.empty()) {
        return true;
    }
    if (name.size() < ancestor.size()) {
        return false;
    }
    if (!text::iequals(name.substr(name.size() - ancestor.size()), ancestor)) {
        return false;
    }
    return name.size() == ancestor.size() || name[name.size() - ancestor.size() - 1] == '.';
}

std::size_t label_count(std::string_view name) {
    if (name.empty()) {
        return 0;
    }
    return static_cast<std::size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

int canonical_compare(std::string_view a, std::string_view b) {
    auto la = text::split(a, '.');
    auto lb = text::split(b, '.');
    if (a.empty()) {
        la.clear();
    }
    if (b.empty()) {
        lb.clear();
    }
    auto ia = la.rbegin();
    auto ib = lb.rbegin();
    for (; ia != la.rend() && ib != lb.rend(); ++ia, ++ib) {
        std::string x = text::to_lower(*ia);
        std::string y = text::to_lower(*ib);
        if (x != y) {
            // Labels compare as unsigned octet strings, shorter first when one is a prefix.
            return x < y ? -1 : 1;
        }
    }
    if (ia == la.rend() && ib == lb.rend()) {
        return 0;
    }
    return ia == la.rend() ? -1 : 1;
}

std::string canonical_sort_key(std::string_view normalized_name) {
    // Labels from the rightmost, each followed by '\0': byte order of these keys is RFC 4034
    // canonical order for valid host names (no label holds '\0'), and costs one comparison.
    std::string key;
    key.reserve(normalized_name.size() + 1);
    std::size_t end = normalized_name.size();
    while (end > 0) {
        std::size_t dot = normalized_name.rfind('.', end - 1);
        std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
        key.append(normalized_name.substr(start, end - start));
        key.push_back('\0');
        if (dot == std::string_view::npos) {
            break;
        }
        end = dot;
    }
    return key;
}

std::string check_hostname(std::string_view name) {
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return "the name is empty";
    }
    if (name.size() > 253) {
        return "the name is " + std::to_string(name.size()) +
               " characters long; at most 253 are allowed";
    }
    for (unsigned char c : name) {
        if (c >= 0x80) {
            return "the name holds non-ASCII characters; write internationalized names as "
                   "A-labels (punycode, \"xn--...\")";
        }
    }
    for (auto label : text::split(name, '.')) {
        if (label.empty()) {
            return "the name has an empty label (two dots in a row, or a leading dot)";
        }
        if (label.size() > 63) {
            return "the label \"" + std::string(label.substr(0, 20)) + "...\" is " +
                   std::to_string(label.size()) + " characters long; at most 63 are allowed";
        }
        if (label == "*") {
            return "'*' labels are not allowed here; wildcard certificates are governed by "
                   "issuewild at the parent name";
        }
        for (char c : label) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-';
            if (!ok) {
                return "the label \"" + text::escape_for_terminal(label) +
                       "\" holds a character other than letters, digits and '-'";
            }
        }
        if (label.front() == '-' || label.back() == '-') {
            return "the label \"" + std::string(label) + "\" starts or ends with '-'";
        }
    }
    return "";
}

std::string absolute(std::string_view name) {
    if (name.empty()) {
        return ".";
    }
    std::string out(name);
    if (out.back() != '.') {
        out += '.';
    }
    return out;
}

} // namespace caapol::dns_name
