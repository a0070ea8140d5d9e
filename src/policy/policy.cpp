// The Policy model: lookups over the loaded domains (no TOML here; see load.cpp).
#include "caapol/policy/policy.hpp"

#include "caapol/core/dns_name.hpp"
#include "sort_key.hpp"

#include <algorithm>
#include <mutex>
#include <unordered_set>

namespace caapol::policy {

const std::string& PolicyLocation::no_file() {
    static const std::string empty;
    return empty;
}

PolicyLocation::PolicyLocation(const Location& location)
    : file(intern_file_name(location.file)), line(location.line), column(location.column) {}

const std::string* intern_file_name(const std::string& name) {
    if (name.empty()) {
        return &PolicyLocation::no_file();
    }
    // Node-based: addresses stay valid as the set grows. Loads may run on several threads.
    static std::mutex mutex;
    static std::unordered_set<std::string> names;
    std::lock_guard<std::mutex> lock(mutex);
    return &*names.insert(name).first;
}

std::vector<caa::Record> Domain::record_set() const {
    std::vector<caa::Record> out;
    out.reserve(records.size());
    for (const auto& r : records) {
        out.push_back(r.record);
    }
    return out;
}

std::string canonical_sort_key(std::string_view normalized_name) {
    return dns_name::canonical_sort_key(normalized_name);
}

void append_canonical_sort_key(std::string& out, std::string_view normalized_name) {
    // As dns_name::canonical_sort_key: labels from the rightmost, each followed by '\0'.
    std::size_t end = normalized_name.size();
    while (end > 0) {
        std::size_t dot = normalized_name.rfind('.', end - 1);
        std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
        out.append(normalized_name.substr(start, end - start));
        out.push_back('\0');
        if (dot == std::string_view::npos) {
            break;
        }
        end = dot;
    }
}

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Start of the label that ends at `end` (exclusive).
std::size_t label_start(std::string_view name, std::size_t end) {
    if (end == 0) {
        return 0;
    }
    std::size_t dot = name.rfind('.', end - 1);
    return dot == std::string_view::npos ? 0 : dot + 1;
}

int compare_labels(std::string_view a, std::string_view b) {
    std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        auto x = static_cast<unsigned char>(lower(a[i]));
        auto y = static_cast<unsigned char>(lower(b[i]));
        if (x != y) {
            return x < y ? -1 : 1;
        }
    }
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// dns_name::canonical_compare without allocating: lookups run once per name and climb step,
// hundreds of thousands of times in a large verify.
int compare_canonical(std::string_view a, std::string_view b) {
    std::size_t end_a = a.size();
    std::size_t end_b = b.size();
    bool more_a = !a.empty();
    bool more_b = !b.empty();
    while (more_a && more_b) {
        std::size_t start_a = label_start(a, end_a);
        std::size_t start_b = label_start(b, end_b);
        int c =
            compare_labels(a.substr(start_a, end_a - start_a), b.substr(start_b, end_b - start_b));
        if (c != 0) {
            return c;
        }
        more_a = start_a > 0;
        more_b = start_b > 0;
        end_a = more_a ? start_a - 1 : 0;
        end_b = more_b ? start_b - 1 : 0;
    }
    if (more_a == more_b) {
        return 0;
    }
    return more_a ? 1 : -1;
}

const Domain* find_normalized(const std::vector<Domain>& domains, std::string_view name) {
    auto it = std::lower_bound(
        domains.begin(), domains.end(), name,
        [](const Domain& d, std::string_view n) { return compare_canonical(d.name, n) < 0; });
    if (it != domains.end() && it->name == name) {
        return &*it;
    }
    return nullptr;
}

} // namespace

const Domain* Policy::find(std::string_view name) const {
    return find_normalized(domains, dns_name::normalize(name));
}

const Domain* Policy::expected_for(std::string_view name) const {
    return closest_expected(dns_name::normalize(name), [this](std::string_view normalized) {
        return find_normalized(domains, normalized);
    });
}

} // namespace caapol::policy
