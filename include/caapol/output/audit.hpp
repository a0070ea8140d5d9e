// Rendering of `caapol audit` findings: text lines, JSON objects (one per finding: the json
// format's array elements and the jsonl format's lines), the summary.
#pragma once

#include "caapol/audit/audit.hpp"

#include <string>

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

} // namespace caapol::output
