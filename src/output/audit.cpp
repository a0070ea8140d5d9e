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

// After "NAME": " crt.sh=... issuer=... caa=...", escaped.
std::string certificate_text(const audit::Certificate& c) {
    std::string line = identity(c);
    if (!c.not_before.empty()) {
        line += " not_before=" + c.not_before;
    }
    line += " issuer=" + text::quote_excerpt(c.issuer_dn, 200);
    line += c.caa_domains.empty() ? std::string(" caa=none") : " caa=" + join(c.caa_domains, ",");
    return text::escape_unprintable(line);
}

// After the name (and the expiry note): ": REASON (policy FILE:LINE:COL) [rule]\n", escaped.
std::string outcome_text(const audit::Outcome& f) {
    std::string line = ": " + f.reason;
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

// The JSON members that depend on the certificate only (leading comma).
std::string certificate_json(const audit::Certificate& c) {
    std::string out = ",\"issuer\":" + text::json_string(c.issuer_dn);
    out += ",\"caa_domains\":" + json_list(c.caa_domains);
    out += ",\"issuer_match\":" + text::json_string(audit::issuer_match_name(c.issuer_match));
    out += ",\"serial\":" + text::json_string(c.serial);
    out += ",\"sha256\":" + text::json_string(c.sha256);
    out += ",\"crtsh_id\":" + text::json_string(c.crtsh_id);
    out += ",\"not_before\":" + text::json_string(c.not_before);
    out += ",\"not_after\":" + text::json_string(c.not_after);
    out += std::string(",\"precertificate\":") + (c.precertificate ? "true" : "false");
    out += ",\"source\":" + text::json_string(format_location(c.location));
    return out;
}

// The JSON members that depend on the outcome only (leading comma).
std::string outcome_json(const audit::Outcome& f) {
    std::string out = ",\"verdict\":" + text::json_string(audit::verdict_name(f.verdict));
    out += ",\"rule\":" + text::json_string(f.rule);
    out += ",\"reason\":" + text::json_string(f.reason);
    out += ",\"policy_domain\":" + text::json_string(f.policy_domain);
    out += ",\"policy_location\":" + text::json_string(f.policy_location.file.empty()
                                                           ? std::string()
                                                           : format_location(f.policy_location));
    out += std::string(",\"not_checkable\":") + (f.not_checkable ? "true" : "false");
    return out;
}

void text_line(const audit::Finding& finding, const std::string& certificate_part,
               const std::string& outcome_part, const std::string& location, std::string& out) {
    out += location;
    out += ": ";
    out += audit::verdict_name(finding.outcome->verdict);
    out += ": ";
    out += finding.name->name; // checked: host-name characters only
    out += certificate_part;
    if (finding.expired) {
        out += " (expired " + text::escape_unprintable(finding.certificate->not_after) + ")";
    }
    out += outcome_part;
}

void json_object(const audit::Finding& finding, const std::string& certificate_part,
                 const std::string& outcome_part, std::string& out) {
    out += "{\"name\":";
    out += text::json_string(finding.name->name);
    out += outcome_part;
    out += certificate_part;
    out += finding.expired ? ",\"expired\":true}" : ",\"expired\":false}";
}

} // namespace

std::string render_audit_finding_text(const audit::Finding& finding) {
    std::string out;
    text_line(finding, certificate_text(*finding.certificate), outcome_text(*finding.outcome),
              text::escape_unprintable(format_location(finding.certificate->location)), out);
    return out;
}

std::string render_audit_finding_json(const audit::Finding& finding) {
    std::string out;
    json_object(finding, certificate_json(*finding.certificate), outcome_json(*finding.outcome),
                out);
    return out;
}

void AuditRenderer::text(const audit::Finding& finding, std::string& out) {
    if (!certificate_text_done_) {
        certificate_.text = certificate_text(*finding.certificate);
        location_ = text::escape_unprintable(format_location(finding.certificate->location));
        certificate_text_done_ = true;
    }
    text_line(finding, certificate_.text, outcome_parts(*finding.outcome).text, location_, out);
}

void AuditRenderer::json(const audit::Finding& finding, std::string& out) {
    if (!certificate_json_done_) {
        certificate_.json = certificate_json(*finding.certificate);
        certificate_json_done_ = true;
    }
    json_object(finding, certificate_.json, outcome_parts(*finding.outcome).json, out);
}

const AuditRenderer::Parts& AuditRenderer::outcome_parts(const audit::Outcome& outcome) {
    if (auditor_.generation() != generation_) {
        outcomes_.clear();
        generation_ = auditor_.generation();
    }
    auto it = outcomes_.find(&outcome);
    if (it == outcomes_.end()) {
        it = outcomes_.emplace(&outcome, Parts{outcome_text(outcome), outcome_json(outcome)}).first;
    }
    return it->second;
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
