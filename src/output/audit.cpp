#include "caapol/output/audit.hpp"

#include "caapol/core/diagnostic.hpp"
#include "caapol/core/text.hpp"

namespace caapol::output {

namespace {

std::string identity(const audit::Certificate& c) {
    std::string out;
    if (!c.crtsh_id.empty()) {
        out += " crt.sh=" + c.crtsh_id;
    }
    if (!c.sha256.empty()) {
        out += " sha256=" + c.sha256;
    } else if (!c.tbs_sha256.empty()) {
        out += " tbs_sha256=" + c.tbs_sha256;
    }
    if (!c.serial.empty()) {
        out += " serial=" + c.serial;
    }
    return out;
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ",") + text::json_string(items[i]);
    }
    return out + "]";
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : separator) + i;
    }
    return out;
}

} // namespace

std::string render_audit_finding_text(const audit::Finding& f) {
    const audit::Certificate& c = *f.certificate;
    std::string line = format_location(c.location) + ": " + audit::verdict_name(f.verdict) + ": " +
                       f.name + identity(c);
    if (!c.not_before.empty()) {
        line += " not_before=" + c.not_before;
    }
    if (f.expired) {
        line += " (expired " + c.not_after + ")";
    }
    line += " issuer=" + text::quote_excerpt(c.issuer_dn, 200);
    line += c.caa_domains.empty() ? std::string(" caa=none") : " caa=" + join(c.caa_domains, ",");
    line += ": " + f.reason;
    if (f.not_checkable) {
        line += " RFC 8657 parameters (accounturi, validationmethods) are not checkable from a "
                "certificate.";
    }
    if (!f.policy_location.file.empty()) {
        line += " (policy " + format_location(f.policy_location) + ")";
    }
    line += " [" + f.rule + "]";
    return text::escape_unprintable(line) + "\n";
}

std::string render_audit_finding_json(const audit::Finding& f) {
    const audit::Certificate& c = *f.certificate;
    std::string out = "{\"name\":" + text::json_string(f.name);
    out += ",\"verdict\":" + text::json_string(audit::verdict_name(f.verdict));
    out += ",\"rule\":" + text::json_string(f.rule);
    out += ",\"reason\":" + text::json_string(f.reason);
    out += ",\"issuer\":" + text::json_string(c.issuer_dn);
    out += ",\"caa_domains\":" + json_list(c.caa_domains);
    out += ",\"issuer_match\":" + text::json_string(audit::issuer_match_name(c.issuer_match));
    out += ",\"serial\":" + text::json_string(c.serial);
    out += ",\"sha256\":" + text::json_string(c.sha256);
    out += ",\"crtsh_id\":" + text::json_string(c.crtsh_id);
    out += ",\"not_before\":" + text::json_string(c.not_before);
    out += ",\"not_after\":" + text::json_string(c.not_after);
    out += std::string(",\"expired\":") + (f.expired ? "true" : "false");
    out += std::string(",\"precertificate\":") + (c.precertificate ? "true" : "false");
    out += ",\"policy_domain\":" + text::json_string(f.policy_domain);
    out += ",\"policy_location\":" + text::json_string(f.policy_location.file.empty()
                                                           ? std::string()
                                                           : format_location(f.policy_location));
    out += std::string(",\"not_checkable\":") + (f.not_checkable ? "true" : "false");
    out += ",\"source\":" + text::json_string(format_location(c.location));
    out += "}";
    return out;
}

std::string render_audit_summary_text(const audit::Summary& s) {
    auto plural = [](std::size_t n, const char* word) {
        return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    std::string out = "audited " + plural(s.certificates, "certificate");
    if (s.duplicates > 0) {
        out += " (" + std::to_string(s.duplicates) + " precertificate/certificate " +
               (s.duplicates == 1 ? "pair" : "pairs") + " counted once)";
    }
    out += ", " + plural(s.findings, "name") + ": " + std::to_string(s.authorised) +
           " authorised, " + std::to_string(s.unauthorised) + " unauthorised, " +
           std::to_string(s.unknown_issuer) + " unknown-issuer, " + std::to_string(s.unchecked) +
           " unchecked";
    if (s.not_checkable > 0) {
        out += "; " + std::to_string(s.not_checkable) +
               " authorised only under RFC 8657 parameters that a certificate does not show";
    }
    if (s.ca_skipped > 0) {
        out += "; " + plural(s.ca_skipped, "CA certificate") + " skipped";
    }
    if (s.errors > 0) {
        out += "; " + plural(s.errors, "input error");
    }
    return out + "\n";
}

std::string render_audit_summary_json(const audit::Summary& s) {
    auto n = [](const char* key, std::size_t value) {
        return std::string("\"") + key + "\":" + std::to_string(value);
    };
    return "{" + n("certificates", s.certificates) + "," + n("duplicates", s.duplicates) + "," +
           n("ca_skipped", s.ca_skipped) + "," + n("sources", s.sources) + "," +
           n("findings", s.findings) + "," + n("authorised", s.authorised) + "," +
           n("unauthorised", s.unauthorised) + "," + n("unknown_issuer", s.unknown_issuer) + "," +
           n("unchecked", s.unchecked) + "," + n("not_checkable", s.not_checkable) + "," +
           n("errors", s.errors) + "}";
}

} // namespace caapol::output
