// PEM and DER certificates through OpenSSL: names (SAN dNSName, the subject CN when there is no
// SAN), issuer DN, Authority Key Identifier, serial, SHA-256 fingerprint, validity, and the CT
// precertificate poison extension (RFC 6962 section 3.1, OID 1.3.6.1.4.1.11129.2.4.3).
#include "caapol/audit/certificate.hpp"
#include "caapol/core/text.hpp"

#include <ctime>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace caapol::audit {

namespace {

constexpr std::size_t max_name_errors = 10; // per certificate, then one summary line

std::string openssl_reason() {
    unsigned long code = ERR_peek_last_error();
    std::string reason;
    if (code != 0) {
        const char* r = ERR_reason_error_string(code);
        reason = r != nullptr ? r : "error " + std::to_string(code);
    }
    ERR_clear_error();
    return reason.empty() ? std::string("not a valid X.509 certificate") : reason;
}

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string time_text(const ASN1_TIME* t, std::int64_t* unix_time) {
    struct tm tm {};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        return {};
    }
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (unix_time != nullptr) {
        *unix_time = static_cast<std::int64_t>(timegm(&tm));
    }
    return buffer;
}

std::string name_text(const X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) {
        return {};
    }
    // "C=US, O=Example, CN=Example CA": the form crt.sh and Cert Spotter show.
    const unsigned long flags =
        (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
    X509_NAME_print_ex(bio, name, 0, flags);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string out(data != nullptr && size > 0 ? std::string(data, static_cast<std::size_t>(size))
                                                : std::string());
    BIO_free(bio);
    return out;
}

std::string octets_hex(const ASN1_OCTET_STRING* octets) {
    if (octets == nullptr) {
        return {};
    }
    return text::to_hex(
        std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(octets)),
                         static_cast<std::size_t>(ASN1_STRING_length(octets))));
}

std::string serial_hex(const X509* x) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
    BIGNUM* bn = serial != nullptr ? ASN1_INTEGER_to_BN(serial, nullptr) : nullptr;
    if (bn == nullptr) {
        return {};
    }
    char* hex = BN_bn2hex(bn);
    std::string out = hex != nullptr ? text::to_lower(hex) : std::string();
    OPENSSL_free(hex);
    BN_free(bn);
    if (out == "0") {
        out = "00";
    }
    return out;
}

struct NameAdder {
    Certificate& certificate;
    Diagnostics& diagnostics;
    std::size_t errors = 0;
    void add(std::string_view raw, const std::string& what) {
        Name name;
        std::string problem = parse_name(raw, name);
        if (problem.empty()) {
            certificate.names.push_back(std::move(name));
            return;
        }
        if (++errors <= max_name_errors) {
            diagnostics.error("invalid-name", certificate.location,
                              what + " " + text::quote_excerpt(raw, 80) +
                                  " is not a DNS name caapol can audit: " + problem);
        }
    }
    void finish() {
        if (errors > max_name_errors) {
            diagnostics.error("invalid-name", certificate.location,
                              std::to_string(errors - max_name_errors) +
                                  " more names of this certificate are not DNS names");
        }
    }
};

// Fills `c` from `x`. Returns false when it is a CA certificate to skip.
bool describe(X509* x, Certificate& c, Diagnostics& diagnostics, bool* is_ca) {
    // Computes the extension cache; EXFLAG_INVALID marks extensions that do not decode.
    const uint32_t flags = X509_get_extension_flags(x);
    *is_ca = (flags & EXFLAG_CA) != 0;
    if (*is_ca) {
        return false;
    }
    c.serial = serial_hex(x);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (X509_digest(x, EVP_sha256(), md, &md_len) == 1) {
        c.sha256 = text::to_hex(std::string_view(reinterpret_cast<const char*>(md), md_len));
    }
    c.issuer_dn = name_text(X509_get_issuer_name(x));
    c.authority_key_id = octets_hex(X509_get0_authority_key_id(x));
    c.not_before = time_text(X509_get0_notBefore(x), nullptr);
    c.not_after = time_text(X509_get0_notAfter(x), &c.not_after_unix);
    c.precertificate = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1) >= 0;

    NameAdder adder{c, diagnostics};
    int critical = -1;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, &critical, nullptr));
    if (names != nullptr) {
        const int count = sk_GENERAL_NAME_num(names);
        for (int i = 0; i < count; ++i) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
            if (name->type != GEN_DNS) {
                continue; // IP addresses, e-mail addresses, URIs: not CAA-checked DNS names
            }
            const ASN1_IA5STRING* dns = name->d.dNSName;
            adder.add(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                       static_cast<std::size_t>(ASN1_STRING_length(dns))),
                      "the SAN entry " + std::to_string(i + 1));
        }
        GENERAL_NAMES_free(names);
    } else if (critical != -1) {
        ERR_clear_error();
        diagnostics.error("certificate-malformed", c.location,
                          critical == -2 ? "the certificate has more than one subjectAltName "
                                           "extension"
                                         : "the subjectAltName extension does not decode");
    } else {
        // No SAN: the subject's common name(s), as before RFC 2818.
        const X509_NAME* subject = X509_get_subject_name(x);
        int index = -1;
        while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) {
            const ASN1_STRING* value =
                X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
            unsigned char* utf8 = nullptr;
            int length = ASN1_STRING_to_UTF8(&utf8, value);
            if (length >= 0) {
                c.from_common_name = true;
                adder.add(std::string_view(reinterpret_cast<const char*>(utf8),
                                           static_cast<std::size_t>(length)),
                          "the subject common name");
                OPENSSL_free(utf8);
            } else {
                ERR_clear_error();
                diagnostics.error("certificate-malformed", c.location,
                                  "the subject common name does not decode");
            }
        }
    }
    adder.finish();
    if ((flags & EXFLAG_INVALID) != 0) {
        diagnostics.warning("certificate-malformed", c.location,
                            "the certificate has extensions that do not decode (OpenSSL "
                            "marks it invalid); its names were read where possible");
    }
    return true;
}

void one_der(const unsigned char* data, std::size_t size, const Location& location, SourceKind kind,
             const CertificateCallback& callback, Diagnostics& diagnostics,
             std::size_t* ca_skipped) {
    const unsigned char* p = data;
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(size)));
    if (!x) {
        diagnostics.error("certificate-malformed", location,
                          "not a DER X.509 certificate (" + std::to_string(size) +
                              " bytes): " + openssl_reason());
        return;
    }
    if (static_cast<std::size_t>(p - data) != size) {
        diagnostics.warning("certificate-malformed", location,
                            std::to_string(size - static_cast<std::size_t>(p - data)) +
                                " bytes after the certificate were ignored");
    }
    Certificate c;
    c.location = location;
    c.kind = kind;
    bool is_ca = false;
    if (!describe(x.get(), c, diagnostics, &is_ca)) {
        if (is_ca && ca_skipped != nullptr) {
            ++*ca_skipped;
        }
        return;
    }
    callback(c);
}

} // namespace

void read_der(std::string_view data, const std::string& name, const CertificateCallback& callback,
              Diagnostics& diagnostics, std::size_t* ca_skipped) {
    one_der(reinterpret_cast<const unsigned char*>(data.data()), data.size(), Location{name, 1, 1},
            SourceKind::der, callback, diagnostics, ca_skipped);
}

// RFC 7468: text outside BEGIN/END lines is allowed and skipped; blocks of other labels
// (keys, CSRs) are skipped; inside a CERTIFICATE block only base64 and white space.
void read_pem(std::string_view data, const std::string& name, const CertificateCallback& callback,
              Diagnostics& diagnostics, std::size_t* ca_skipped) {
    static constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
    static constexpr std::string_view end = "-----END CERTIFICATE-----";
    std::uint32_t line_number = 0;
    bool inside = false;
    bool broken = false;
    std::uint32_t block_line = 0;
    std::string base64;
    std::size_t certificates = 0;
    std::size_t start = 0;
    while (start < data.size()) {
        std::size_t newline = data.find('\n', start);
        std::string_view line = data.substr(
            start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        start = newline == std::string_view::npos ? data.size() : newline + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        std::string_view trimmed = text::trim(line);
        if (!inside) {
            if (trimmed == begin) {
                inside = true;
                broken = false;
                block_line = line_number;
                base64.clear();
            }
            continue;
        }
        if (trimmed == end) {
            inside = false;
            ++certificates;
            if (broken) {
                continue;
            }
            // Decode with OpenSSL's base64 (EVP_DecodeBlock counts padding as data).
            std::string der(base64.size() / 4 * 3 + 3, '\0');
            int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                                    reinterpret_cast<const unsigned char*>(base64.data()),
                                    static_cast<int>(base64.size()));
            if (n < 0 || base64.size() % 4 != 0) {
                diagnostics.error("certificate-malformed", Location{name, block_line, 1},
                                  "the base64 text of this certificate does not decode");
                continue;
            }
            std::size_t size = static_cast<std::size_t>(n);
            if (base64.size() >= 1 && base64.back() == '=') {
                --size;
            }
            if (base64.size() >= 2 && base64[base64.size() - 2] == '=') {
                --size;
            }
            one_der(reinterpret_cast<const unsigned char*>(der.data()), size,
                    Location{name, block_line, 1}, SourceKind::pem, callback, diagnostics,
                    ca_skipped);
            continue;
        }
        if (broken) {
            continue;
        }
        for (std::size_t i = 0; i < line.size(); ++i) {
            unsigned char ch = static_cast<unsigned char>(line[i]);
            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '+' || ch == '/' || ch == '=') {
                base64 += static_cast<char>(ch);
            } else if (ch != ' ' && ch != '\t') {
                diagnostics.error("certificate-malformed",
                                  Location{name, line_number, static_cast<std::uint32_t>(i + 1)},
                                  "unexpected " +
                                      (line.substr(0, 5) == "-----"
                                           ? std::string("line ") + text::quote_excerpt(line, 60)
                                           : "byte 0x" + text::to_hex(line.substr(i, 1))) +
                                      " inside the certificate that begins at line " +
                                      std::to_string(block_line));
                broken = true;
                break;
            }
        }
        if (base64.size() > (std::size_t{64} << 20)) {
            diagnostics.error("certificate-malformed", Location{name, block_line, 1},
                              "the certificate block is larger than 64 MiB");
            broken = true;
        }
    }
    if (inside) {
        diagnostics.error("certificate-malformed", Location{name, block_line, 1},
                          "the certificate that begins here has no END CERTIFICATE line "
                          "(truncated?)");
    } else if (certificates == 0) {
        diagnostics.error("certificate-malformed", Location{name, 1, 1},
                          "no -----BEGIN CERTIFICATE----- block in this PEM file");
    }
}

} // namespace caapol::audit
