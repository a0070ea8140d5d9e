#include "caapol/audit/audit.hpp"

#include "caapol/climb/climb.hpp"
#include "caapol/climb/policy_source.hpp"
#include "caapol/decide/decide.hpp"

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
constexpr std::size_t cache_limit = 1 << 16;

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
    explicit Impl(const policy::Policy& policy) : source(policy) {}
    climb::PolicySource source;
    std::unordered_map<std::string, Cached> cache;
    std::string key;
};

Auditor::Auditor(const policy::Policy& policy, std::int64_t now)
    : policy_(policy), now_(now), impl_(std::make_unique<Impl>(policy)) {}

Auditor::~Auditor() = default;

Auditor::Cached Auditor::decide_name(const std::string& name, bool wildcard,
                                     const std::vector<std::string>& caa_domains) {
    Cached out{};
    // Covered at all? The closest policy domain at or above the name (inherit or not).
    std::string_view base = name;
    if (wildcard) {
        base.remove_prefix(2);
    }
    const policy::Domain* covering = nullptr;
    for (std::string_view n = base; !n.empty();) {
        covering = policy_.find(n);
        if (covering != nullptr) {
            break;
        }
        std::size_t dot = n.find('.');
        n = dot == std::string_view::npos ? std::string_view() : n.substr(dot + 1);
    }
    if (covering == nullptr) {
        out.verdict = Verdict::unchecked;
        out.rule = "not-in-policy";
        out.reason = "No policy domain is at or above " + std::string(base) +
                     ", so the policy says nothing about it.";
        return out;
    }

    const climb::Result result = climb::climb(impl_->source, name);
    auto locate = [&](const decide::Decision& d) {
        if (!d.deciding_records.empty() && d.deciding_records.front() < d.records.size()) {
            out.policy_location = d.records[d.deciding_records.front()].record.location;
        }
        out.policy_domain =
            result.outcome == climb::Outcome::found ? result.relevant_name : covering->name;
        if (out.policy_location.file.empty()) {
            const policy::Domain* domain = policy_.find(out.policy_domain);
            out.policy_location = domain != nullptr ? domain->location : covering->location;
        }
    };

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
                         "CCADB CAA identifiers report), and the policy restricts " +
                         std::string(wildcard ? "wildcard" : "non-wildcard") +
                         " certificates for " + name + " to " +
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

std::vector<Finding> Auditor::audit(const Certificate& certificate) {
    std::vector<Finding> findings;
    findings.reserve(certificate.names.size());
    const bool expired = certificate.not_after_unix != 0 && certificate.not_after_unix < now_;
    for (const auto& name : certificate.names) {
        std::string& key = impl_->key;
        key = name.name;
        key += '\0';
        for (const auto& d : certificate.caa_domains) {
            key += d;
            key += ' ';
        }
        auto it = impl_->cache.find(key);
        if (it == impl_->cache.end()) {
            if (impl_->cache.size() >= cache_limit) {
                impl_->cache.clear();
            }
            it = impl_->cache
                     .emplace(key, decide_name(name.name, name.wildcard, certificate.caa_domains))
                     .first;
        }
        const Cached& c = it->second;
        Finding f;
        f.certificate = &certificate;
        f.name = name.name;
        f.wildcard = name.wildcard;
        f.verdict = c.verdict;
        f.rule = c.rule;
        f.reason = c.reason;
        f.policy_domain = c.policy_domain;
        f.policy_location = c.policy_location;
        f.caa_domain = c.caa_domain;
        f.not_checkable = c.not_checkable;
        f.expired = expired;
        findings.push_back(std::move(f));
    }
    return findings;
}

} // namespace caapol::audit

namespace caapol::audit {

void Summary::count(const Finding& finding) {
    ++findings;
    switch (finding.verdict) {
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
    if (finding.not_checkable) {
        ++not_checkable;
    }
}

} // namespace caapol::audit
