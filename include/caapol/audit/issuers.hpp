// Issuer -> CAA identifier domains. Tables, consulted in order:
//  1. files given with --issuers, in order: a CCADB "CAA Identifiers" report CSV
//     (AllCAAIdentifiersReportCSVV2: Subject, Subject Key Identifier (Hex), Recognized CAA
//     Domains, ...) or a table in caapol's own format (policies/ca-issuers.tsv);
//  2. Cert Spotter's issuer.caa_domains, when the source carries them;
//  3. the built-in table (policies/ca-issuers.tsv, embedded): known intermediate key ids and,
//     as a last resort, issuer organisation names of the CA families of `caapol cas`.
// Within a table a key id match wins over a subject match, which wins over an organisation.
#pragma once

#include "caapol/audit/certificate.hpp"
#include "caapol/core/diagnostic.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace caapol::audit {

// A distinguished name in a comparable form: attributes "TYPE=value" (type upper case, value
// lower case, unquoted, unescaped), sorted, joined by '\x1f'. Accepts "C=US, O=X, CN=Y"
// (crt.sh, Cert Spotter, OpenSSL) and "CN=Y; O=X; C=US" (CCADB) in any order.
std::string dn_key(std::string_view dn);
// The value of the first O= attribute ("" when none), unquoted.
std::string dn_organisation(std::string_view dn);

// Hex key identifier in a comparable form: lower case, separators (':', ' ') removed. "" when
// the text is not hex.
std::string normalize_key_id(std::string_view text);

struct IssuerEntry {
    std::vector<std::string> caa_domains;
    Location location;
};

struct IssuerResolution {
    const std::vector<std::string>* caa_domains = nullptr; // nullptr: unknown issuer
    IssuerMatch match = IssuerMatch::none;
    Location location;
};

class IssuerTable {
public:
    // Adds the rows of a CCADB CSV or caapol table file (detected from the first line).
    // Problems are diagnostics at file:line:col. Throws InputError when unreadable.
    void load_file(const std::string& path, Diagnostics& diagnostics);
    void load_text(std::string_view text, const std::string& name, Diagnostics& diagnostics);
    // The tables of `paths` in order, then the built-in one.
    static IssuerTable with_builtin(const std::vector<std::string>& paths,
                                    Diagnostics& diagnostics);
    void add_builtin();

    IssuerResolution resolve(const Certificate& certificate) const;

    std::size_t size() const { return layers_.size(); }

private:
    struct Layer {
        std::unordered_map<std::string, IssuerEntry> by_key_id;
        std::unordered_map<std::string, IssuerEntry> by_dn;
        std::unordered_map<std::string, IssuerEntry> by_organisation; // lower case
        bool builtin = false;
    };
    void load_csv(std::string_view text, const std::string& name, Diagnostics& diagnostics,
                  Layer& layer);
    void load_table(std::string_view text, const std::string& name, Diagnostics& diagnostics,
                    Layer& layer);
    std::vector<Layer> layers_;
};

// Splits a CAA domain list as CCADB writes it (commas, semicolons, white space, newlines),
// normalized to lower case without trailing dots.
std::vector<std::string> split_caa_domains(std::string_view text);

} // namespace caapol::audit
