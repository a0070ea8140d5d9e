// Rendering of `caapol audit` findings: text lines, JSON objects (one per finding: the json
// format's array elements and the jsonl format's lines), the summary.
#pragma once

#include "caapol/audit/audit.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace caapol::output {

// "SOURCE:LINE:COL: VERDICT: NAME ...: REASON (policy FILE:LINE:COL) [rule]\n", escaped for a
// terminal.
std::string render_audit_finding_text(const audit::Finding& finding);
// One JSON object, no trailing newline.
std::string render_audit_finding_json(const audit::Finding& finding);
// "audited N certificates ...: A authorised, U unauthorised, ...\n"
std::string render_audit_summary_text(const audit::Summary& summary);
// {"certificates":N,...}
std::string render_audit_summary_json(const audit::Summary& summary);

// The same renderings, for millions of findings: the parts that depend only on the certificate
// or only on the outcome are rendered once and reused. Call new_certificate() before the
// findings of each certificate (the reader reuses one Certificate object).
class AuditRenderer {
public:
    explicit AuditRenderer(const audit::Auditor& auditor) : auditor_(auditor) {}
    void new_certificate() {
        certificate_text_done_ = false;
        certificate_json_done_ = false;
    }
    // Appends the rendering of `finding` to `out`.
    void text(const audit::Finding& finding, std::string& out);
    void json(const audit::Finding& finding, std::string& out);

private:
    struct Parts {
        std::string text, json;
    };
    const Parts& outcome_parts(const audit::Outcome& outcome);
    const audit::Auditor& auditor_;
    bool certificate_text_done_ = false;
    bool certificate_json_done_ = false;
    Parts certificate_;
    std::string location_;
    std::uint64_t generation_ = 0;
    std::unordered_map<const audit::Outcome*, Parts> outcomes_;
};

} // namespace caapol::output
