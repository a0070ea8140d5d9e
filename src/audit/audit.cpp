#include "caapol/audit/audit.hpp"

#include "caapol/climb/climb.hpp"
#include "caapol/climb/policy_source.hpp"
#include "caapol/decide/decide.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace caapol::audit {

const char* verdict_name(Verdict verdict) {
    switch (verdict) {
    case Verdict::authorised:
        return "authorised";
    case Verdict::unauthorised:
        return "unauthorised";
    case Verdict::unknown_issuer:
        return "unknown-issuer";
    case Verdict::unchecked:
        return "unchecked";
    }
    return "unchecked";
}

namespace {

// A CAA issuer identifier no policy can name (".invalid", RFC 6761): asking decide about it
// tells whether the relevant set restricts issuance at all.
constexpr const char* no_issuer = "unknown-issuer.invalid";
constexpr std::size_t name_cache_limit = std::size_t{1} << 18;
constexpr std::size_t outcome_cache_limit = std::size_t{1} << 16;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += i;
    }
    return out;
}

} // namespace

struct Auditor::Impl {
    Impl(const policy::Policy& p, std::int64_t n) : policy(p), now(n), source(p) {}
    const policy::Policy& policy;
    std::int64_t now;
    climb::PolicySource source;
    // Issuer CAA domain lists, numbered.
    std::unordered_map<std::string, std::uint32_t> list_ids;
    std::vector<std::string> last_list;
    std::uint32_t last_list_id = 0;
    bool have_last_list = false;
    // (name, list id) -> outcome; (relevant domain, kind, list id) -> outcome.
    std::unordered_map<std::string, std::uint32_t> by_name;
    std::unordered_map<std::string, std::uint32_t> by_relevant;
    std::vector<std::unique_ptr<Outcome>> outcomes;
    std::string key;
    std::vector<Finding> findings;
    std::vector<std::uint32_t> indices;
    std::uint64_t generation = 0;

    std::uint32_t list_id(const std::vector<std::string>& domains);
    std::uint32_t outcome_for(const std::string& name, bool wildcard,
                              const std::vector<std::string>& domains, std::uint32_t id);
    Outcome decide_name(const climb::Result& result, const policy::Domain* covering, bool wildcard,
                        const std::vector<std::string>& domains) const;
};

Auditor::Auditor(const policy::Policy& policy, std::int64_t now)
    : impl_(std::make_unique<Impl>(policy, now)) {}

Auditor::~Auditor() = default;

std::uint64_t Auditor::generation() const {
    return impl_->generation;
}

std::uint32_t Auditor::Impl::list_id(const std::vector<std::string>& domains) {
    if (have_last_list && domains == last_list) {
        return last_list_id;
    }
    std::string joined;
    for (const auto& d : domains) {
        joined += d;
        joined += ' ';
    }
    auto it = list_ids.try_emplace(joined, static_cast<std::uint32_t>(list_ids.size())).first;
    last_list = domains;
    last_list_id = it->second;
    have_last_list = true;
    return it->second;
}

std::uint32_t Auditor::Impl::outcome_for(const std::string& name, bool wildcard,
                                         const std::vector<std::string>& domains,
                                         std::uint32_t id) {
    key = name;
    key += '\0';
    key += std::to_string(id);
    auto hit = by_name.find(key);
    if (hit != by_name.end()) {
        return hit->second;
    }
    // Covered at all? Format v1's expectation rule (policy::closest_expected, as diff and
    // explain use it): the closest domain at or above the name that publishes records.
    std::string_view base = name;
    if (wildcard) {
        base.remove_prefix(2);
    }
    const policy::Domain* covering = policy.expected_for(base);
    climb::Result result;
    std::string relevant_key;
    if (covering != nullptr) {
        result = climb::climb(source, name);
        // What decide sees of a climb over the policy: where the set is (its records follow
        // from the policy), or, with no set, the name itself (decide's no-caa reason names it).
        relevant_key = result.outcome == climb::Outcome::found  ? "f" + result.relevant_name
                       : result.outcome == climb::Outcome::none ? "n" + result.name
                                                                : "e" + name;
    } else {
        relevant_key = "u";
    }
    relevant_key += wildcard ? "|w|" : "|n|";
    relevant_key += std::to_string(id);
    auto known = by_relevant.find(relevant_key);
    std::uint32_t index;
    if (known != by_relevant.end()) {
        index = known->second;
    } else {
        index = static_cast<std::uint32_t>(outcomes.size());
        outcomes.push_back(
            std::make_unique<Outcome>(decide_name(result, covering, wildcard, domains)));
        by_relevant.emplace(relevant_key, index);
    }
    by_name.emplace(key, index);
    return index;
}

Outcome Auditor::Impl::decide_name(const climb::Result& result, const policy::Domain* covering,
                                   bool wildcard,
                                   const std::vector<std::string>& caa_domains) const {
    Outcome out;
    if (covering == nullptr) {
        out.verdict = Verdict::unchecked;
        out.rule = "not-in-policy";
        out.reason = "No policy domain at or above the name publishes CAA records, so the "
                     "policy says nothing about it.";
        return out;
    }
    auto locate = [&](const decide::Decision& d) {
        if (!d.deciding_records.empty() && d.deciding_records.front() < d.records.size()) {
            out.policy_location = d.records[d.deciding_records.front()].record.location;
        }
        out.policy_domain =
            result.outcome == climb::Outcome::found ? result.relevant_name : covering->name;
        if (out.policy_location.file.empty()) {
            const policy::Domain* domain = policy.find(out.policy_domain);
            out.policy_location = domain != nullptr ? domain->location : covering->location;
        }
    };
    const char* kind = wildcard ? "wildcard" : "non-wildcard";

    if (caa_domains.empty()) {
        decide::Request request;
        request.ca = no_issuer;
        request.wildcard = wildcard;
        const decide::Decision d = decide::decide(result, request);
        locate(d);
        if (d.verdict == decide::Verdict::permit) {
            // The relevant set restricts nobody: any CA may issue, known or not.
            out.verdict = Verdict::authorised;
            out.rule = d.rule;
            out.reason = d.reason;
        } else if (d.rule == decide::rule::critical_unknown_tag ||
                   d.rule == decide::rule::no_issuer) {
            out.verdict = Verdict::unauthorised; // no CA at all may issue
            out.rule = d.rule;
            out.reason = d.reason;
        } else {
            out.verdict = Verdict::unknown_issuer;
            out.rule = "unknown-issuer";
            const decide::Issuance& issuance = wildcard ? d.wildcard : d.non_wildcard;
            std::vector<std::string> allowed;
            for (auto index : issuance.grant_records) {
                const auto& grant = d.records[index].grant;
                if (grant &&
                    std::find(allowed.begin(), allowed.end(), grant->issuer) == allowed.end()) {
                    allowed.push_back(grant->issuer);
                }
            }
            out.reason = "The issuer maps to no CAA identifier domain (give --issuers with a "
                         "CCADB CAA identifiers report), and the " +
                         issuance.governing_tag + " property at " + out.policy_domain +
                         " restricts " + kind + " certificates to " +
                         (allowed.empty() ? std::string("no CA") : join(allowed)) + ".";
        }
        return out;
    }

    std::optional<decide::Decision> denied;
    std::string denied_domain;
    for (const auto& domain : caa_domains) {
        decide::Request request;
        request.ca = domain;
        request.wildcard = wildcard;
        decide::Decision d = decide::decide(result, request);
        if (d.verdict == decide::Verdict::permit) {
            locate(d);
            out.verdict = Verdict::authorised;
            out.rule = d.rule;
            out.reason = d.reason;
            out.caa_domain = domain;
            // RFC 8657 accounturi/validationmethods restrict, and a certificate shows neither.
            out.not_checkable = d.conditional;
            return out;
        }
        if (!denied) {
            denied = std::move(d);
            denied_domain = domain;
        }
    }
    locate(*denied);
    out.verdict = Verdict::unauthorised;
    out.rule = denied->rule;
    out.reason = denied->reason;
    if (caa_domains.size() > 1) {
        out.reason += " (The issuer's other CAA domains, " +
                      join(std::vector<std::string>(caa_domains.begin() + 1, caa_domains.end())) +
                      ", are not authorised either.)";
    }
    out.caa_domain = denied_domain;
    return out;
}

const std::vector<Finding>& Auditor::audit(const Certificate& certificate) {
    Impl& impl = *impl_;
    impl.findings.clear();
    const bool expired = certificate.not_after_unix != 0 && certificate.not_after_unix < impl.now;
    if (certificate.names.empty()) {
        return impl.findings;
    }
    const std::uint32_t id = impl.list_id(certificate.caa_domains);
    // Each name adds at most one entry to each cache: reset them before, never during, a
    // certificate, so that the outcomes its findings point to stay alive.
    if (impl.by_name.size() + certificate.names.size() > name_cache_limit ||
        impl.outcomes.size() + certificate.names.size() > outcome_cache_limit) {
        impl.by_name.clear();
        impl.by_relevant.clear();
        impl.outcomes.clear();
        ++impl.generation;
    }
    std::vector<std::uint32_t>& indices = impl.indices;
    indices.clear();
    for (const auto& name : certificate.names) {
        indices.push_back(impl.outcome_for(name.name, name.wildcard, certificate.caa_domains, id));
    }
    for (std::size_t i = 0; i < certificate.names.size(); ++i) {
        Finding f;
        f.certificate = &certificate;
        f.name = &certificate.names[i];
        f.outcome = impl.outcomes[indices[i]].get();
        f.expired = expired;
        impl.findings.push_back(f);
    }
    return impl.findings;
}

} // namespace caapol::audit

namespace caapol::audit {

void Summary::count(const Finding& finding) {
    ++findings;
    switch (finding.outcome->verdict) {
    case Verdict::authorised:
        ++authorised;
        break;
    case Verdict::unauthorised:
        ++unauthorised;
        break;
    case Verdict::unknown_issuer:
        ++unknown_issuer;
        break;
    case Verdict::unchecked:
        ++unchecked;
        break;
    }
    if (finding.outcome->not_checkable) {
        ++not_checkable;
    }
}

} // namespace caapol::audit
