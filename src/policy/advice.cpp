// RFC 8657 advice over a loaded policy: account URIs that no CA will match, staging and
// production accounts, issuer entries listed twice. A pass over the model, after loading.
#include "caapol/caa/issue_value.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/policy/rules.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace caapol::policy {

namespace {

// The ACME servers of CAs whose CAA identifiers are in policies/ca-identifiers.tsv, from the
// CAs' published directory URLs. A host starting with '.' stands for every name below it
// (Sectigo runs several ACME hosts for its resellers; ZeroSSL issues under sectigo.com).
struct AcmeServers {
    const char* issuer; // CAA identifier
    std::vector<const char*> production;
    std::vector<const char*> staging;
};

const std::vector<AcmeServers>& acme_servers() {
    static const std::vector<AcmeServers> table = {
        {"letsencrypt.org",
         {"acme-v02.api.letsencrypt.org"},
         {"acme-staging-v02.api.letsencrypt.org"}},
        {"pki.goog", {"dv.acme-v02.api.pki.goog"}, {"dv.acme-v02.test-api.pki.goog"}},
        {"buypass.com", {"api.buypass.com"}, {"api.test4.buypass.no"}},
        {"buypass.no", {"api.buypass.com"}, {"api.test4.buypass.no"}},
        {"ssl.com", {"acme.ssl.com"}, {}},
        {"sectigo.com", {".sectigo.com", "acme.zerossl.com"}, {}},
    };
    return table;
}

const AcmeServers* servers_of(const std::string& issuer) {
    for (const auto& entry : acme_servers()) {
        if (issuer == entry.issuer) {
            return &entry;
        }
    }
    return nullptr;
}

bool host_in(const std::string& host, const std::vector<const char*>& hosts) {
    for (std::string_view h : hosts) {
        if (h.front() == '.'
                ? (host.size() > h.size() && host.compare(host.size() - h.size(), h.size(), h) == 0)
                : host == h) {
            return true;
        }
    }
    return false;
}

std::string list(const std::vector<const char*>& hosts) {
    std::string out;
    for (std::string_view h : hosts) {
        out +=
            (out.empty() ? "" : ", ") + std::string(h.front() == '.' ? "*" : "") + std::string(h);
    }
    return out;
}

struct Uri {
    std::string scheme; // lower case
    std::string host;   // lower case, without user information and port
};

// The scheme and host of an absolute URI ("https://host:port/path"); empty host when the URI
// has no authority (the loader has checked that it is absolute).
Uri split_uri(std::string_view uri) {
    Uri out;
    std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos) {
        return out;
    }
    out.scheme = text::to_lower(uri.substr(0, colon));
    std::string_view rest = uri.substr(colon + 1);
    if (rest.substr(0, 2) != "//") {
        return out;
    }
    rest.remove_prefix(2);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
        rest.remove_prefix(at + 1);
    }
    if (!rest.empty() && rest.front() == '[') {
        rest = rest.substr(0, rest.find(']') + 1);
    } else {
        rest = rest.substr(0, rest.find(':'));
    }
    out.host = text::to_lower(rest);
    return out;
}

std::string quoted(std::string_view s) {
    return text::quote_excerpt(s);
}

class Advisor {
public:
    explicit Advisor(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

    void domain(const Domain& d) {
        if (nothing_to_advise(d)) {
            return;
        }
        // One list per tag: entries of issue, issuewild, issuemail, issuevmc apart.
        std::vector<std::string> tags;
        for (const auto& r : d.records) {
            std::string tag = text::to_lower(r.record.tag);
            if (caa::is_issue_type(tag) && std::find(tags.begin(), tags.end(), tag) == tags.end()) {
                tags.push_back(tag);
            }
        }
        for (const auto& tag : tags) {
            std::vector<Entry> entries;
            for (const auto& r : d.records) {
                if (text::to_lower(r.record.tag) != tag) {
                    continue;
                }
                auto parsed = caa::parse_issue_value(r.record.value);
                if (parsed.value) {
                    entries.push_back(Entry{&r, *parsed.value});
                }
            }
            check_list(d, tag, entries);
        }
    }

private:
    // Every issue-type list of one entry without parameters (no '='): no entry can repeat
    // another, no account URI to look at. Most domains of a large policy; decided without
    // allocating.
    static bool nothing_to_advise(const Domain& d) {
        static constexpr std::array<std::string_view, 4> issue_tags = {"issue", "issuewild",
                                                                       "issuemail", "issuevmc"};
        std::array<int, issue_tags.size()> count{};
        for (const auto& r : d.records) {
            for (std::size_t i = 0; i < issue_tags.size(); ++i) {
                if (text::iequals(r.record.tag, issue_tags[i])) {
                    if (++count[i] > 1 || r.record.value.find('=') != std::string::npos) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    struct Entry {
        const PolicyRecord* record;
        caa::IssueValue value;
    };

    void report(Severity severity, const char* rule, const Location& where, std::string message) {
        // An entry of [defaults] is in every domain: report it once, at its place.
        if (!reported_.insert({where.file, where.line, where.column, rule}).second) {
            return;
        }
        diagnostics_.add(severity, rule, where, std::move(message));
    }

    void check_list(const Domain& d, const std::string& tag, const std::vector<Entry>& entries) {
        // Linear in the list's length (a policy may list thousands of entries on one name).
        std::unordered_map<std::string, const Entry*> first_of;
        for (const auto& e : entries) {
            auto [it, fresh] = first_of.emplace(caa::canonical_key(e.record->record), &e);
            if (!fresh) {
                const Location& first = it->second->record->location;
                report(Severity::warning, "duplicate-issuer", e.record->location,
                       "domain " + quoted(d.name) + ": " + tag + " lists " +
                           quoted(e.record->record.value) + " twice (first at " +
                           std::to_string(first.line) + ":" + std::to_string(first.column) +
                           "); remove one");
            }
        }
        // Per CA, in order of first appearance: which of its servers the account URIs name.
        std::vector<std::string> issuers;
        std::unordered_map<std::string, std::vector<const Entry*>> by_issuer;
        for (const auto& e : entries) {
            std::string issuer = caa::normalize_issuer(e.value.issuer);
            if (issuer.empty()) {
                continue;
            }
            auto& list = by_issuer[issuer];
            if (list.empty()) {
                issuers.push_back(issuer);
            }
            list.push_back(&e);
        }
        for (const auto& issuer : issuers) {
            check_accounts(d, tag, issuer, by_issuer[issuer]);
        }
    }

    void check_accounts(const Domain& d, const std::string& tag, const std::string& issuer,
                        const std::vector<const Entry*>& entries) {
        const AcmeServers* servers = servers_of(issuer);
        bool any_account = false; // an entry of this CA without accounturi
        const Entry* first_production = nullptr;
        const Entry* first_staging = nullptr;
        for (const Entry* entry : entries) { // this issuer's entries only
            const Entry& e = *entry;
            bool has_account = false;
            for (const auto& p : e.value.parameters) {
                if (!text::iequals(p.key, "accounturi")) {
                    continue;
                }
                has_account = true;
                Uri uri = split_uri(p.value);
                const Location& where = e.record->location;
                if (uri.scheme == "http") {
                    report(Severity::warning, "accounturi-http", where,
                           "accounturi " + quoted(p.value) +
                               " is http://: ACME account URLs are https:// (RFC 8555 section "
                               "6.1) and the CA compares the URI as written, so this entry "
                               "matches no account");
                    continue; // neither a production nor a staging account
                }
                if (servers == nullptr || uri.host.empty()) {
                    continue;
                }
                if (host_in(uri.host, servers->production)) {
                    first_production = first_production ? first_production : &e;
                } else if (host_in(uri.host, servers->staging)) {
                    first_staging = first_staging ? first_staging : &e;
                } else {
                    std::string known = list(servers->production);
                    if (!servers->staging.empty()) {
                        known += ", " + list(servers->staging);
                    }
                    report(Severity::warning, "accounturi-other-ca", where,
                           "accounturi " + quoted(p.value) + " is on " + uri.host +
                               ", not an ACME server of " + issuer + " (" + known + "): " + issuer +
                               " matches no account with it and refuses every request");
                }
            }
            any_account = any_account || !has_account;
        }
        if (servers == nullptr || servers->staging.empty() || any_account) {
            return;
        }
        if (first_staging != nullptr && first_production == nullptr) {
            report(Severity::note, "accounturi-staging", first_staging->record->location,
                   "domain " + quoted(d.name) + ": " + tag + " binds " + issuer +
                       " to staging accounts only (" + list(servers->staging) + "): " + issuer +
                       " refuses every production certificate for this name; add the "
                       "production account unless the name is for tests only");
        } else if (first_production != nullptr && first_staging == nullptr) {
            report(Severity::note, "accounturi-production-only", first_production->record->location,
                   "domain " + quoted(d.name) + ": " + tag + " binds " + issuer +
                       " to production accounts only: test requests to its staging directory (" +
                       list(servers->staging) +
                       ", used by certbot --dry-run) are refused for this name; add an entry "
                       "with the staging account to allow them");
        }
    }

    Diagnostics& diagnostics_;
    std::set<std::tuple<std::string, std::uint32_t, std::uint32_t, std::string>> reported_;
};

} // namespace

void advise(const Policy& policy, Diagnostics& diagnostics) {
    Advisor advisor(diagnostics);
    for (const auto& d : policy.domains) {
        advisor.domain(d);
    }
}

} // namespace caapol::policy
