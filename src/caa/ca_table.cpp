#include "caapol/caa/ca_table.hpp"

#include "caapol/caa/issue_value.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <cstddef>

extern const char ca_identifiers_tsv[];
extern const std::size_t ca_identifiers_tsv_size;

namespace caapol::caa {

namespace {
std::vector<CertificateAuthority> parse_table() {
    std::vector<CertificateAuthority> table;
    std::string_view data(ca_identifiers_tsv, ca_identifiers_tsv_size);
    for (auto line : text::split(data, '\n')) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto columns = text::split(line, '\t');
        if (columns.size() < 2) {
            continue;
        }
        CertificateAuthority ca;
        ca.name = std::string(columns[0]);
        for (auto id : text::split(columns[1], ' ')) {
            if (!id.empty()) {
                ca.identifiers.push_back(text::to_lower(id));
            }
        }
        table.push_back(std::move(ca));
    }
    return table;
}
} // namespace

const std::vector<CertificateAuthority>& ca_table() {
    static const std::vector<CertificateAuthority> table = parse_table();
    return table;
}

const std::vector<std::string>& known_issuers() {
    static const std::vector<std::string> issuers = [] {
        std::vector<std::string> all;
        for (const auto& ca : ca_table()) {
            all.insert(all.end(), ca.identifiers.begin(), ca.identifiers.end());
        }
        std::sort(all.begin(), all.end());
        return all;
    }();
    return issuers;
}

const CertificateAuthority* find_ca(std::string_view issuer) {
    std::string wanted = normalize_issuer(issuer);
    for (const auto& ca : ca_table()) {
        if (std::find(ca.identifiers.begin(), ca.identifiers.end(), wanted) !=
            ca.identifiers.end()) {
            return &ca;
        }
    }
    return nullptr;
}

std::optional<std::string> nearest_issuer(std::string_view issuer) {
    if (issuer.empty() || find_ca(issuer) != nullptr) {
        return std::nullopt;
    }
    std::string wanted = normalize_issuer(issuer);
    if (auto close = text::did_you_mean(wanted, known_issuers())) {
        return close;
    }
    // Same name under another top-level domain ("digicert.org" -> "digicert.com").
    std::string stem = wanted.substr(0, wanted.rfind('.'));
    for (const auto& known : known_issuers()) {
        if (known.substr(0, known.rfind('.')) == stem) {
            return known;
        }
    }
    return std::nullopt;
}

} // namespace caapol::caa
