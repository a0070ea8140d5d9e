// Certificates as the audit sees them, from every kind of source: PEM or DER files (read with
// OpenSSL), directories of them, crt.sh JSON exports, Cert Spotter API v1 issuance arrays and
// Cert Spotter hook JSON files (read with nlohmann::json's SAX interface, streaming: memory
// does not grow with the file). The kind of a source is detected from its content.
//
// This is the reusable part of `caapol audit` (also for `caapol import --from ct`):
//     audit::IssuerTable issuers = audit::IssuerTable::with_builtin({"ccadb.csv"}, diags);
//     audit::ReadOptions options;
//     options.issuers = &issuers;
//     audit::read_certificates({"crtsh.json"}, options,
//                              [](const audit::Certificate& c) { /* c.names, c.caa_domains */ },
//                              diags);
#pragma once

#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::audit {

class IssuerTable;

enum class SourceKind { pem, der, crtsh_json, certspotter_json, unknown };
const char* source_kind_name(SourceKind kind);

// How the issuer's CAA identifier domains were found.
enum class IssuerMatch {
    none,         // unknown issuer
    key_id,       // the certificate's Authority Key Identifier = a table's SKI
    dn,           // the issuer distinguished name = a table's subject
    certspotter,  // Cert Spotter's issuer.caa_domains
    organisation, // the issuer's O= attribute = an organisation of the built-in table
};
const char* issuer_match_name(IssuerMatch match);

struct Name {
    std::string name;      // normalized: lower case, no trailing dot; "*." kept
    bool wildcard = false; // starts with "*."
};

struct Certificate {
    Location location; // the record or PEM block it came from (file:line:col)
    SourceKind kind = SourceKind::unknown;
    std::string crtsh_id;   // crt.sh's certificate id, when the source is crt.sh
    std::string serial;     // hex, lower case, without leading zero octets ("" when unknown)
    std::string sha256;     // SHA-256 of the DER certificate, hex ("" when unknown)
    std::string tbs_sha256; // Cert Spotter's TBS hash (same for a precertificate and its cert)
    std::string issuer_dn;  // "C=US, O=Example, CN=Example CA" (as crt.sh writes it)
    std::string authority_key_id; // hex, lower case ("" when absent)
    std::string not_before;       // RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" ("" when unknown)
    std::string not_after;
    std::int64_t not_after_unix = 0; // 0 when unknown
    bool precertificate = false;     // carries the CT poison extension (1.3.6.1.4.1.11129.2.4.3)
    bool from_common_name = false;   // no SAN: the name came from the subject CN
    std::vector<Name> names;         // DNS names (SAN dNSName; the CN when there is no SAN)
    // From the source (Cert Spotter's issuer.caa_domains), before any table is consulted.
    std::vector<std::string> source_caa_domains;
    // Filled by read_certificates when ReadOptions::issuers is given.
    std::vector<std::string> caa_domains; // lower case; empty: unknown issuer
    IssuerMatch issuer_match = IssuerMatch::none;
    std::string issuer_table_location; // where the matching table row is ("file:line")
};

// A key that a precertificate and its final certificate share (issuer and serial, or the TBS
// hash), so that the two count as one certificate.
std::uint64_t dedup_key(const Certificate& certificate);

struct ReadOptions {
    const IssuerTable* issuers = nullptr; // resolve caa_domains (nullptr: leave them empty)
    bool deduplicate = true;              // a precertificate and its certificate: one callback
    // Read on a second thread while the callbacks run on the caller's (a bounded queue of
    // certificates between them). The callbacks still come in order, on the caller's thread.
    bool pipeline = false;
};

struct ReadStats {
    std::size_t certificates = 0; // callbacks made
    std::size_t duplicates = 0;   // precertificate/certificate pairs merged
    std::size_t ca_skipped = 0;   // CA certificates (basicConstraints CA) skipped: not audited
    std::size_t sources = 0;      // files read
};

// The certificate belongs to the reader and is reused once the callback returns; a callback
// may move from it (a lambda taking `const Certificate&` fits too).
using CertificateCallback = std::function<void(Certificate&)>;

// Reads every SOURCE (a file, a directory read recursively, or "-" for standard input) and
// calls `callback` once per certificate, in source order. Every problem (unreadable file,
// unknown content, malformed JSON, malformed certificates, names that are not DNS names) is a
// diagnostic located at file:line:col; reading goes on with the next record where it can.
ReadStats read_certificates(const std::vector<std::string>& sources, const ReadOptions& options,
                            const CertificateCallback& callback, Diagnostics& diagnostics);

// Detects the kind of content from its first bytes. Any JSON is reported as crt.sh_json: each
// record's keys then tell crt.sh from Cert Spotter (both may appear in one file).
SourceKind detect_kind(std::string_view head);

// Lower-level readers, for tests and for callers with data in memory. `name` is used in
// locations. They do not resolve issuers or deduplicate.
void read_pem(std::string_view data, const std::string& name, const CertificateCallback& callback,
              Diagnostics& diagnostics, std::size_t* ca_skipped = nullptr);
void read_der(std::string_view data, const std::string& name, const CertificateCallback& callback,
              Diagnostics& diagnostics, std::size_t* ca_skipped = nullptr);
void read_json(std::string_view data, const std::string& name, const CertificateCallback& callback,
               Diagnostics& diagnostics);

// Checks and normalizes one DNS name from a certificate or a CT record. Returns "" and sets
// `out`, or returns why the name is not a DNS name caapol can audit.
std::string parse_name(std::string_view raw, Name& out);

} // namespace caapol::audit
