#include "caapol/output/explain.hpp"

#include "caapol/caa/record.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>

namespace caapol::output {

namespace {

using decide::Issuance;
using decide::Role;
using text::escape_for_terminal;
using text::json_string;

std::string display_name(const std::string& name) {
    return name.empty() ? "." : name;
}

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

bool is_deciding(const decide::Decision& decision, std::size_t index) {
    return std::find(decision.deciding_records.begin(), decision.deciding_records.end(), index) !=
           decision.deciding_records.end();
}

std::string record_notes(const decide::RecordInfo& info) {
    std::vector<std::string> notes;
    if (info.malformed) {
        notes.push_back("malformed, authorises nobody: " + info.problem);
    } else if (info.grant && !info.grant->unsatisfiable.empty()) {
        notes.push_back("authorises nobody: " + info.grant->unsatisfiable);
    } else if (info.grant && info.grant->issuer.empty()) {
        notes.push_back("empty issuer: authorises no CA");
    }
    if (info.role == Role::critical_unknown) {
        notes.push_back(info.flag_one && (info.record.record.flags & caa::flag_critical) == 0
                            ? "unknown tag with flag 1 (treated as critical): no CA may issue"
                            : "critical unknown tag: no CA may issue");
    } else if (info.role == Role::ignored) {
        notes.push_back("tag ignored in decisions");
    }
    std::string out;
    for (const auto& note : notes) {
        out += (out.empty() ? "" : "; ") + note;
    }
    return out;
}

std::string issuance_heading(const Issuance& issuance, bool wildcard,
                             const decide::Decision& decision) {
    std::string heading = wildcard ? "wildcard certificates" : "non-wildcard certificates";
    if (issuance.kind == Issuance::Kind::restricted) {
        heading += " (" + issuance.governing_tag;
        if (wildcard && issuance.governing_tag == "issue") {
            heading += ", no issuewild property";
        }
        heading += ")";
    }
    (void)decision;
    return heading + ":";
}

void text_issuance(std::string& out, const Issuance& issuance, bool wildcard,
                   const decide::Decision& decision, climb::Outcome outcome) {
    out += "  " + issuance_heading(issuance, wildcard, decision);
    switch (issuance.kind) {
    case Issuance::Kind::unknown:
        out += " unknown (the lookup failed)\n";
        return;
    case Issuance::Kind::forbidden:
        out += " no CA (a critical tag is not understood)\n";
        return;
    case Issuance::Kind::unrestricted:
        if (outcome == climb::Outcome::none) {
            out += " any CA (no CAA records)\n";
        } else {
            out += wildcard ? " any CA (no issue or issuewild property)\n"
                            : " any CA (no issue property)\n";
        }
        return;
    case Issuance::Kind::restricted:
        break;
    }
    if (issuance.grant_records.empty()) {
        out += " no CA\n";
        return;
    }
    out += "\n";
    for (auto index : issuance.grant_records) {
        const auto& grant = *decision.records[index].grant;
        out += "    " + escape_for_terminal(grant.issuer);
        std::string restrictions = decide::describe_restrictions(grant);
        if (!restrictions.empty()) {
            out += " (" + escape_for_terminal(restrictions) + ")";
        }
        out += "\n";
    }
}

void text_one(std::string& out, const Explanation& e) {
    const auto& result = e.climb;
    const auto& decision = e.decision;
    out += escape_for_terminal(display_name(result.name)) + "\n";
    out += "  climb:\n";
    for (const auto& step : result.path) {
        out += "    " + escape_for_terminal(display_name(step.name)) + ": " +
               escape_for_terminal(describe_answer(step.answer));
        if (!step.answer.server.empty()) {
            out += " [" + escape_for_terminal(step.answer.server) + "]";
        }
        out += "\n";
    }
    if (e.policy_status == diff::Status::unchecked) {
        out += "  policy: unchecked: no policy domain covers " +
               escape_for_terminal(display_name(result.name)) + " (no expectation)\n";
    } else if (e.policy_status) {
        out += "  policy: " + std::string(diff::status_name(*e.policy_status)) +
               " (policy domain " + escape_for_terminal(e.expected_from) + ")\n";
    }
    switch (result.outcome) {
    case climb::Outcome::failure:
        out += "  lookup failed: " + escape_for_terminal(result.reason) + "\n";
        break;
    case climb::Outcome::none:
        out += "  relevant set: none (no CAA records up to the root)\n";
        break;
    case climb::Outcome::found: {
        out += "  relevant set: " + escape_for_terminal(result.relevant_name);
        if (!result.found_at.empty() && result.found_at != result.relevant_name) {
            out += " (records at " + escape_for_terminal(result.found_at) + ")";
        }
        out += "\n";
        for (std::size_t i = 0; i < decision.records.size(); ++i) {
            const auto& info = decision.records[i];
            out += (is_deciding(decision, i) ? "  > " : "    ") +
                   // Presentation form is printable ASCII with its own escapes: escaping its
                   // backslashes again would show a tab as \\009.
                   text::escape_unprintable(caa::to_presentation(info.record.record));
            if (!info.record.location.file.empty()) {
                out += "  (" + escape_for_terminal(format_location(info.record.location)) + ")";
            }
            out += "\n";
            std::string notes = record_notes(info);
            if (!notes.empty()) {
                out += "        " + text::escape_unprintable(notes) + "\n";
            }
        }
        break;
    }
    }
    text_issuance(out, decision.non_wildcard, false, decision, result.outcome);
    text_issuance(out, decision.wildcard, true, decision, result.outcome);
    if (e.request.ca) {
        out += "  decision for " + escape_for_terminal(*e.request.ca) + ": " +
               decide::verdict_name(decision.verdict) + " [" + decision.rule + "]\n";
        out += "    " + text::escape_unprintable(decision.reason) + "\n";
    }
}

std::string json_optional(const std::optional<std::string>& s) {
    return s ? json_string(*s) : "null";
}

std::string json_strings(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i ? "," : "") + json_string(items[i]);
    }
    return out + "]";
}

std::string json_grant(const decide::Grant& grant) {
    std::string out = "{\"issuer\":" + json_string(grant.issuer);
    out += ",\"accounturi\":" + json_strings(grant.account_uris);
    out += ",\"validationmethods\":" +
           (grant.methods_restricted ? json_strings(grant.validation_methods) : "null");
    return out + "}";
}

std::string json_issuance(const Issuance& issuance, const decide::Decision& decision) {
    std::string out = "{\"kind\":" + json_string(decide::issuance_kind_name(issuance.kind));
    out += ",\"tag\":" + (issuance.governing_tag.empty() ? std::string("null")
                                                         : json_string(issuance.governing_tag));
    out += ",\"issuers\":[";
    for (std::size_t i = 0; i < issuance.grant_records.size(); ++i) {
        out += (i ? "," : "") + json_grant(*decision.records[issuance.grant_records[i]].grant);
    }
    return out + "]}";
}

std::string json_record(const decide::RecordInfo& info, bool deciding) {
    const auto& r = info.record.record;
    std::string out = "{\"flags\":" + std::to_string(r.flags);
    out += ",\"tag\":" + json_string(r.tag);
    out += ",\"value\":" + json_string(r.value);
    out += ",\"ttl\":" + std::to_string(info.record.ttl);
    out += ",\"location\":" + (info.record.location.file.empty()
                                   ? std::string("null")
                                   : json_string(format_location(info.record.location)));
    out += ",\"role\":" + json_string(decide::role_name(info.role));
    out += ",\"critical\":" + std::string(info.critical ? "true" : "false");
    out += ",\"malformed\":" + std::string(info.malformed ? "true" : "false");
    out += ",\"problem\":" + (info.malformed ? json_string(info.problem) : std::string("null"));
    if (info.grant) {
        out += ",\"issuer\":" + json_string(info.grant->issuer);
        out += ",\"accounturi\":" + json_strings(info.grant->account_uris);
        out += ",\"validationmethods\":" + (info.grant->methods_restricted
                                                ? json_strings(info.grant->validation_methods)
                                                : std::string("null"));
        out += ",\"unsatisfiable\":" + (info.grant->unsatisfiable.empty()
                                            ? std::string("null")
                                            : json_string(info.grant->unsatisfiable));
    }
    out += ",\"deciding\":" + std::string(deciding ? "true" : "false");
    return out + "}";
}

std::string json_step(const climb::Step& step) {
    const auto& a = step.answer;
    std::string out = "{\"name\":" + json_string(step.name);
    out += ",\"answer\":" + json_string(climb::answer_kind_name(a.kind));
    if (a.kind == climb::AnswerKind::alias) {
        out += ",\"target\":" + json_string(a.target);
    }
    if (!a.aliases.empty()) {
        out += ",\"aliases\":" + json_strings(a.aliases);
    }
    if (a.kind == climb::AnswerKind::records) {
        out += ",\"records\":" + std::to_string(a.records.size());
    }
    if (!a.reason.empty()) {
        out += ",\"reason\":" + json_string(a.reason);
    }
    out += ",\"server\":" + (a.server.empty() ? std::string("null") : json_string(a.server));
    return out + "}";
}

std::string json_one(const Explanation& e) {
    const auto& result = e.climb;
    const auto& decision = e.decision;
    std::string out = "{\"name\":" + json_string(display_name(result.name));
    out += ",\"wildcard\":" + std::string(e.request.wildcard ? "true" : "false");
    out += ",\"ca\":" + json_optional(e.request.ca);
    out += ",\"account_uri\":" + json_optional(e.request.account_uri);
    out += ",\"method\":" + json_optional(e.request.method);
    out += ",\"decision\":" + (decision.verdict == decide::Verdict::undecided
                                   ? std::string("null")
                                   : json_string(decide::verdict_name(decision.verdict)));
    out += ",\"rule\":" + json_string(decision.rule);
    out += ",\"reason\":" + json_string(decision.reason);
    out += ",\"conditional\":" + std::string(decision.conditional ? "true" : "false");
    if (e.policy_status) {
        out += ",\"policy\":{\"status\":" + json_string(diff::status_name(*e.policy_status)) +
               ",\"expected_from\":" +
               (e.expected_from.empty() ? std::string("null") : json_string(e.expected_from)) + "}";
    }
    out += ",\"outcome\":" + json_string(climb::outcome_name(result.outcome));
    out += ",\"relevant_name\":" + (result.outcome == climb::Outcome::found
                                        ? json_string(result.relevant_name)
                                        : std::string("null"));
    out +=
        ",\"found_at\":" + (result.outcome == climb::Outcome::found ? json_string(result.found_at)
                                                                    : std::string("null"));
    out += ",\"records\":[";
    for (std::size_t i = 0; i < decision.records.size(); ++i) {
        out += (i ? "," : "") + json_record(decision.records[i], is_deciding(decision, i));
    }
    out += "],\"issuers\":{\"non_wildcard\":" + json_issuance(decision.non_wildcard, decision);
    out += ",\"wildcard\":" + json_issuance(decision.wildcard, decision);
    out += "},\"climb\":[";
    for (std::size_t i = 0; i < result.path.size(); ++i) {
        out += (i ? "," : "") + json_step(result.path[i]);
    }
    return out + "]}";
}

} // namespace

std::string describe_answer(const climb::Answer& answer) {
    std::string out;
    switch (answer.kind) {
    case climb::AnswerKind::records:
        out = answer.records.empty() ? "empty (no CAA records)"
                                     : "CAA set (" + plural(answer.records.size(), "record") + ")";
        break;
    case climb::AnswerKind::empty:
        out = "empty (no CAA records)";
        break;
    case climb::AnswerKind::nxdomain:
        out = "NXDOMAIN";
        break;
    case climb::AnswerKind::alias:
        out = "alias -> " + display_name(answer.target);
        break;
    case climb::AnswerKind::failure:
        out = "failure" + (answer.reason.empty() ? std::string() : ": " + answer.reason);
        break;
    }
    if (!answer.aliases.empty()) {
        out += ", via alias";
        for (const auto& alias : answer.aliases) {
            out += " -> " + display_name(alias);
        }
    }
    return out;
}

std::string render_explain_text(const std::vector<Explanation>& explanations) {
    std::string out;
    for (std::size_t i = 0; i < explanations.size(); ++i) {
        if (i > 0) {
            out += "\n";
        }
        text_one(out, explanations[i]);
    }
    return out;
}

std::string render_explain_json(const std::vector<Explanation>& explanations) {
    std::string out = "{\"version\":1,\"results\":[";
    for (std::size_t i = 0; i < explanations.size(); ++i) {
        out += (i ? "," : "") + json_one(explanations[i]);
    }
    return out + "]}\n";
}

} // namespace caapol::output
