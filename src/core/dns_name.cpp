#include "caapol/core/dns_name.hpp"

#include "caapol/core/punycode.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <cctype>

namespace caapol::dns_name {

std::string normalize(std::string_view name) {
    std::string out;
    normalize_into(out, name);
    return out;
}

void normalize_into(std::string& out, std::string_view name) {
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    out.assign(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c + ('a' - 'A'));
        }
    }
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

std::size_t first_label_end(std::string_view name) {
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\') {
            ++i; // the escaped octet (or the first digit of \DDD) is part of the label
        } else if (name[i] == '.') {
            return i;
        }
    }
    return name.size();
}

std::string parent(std::string_view name) {
    std::size_t dot = first_label_end(name);
    if (dot >= name.size()) {
        return "";
    }
    return std::string(name.substr(dot + 1));
}

std::string_view strip_wildcard(std::string_view name) {
    return name.rfind("*.", 0) == 0 ? name.substr(2) : name;
}

std::size_t wire_length(std::string_view name) {
    if (!name.empty() && name.back() == '.' && (name.size() < 2 || name[name.size() - 2] != '\\')) {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return 1;
    }
    std::size_t octets = 2; // the first label's length octet and the root's zero octet
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '\\') {
            bool ddd = i + 3 < name.size() &&
                       std::isdigit(static_cast<unsigned char>(name[i + 1])) &&
                       std::isdigit(static_cast<unsigned char>(name[i + 2])) &&
                       std::isdigit(static_cast<unsigned char>(name[i + 3]));
            i += ddd ? 3 : 1;
            ++octets;
        } else if (c == '.') {
            ++octets; // the next label's length octet
        } else {
            ++octets;
        }
    }
    return octets;
}

std::optional<std::string> substitute_dname(std::string_view name, std::string_view owner,
                                            std::string_view target) {
    std::string out(name.substr(0, name.size() - owner.size()));
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    if (!target.empty()) {
        out = out.empty() ? std::string(target) : out + "." + std::string(target);
    }
    if (wire_length(out) > max_wire_length) {
        return std::nullopt;
    }
    return out;
}

std::string check_name(std::string_view name, Profile profile) {
    if (profile == Profile::hostname) {
        return check_hostname(name);
    }
    name = strip_wildcard(name);
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return "a name below the root is needed";
    }
    if (name.size() > 253) {
        return "longer than 253 characters";
    }
    // Label by label without building a list of them (this runs for every name verify
    // reads); a label's length is judged before its characters.
    std::size_t start = 0;
    while (true) {
        std::size_t dot = name.find('.', start);
        std::string_view label = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63) {
            return "labels must have 1 to 63 characters";
        }
        for (char c : label) {
            bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!allowed) {
                return "only letters, digits, '-' and '_' are allowed in labels";
            }
        }
        if (dot == std::string_view::npos) {
            return {};
        }
        start = dot + 1;
    }
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
            std::string message = "the name holds non-ASCII characters; write internationalized "
                                  "names as A-labels (punycode, \"xn--...\")";
            if (auto a_label = punycode::to_ascii(name)) {
                message += ": \"" + *a_label + "\"";
            }
            return message;
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
