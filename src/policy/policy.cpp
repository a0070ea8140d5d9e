// The Policy model: lookups over the loaded domains (no TOML here; see load.cpp).
#include "caapol/policy/policy.hpp"

#include "caapol/core/dns_name.hpp"
#include "sort_key.hpp"

#include <algorithm>

namespace caapol::policy {

std::vector<caa::Record> Domain::record_set() const {
    std::vector<caa::Record> out;
    out.reserve(records.size());
    for (const auto& r : records) {
        out.push_back(r.record);
    }
    return out;
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

const Domain* Policy::find(std::string_view name) const {
    std::string wanted = dns_name::normalize(name);
    auto it = std::lower_bound(domains.begin(), domains.end(), wanted,
                               [](const Domain& d, const std::string& n) {
                                   return dns_name::canonical_compare(d.name, n) < 0;
                               });
    if (it != domains.end() && it->name == wanted) {
        return &*it;
    }
    return nullptr;
}

const Domain* Policy::expected_for(std::string_view name) const {
    std::string current = dns_name::normalize(name);
    while (!current.empty()) {
        const Domain* domain = find(current);
        if (domain != nullptr && !domain->inherit && !domain->records.empty()) {
            return domain;
        }
        current = dns_name::parent(current);
    }
    return nullptr;
}

} // namespace caapol::policy
