// The built-in table of certificate authorities and their CAA issuer identifiers
// (policies/ca-identifiers.tsv, embedded at build time).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::caa {

struct CertificateAuthority {
    std::string name;                     // e.g. "Let's Encrypt"
    std::vector<std::string> identifiers; // lower case, e.g. "letsencrypt.org"
};

const std::vector<CertificateAuthority>& ca_table();

// Every identifier of the table, sorted.
const std::vector<std::string>& known_issuers();

// The CA that uses this identifier (case-insensitive, trailing dot ignored), or nullptr.
const CertificateAuthority* find_ca(std::string_view issuer);

// The closest known identifier when `issuer` is unknown and looks like a typo of one.
std::optional<std::string> nearest_issuer(std::string_view issuer);

} // namespace caapol::caa
