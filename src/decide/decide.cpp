#include "caapol/decide/decide.hpp"

#include "caapol/caa/record.hpp"
#include "caapol/caa/validate.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>

namespace caapol::decide {

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
    case Verdict::permit:
        return "permit";
    case Verdict::deny:
        return "deny";
    case Verdict::error:
        return "error";
    case Verdict::undecided:
        return "undecided";
    }
    return "error";
}

const char* role_name(Role role) {
    switch (role) {
    case Role::issue:
        return "issue";
    case Role::issuewild:
        return "issuewild";
    case Role::understood:
        return "understood";
    case Role::ignored:
        return "ignored";
    case Role::critical_unknown:
        return "critical-unknown";
    }
    return "ignored";
}

const char* issuance_kind_name(Issuance::Kind kind) {
    switch (kind) {
    case Issuance::Kind::unrestricted:
        return "unrestricted";
    case Issuance::Kind::restricted:
        return "restricted";
    case Issuance::Kind::forbidden:
        return "forbidden";
    case Issuance::Kind::unknown:
        return "unknown";
    }
    return "unknown";
}

namespace {

constexpr std::uint8_t flag_one = 1;

Grant make_grant(std::size_t index, const caa::IssueValue& value) {
    Grant grant;
    grant.record = index;
    grant.issuer = caa::normalize_issuer(value.issuer);
    grant.written_issuer = value.issuer;
    int method_parameters = 0;
    for (const auto& parameter : value.parameters) {
        if (parameter.key.find('-') != std::string::npos && grant.unsatisfiable.empty()) {
            grant.unsatisfiable = "its parameter tag \"" + parameter.key +
                                  "\" has a hyphen, which the RFC 8659 section 4.2 grammar "
                                  "allows but Let's Encrypt refuses as malformed";
        }
        // Parameter keys compare exactly: Boulder ignores "AccountURI=" and so must we, or we
        // would deny where the CA permits.
        if (parameter.key == "accounturi") {
            grant.account_uris.push_back(parameter.value);
        } else if (parameter.key == "validationmethods") {
            ++method_parameters;
            grant.methods_restricted = true;
            for (auto label : text::split(parameter.value, ',')) {
                if (!caa::is_validation_method_label(label) && grant.unsatisfiable.empty()) {
                    grant.unsatisfiable = "validationmethods label \"" + std::string(label) +
                                          "\" is not 1*(ALPHA / DIGIT / \"-\")";
                }
                grant.validation_methods.emplace_back(label);
            }
        }
    }
    if (grant.account_uris.size() > 1) {
        grant.unsatisfiable = "it has " + std::to_string(grant.account_uris.size()) +
                              " accounturi parameters, and no account has two URIs";
    } else if (method_parameters > 1) {
        grant.unsatisfiable = "it has " + std::to_string(method_parameters) +
                              " validationmethods parameters, which Let's Encrypt treats as "
                              "unsatisfiable";
    }
    return grant;
}

std::string quote(const std::string& s) {
    return "\"" + s + "\"";
}

std::string record_text(const RecordInfo& info) {
    return caa::to_presentation(info.record.record);
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

Issuance issuance_for(const std::vector<RecordInfo>& records, Role governing) {
    Issuance issuance;
    issuance.kind = Issuance::Kind::restricted;
    issuance.governing_tag = role_name(governing);
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& info = records[i];
        if (info.role == governing && info.grant && !info.grant->issuer.empty() &&
            info.grant->unsatisfiable.empty()) {
            issuance.grant_records.push_back(i);
        }
    }
    return issuance;
}

bool has_role(const std::vector<RecordInfo>& records, Role role) {
    return std::any_of(records.begin(), records.end(),
                       [role](const RecordInfo& r) { return r.role == role; });
}

// How one grant answers the request of an authorised issuer.
enum class Match { yes, conditional, account_mismatch, method_mismatch };

Match match_restrictions(const Grant& grant, const Request& request) {
    bool conditional = false;
    if (!grant.account_uris.empty()) {
        if (!request.account_uri) {
            conditional = true;
        } else if (grant.account_uris.front() != *request.account_uri) {
            // RFC 8657 §3: simple string comparison.
            return Match::account_mismatch;
        }
    }
    if (grant.methods_restricted) {
        if (!request.method) {
            conditional = true;
        } else if (std::find(grant.validation_methods.begin(), grant.validation_methods.end(),
                             *request.method) == grant.validation_methods.end()) {
            return Match::method_mismatch;
        }
    }
    return conditional ? Match::conditional : Match::yes;
}

} // namespace

std::string describe_restrictions(const Grant& grant) {
    std::vector<std::string> parts;
    if (!grant.account_uris.empty()) {
        parts.push_back("only for account " + join(grant.account_uris, " and "));
    }
    if (grant.methods_restricted) {
        parts.push_back("only by validation methods " + join(grant.validation_methods, ", "));
    }
    return join(parts, "; ");
}

std::vector<RecordInfo> classify(const std::vector<climb::SourcedRecord>& records) {
    std::vector<RecordInfo> out;
    out.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        RecordInfo info;
        info.record = records[i];
        const caa::Record& record = records[i].record;
        info.flag_one = (record.flags & flag_one) != 0;
        info.critical = (record.flags & caa::flag_critical) != 0 || info.flag_one;
        const std::string tag = text::to_lower(record.tag);
        if (tag == "issue" || tag == "issuewild") {
            info.role = tag == "issue" ? Role::issue : Role::issuewild;
            auto parsed = caa::parse_issue_value(record.value);
            if (parsed.value) {
                info.grant = make_grant(i, *parsed.value);
            } else {
                info.malformed = true;
                info.problem = parsed.error.message;
                std::string_view value = record.value;
                info.guessed_issuer =
                    caa::normalize_issuer(text::trim(value.substr(0, value.find(';'))));
            }
        } else if (tag == "iodef") {
            info.role = Role::understood;
        } else {
            info.role = info.critical ? Role::critical_unknown : Role::ignored;
        }
        out.push_back(std::move(info));
    }
    return out;
}

Decision decide(const climb::Result& result, const Request& request) {
    Decision decision;
    const std::string where = result.relevant_name;
    const std::string at = result.found_at != result.relevant_name && !result.found_at.empty()
                               ? where + " (found at " + result.found_at + ")"
                               : where;

    switch (result.outcome) {
    case climb::Outcome::failure:
        decision.non_wildcard.kind = Issuance::Kind::unknown;
        decision.wildcard.kind = Issuance::Kind::unknown;
        decision.verdict = Verdict::error;
        decision.rule = rule::lookup_failed;
        decision.reason = "The CAA lookup failed, so no CA may issue (CA/B BR 3.2.2.8): " +
                          (result.reason.empty() ? std::string("unknown error") : result.reason) +
                          ".";
        return decision;
    case climb::Outcome::none:
        decision.non_wildcard.kind = Issuance::Kind::unrestricted;
        decision.wildcard.kind = Issuance::Kind::unrestricted;
        break;
    case climb::Outcome::found: {
        decision.records = classify(result.records);
        const auto& records = decision.records;
        if (has_role(records, Role::critical_unknown)) {
            decision.non_wildcard.kind = Issuance::Kind::forbidden;
            decision.wildcard.kind = Issuance::Kind::forbidden;
            break;
        }
        if (has_role(records, Role::issue)) {
            decision.non_wildcard = issuance_for(records, Role::issue);
        } else {
            decision.non_wildcard.kind = Issuance::Kind::unrestricted;
        }
        if (has_role(records, Role::issuewild)) {
            decision.wildcard = issuance_for(records, Role::issuewild);
        } else {
            decision.wildcard = decision.non_wildcard;
        }
        break;
    }
    }

    if (!request.ca) {
        decision.verdict = Verdict::undecided;
        decision.rule = rule::report_only;
        decision.reason = "No CA was named (--ca): the authorised issuers are listed above.";
        return decision;
    }
    const std::string ca = caa::normalize_issuer(*request.ca);
    const char* kind = request.wildcard ? "wildcard" : "non-wildcard";

    if (result.outcome == climb::Outcome::none) {
        decision.verdict = Verdict::permit;
        decision.rule = rule::no_caa;
        decision.reason = "No CAA record set exists at " +
                          (result.name.empty() ? std::string(".") : result.name) +
                          " or any parent below the root, so any CA may issue.";
        return decision;
    }

    const auto& records = decision.records;
    const Issuance& issuance = request.wildcard ? decision.wildcard : decision.non_wildcard;

    if (issuance.kind == Issuance::Kind::forbidden) {
        decision.verdict = Verdict::deny;
        decision.rule = rule::critical_unknown_tag;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (records[i].role == Role::critical_unknown) {
                decision.deciding_records.push_back(i);
            }
        }
        const auto& first = records[decision.deciding_records.front()];
        decision.reason = "The record " + record_text(first) + " at " + at +
                          " carries the critical flag" +
                          (first.flag_one && (first.record.record.flags & caa::flag_critical) == 0
                               ? std::string(" (flag 1, which caapol treats as critical, as "
                                             "Let's Encrypt does)")
                               : std::string()) +
                          " on tag " + quote(first.record.record.tag) +
                          ", which a CA need not understand, so no CA may issue.";
        return decision;
    }
    if (issuance.kind == Issuance::Kind::unrestricted) {
        decision.verdict = Verdict::permit;
        decision.rule = rule::no_issue_property;
        decision.reason = "The relevant set at " + at + " has no " +
                          (request.wildcard ? "issue or issuewild" : "issue") +
                          " property, so it restricts no CA for " + kind + " certificates.";
        return decision;
    }

    const Role governing = issuance.governing_tag == "issuewild" ? Role::issuewild : Role::issue;
    std::optional<std::size_t> conditional;
    std::optional<std::size_t> account_mismatch;
    std::optional<std::size_t> method_mismatch;
    std::optional<std::size_t> unsatisfiable;
    std::optional<std::size_t> malformed;
    std::optional<std::size_t> case_mismatch;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& info = records[i];
        if (info.role != governing) {
            continue;
        }
        if (info.malformed) {
            if (!malformed && !ca.empty() && info.guessed_issuer == ca) {
                malformed = i;
            }
            continue;
        }
        if (!info.grant || info.grant->issuer != ca || ca.empty()) {
            continue;
        }
        if (info.grant->written_issuer != ca) {
            // Equal ignoring case (RFC 8659), different bytes (Boulder): deny wins.
            if (!case_mismatch) {
                case_mismatch = i;
            }
            continue;
        }
        if (!info.grant->unsatisfiable.empty()) {
            if (!unsatisfiable) {
                unsatisfiable = i;
            }
            continue;
        }
        switch (match_restrictions(*info.grant, request)) {
        case Match::yes:
            decision.verdict = Verdict::permit;
            decision.rule = rule::issuer_authorised;
            decision.deciding_records = {i};
            decision.reason = "The record " + record_text(info) + " at " + at + " authorises " +
                              ca + " for " + kind + " certificates" +
                              (info.grant->account_uris.empty() && !info.grant->methods_restricted
                                   ? std::string()
                                   : " (" + describe_restrictions(*info.grant) + ")") +
                              ".";
            return decision;
        case Match::conditional:
            if (!conditional) {
                conditional = i;
            }
            break;
        case Match::account_mismatch:
            if (!account_mismatch) {
                account_mismatch = i;
            }
            break;
        case Match::method_mismatch:
            if (!method_mismatch) {
                method_mismatch = i;
            }
            break;
        }
    }

    if (conditional) {
        const auto& info = records[*conditional];
        decision.verdict = Verdict::permit;
        decision.conditional = true;
        decision.rule = rule::issuer_authorised_restricted;
        decision.deciding_records = {*conditional};
        decision.reason = "The record " + record_text(info) + " at " + at + " authorises " + ca +
                          " for " + kind + " certificates, but " +
                          describe_restrictions(*info.grant) +
                          " (give --account-uri and --method to decide exactly).";
        return decision;
    }
    decision.verdict = Verdict::deny;
    if (account_mismatch) {
        const auto& info = records[*account_mismatch];
        decision.rule = rule::accounturi_mismatch;
        decision.deciding_records = {*account_mismatch};
        decision.reason = "The record " + record_text(info) + " at " + at + " authorises " + ca +
                          " only for account " + info.grant->account_uris.front() + ", not " +
                          request.account_uri.value_or("") + ".";
        return decision;
    }
    if (method_mismatch) {
        const auto& info = records[*method_mismatch];
        decision.rule = rule::validationmethods_mismatch;
        decision.deciding_records = {*method_mismatch};
        decision.reason = "The record " + record_text(info) + " at " + at + " authorises " + ca +
                          " only by validation methods " +
                          join(info.grant->validation_methods, ", ") + ", not " +
                          request.method.value_or("") + ".";
        return decision;
    }
    if (unsatisfiable) {
        const auto& info = records[*unsatisfiable];
        decision.rule = rule::record_unsatisfiable;
        decision.deciding_records = {*unsatisfiable};
        decision.reason = "The record " + record_text(info) + " at " + at + " names " + ca +
                          " but authorises nobody: " + info.grant->unsatisfiable + ".";
        return decision;
    }
    if (case_mismatch) {
        const auto& info = records[*case_mismatch];
        decision.rule = rule::issuer_case_mismatch;
        decision.deciding_records = {*case_mismatch};
        decision.reason = "The record " + record_text(info) + " at " + at + " names " + ca +
                          " as \"" + info.grant->written_issuer +
                          "\": RFC 8659 compares issuer domains ignoring case, but Let's "
                          "Encrypt compares them byte for byte (and the grammar has no trailing "
                          "dot), so it authorises nobody there; write \"" +
                          ca + "\".";
        return decision;
    }
    if (malformed) {
        const auto& info = records[*malformed];
        decision.rule = rule::record_malformed;
        decision.deciding_records = {*malformed};
        decision.reason =
            "The record " + record_text(info) + " at " + at + " seems to name " + ca +
            " but is malformed (RFC 8659 section 4.2), so it authorises nobody: " + info.problem +
            ".";
        return decision;
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].role == governing) {
            decision.deciding_records.push_back(i);
        }
    }
    std::vector<std::string> issuers;
    for (auto index : issuance.grant_records) {
        const std::string& issuer = records[index].grant->issuer;
        if (std::find(issuers.begin(), issuers.end(), issuer) == issuers.end()) {
            issuers.push_back(issuer);
        }
    }
    if (issuers.empty()) {
        decision.rule = rule::no_issuer;
        decision.reason = "The " + issuance.governing_tag + " property at " + at +
                          " authorises no CA for " + kind + " certificates.";
        return decision;
    }
    decision.rule = rule::issuer_not_listed;
    decision.reason = ca + " is not among the issuers that the " + issuance.governing_tag +
                      " property at " + at + " authorises for " + kind +
                      " certificates: " + join(issuers, ", ") + ".";
    return decision;
}

} // namespace caapol::decide
