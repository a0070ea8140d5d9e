// caapol import --from ct: certificates into a proposed policy (see ct.hpp for the rules).
#include "caapol/importer/ct.hpp"

#include "caapol/audit/audit.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/core/utc_time.hpp"
#include "caapol/importer/importer.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace caapol::importer {

namespace {

std::string shown(std::string_view name) {
    return text::escape_for_terminal(dns_name::absolute(name));
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The closest of `known` at or above `name` (`self`: including the name itself).
template <typename Map>
const typename Map::mapped_type* closest(const Map& known, std::string_view name, bool self) {
    if (!self) {
        std::size_t dot = name.find('.');
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    while (!name.empty()) {
        auto it = known.find(std::string(name));
        if (it != known.end()) {
            return &it->second;
        }
        std::size_t dot = name.find('.');
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    return nullptr;
}

void add_sorted(std::vector<std::uint32_t>& set, std::uint32_t value) {
    auto it = std::lower_bound(set.begin(), set.end(), value);
    if (it == set.end() || *it != value) {
        set.insert(it, value);
    }
}

void merge_into(std::vector<std::uint32_t>& set, const std::vector<std::uint32_t>& more) {
    for (std::uint32_t v : more) {
        add_sorted(set, v);
    }
}

} // namespace

void CtCollector::Tally::count(const std::string& not_before, const std::string& id,
                               const Location& at) {
    ++certificates;
    if (certificates == 1 || not_before > newest_date) {
        newest_date = not_before;
        newest_id = id;
        newest_location = at;
    }
}

CtCollector::CtCollector(CtOptions options) : options_(std::move(options)) {}

std::uint32_t CtCollector::intern_name(const std::string& name, const Location& at) {
    // find first: emplace would build a node (and copy the name) for every name seen again
    if (auto it = name_index_.find(name); it != name_index_.end()) {
        return it->second;
    }
    auto index = static_cast<std::uint32_t>(names_.size());
    name_index_.emplace(name, index);
    names_.push_back(NameProfile{name, {}, {}, at});
    return index;
}

void CtCollector::add(const audit::Certificate& certificate, Diagnostics& diagnostics) {
    std::int64_t not_before = 0;
    if (!utc_time::parse(certificate.not_before, &not_before)) {
        diagnostics.warning(import_rule, certificate.location,
                            "the certificate has no readable not_before (" +
                                text::quote_excerpt(certificate.not_before, 40) +
                                "): it is left out of the proposal");
        return;
    }
    if (not_before < options_.since) {
        ++before_window_;
        return;
    }
    if (not_before > options_.until) {
        ++after_window_;
        return;
    }
    ++in_window_;
    std::string id;
    if (!certificate.serial.empty()) {
        id = "serial " + certificate.serial;
    }
    if (!certificate.crtsh_id.empty()) {
        id += (id.empty() ? "crt.sh " : ", crt.sh ") + certificate.crtsh_id;
    }
    if (id.empty() && !certificate.sha256.empty()) {
        id = "sha256 " + certificate.sha256.substr(0, 16);
    }
    if (id.empty() && !certificate.tbs_sha256.empty()) {
        id = "tbs_sha256 " + certificate.tbs_sha256.substr(0, 16);
    }
    if (certificate.caa_domains.empty()) {
        std::string issuer =
            certificate.issuer_dn.empty() ? "(no issuer name)" : certificate.issuer_dn;
        Unknown& unknown = unknown_[issuer];
        unknown.tally.count(certificate.not_before, id, certificate.location);
        if (unknown.tally.certificates == 1) {
            unknown.first = certificate.location;
        }
        for (const auto& n : certificate.names) {
            std::string base = n.wildcard ? n.name.substr(2) : n.name;
            unknown.names.push_back(intern_name(base, certificate.location));
        }
        return;
    }
    // The first CAA domain of the issuer's row: the one a CAA record names for this CA.
    const std::string& caa_domain = certificate.caa_domains.front();
    auto [ca, inserted] =
        caa_index_.emplace(caa_domain, static_cast<std::uint32_t>(caa_domains_.size()));
    if (inserted) {
        caa_domains_.push_back(caa_domain);
    }
    Seen seen{ca->second, certificate.not_before, id, certificate.location, {}};
    for (const auto& n : certificate.names) {
        std::string base = n.wildcard ? n.name.substr(2) : n.name;
        std::uint32_t index = intern_name(base, certificate.location);
        add_sorted(n.wildcard ? names_[index].wild : names_[index].issue, ca->second);
        seen.names.push_back(index << 1 | (n.wildcard ? 1U : 0U));
    }
    if (!seen.names.empty()) {
        seen_.push_back(std::move(seen));
    }
}

namespace {

struct ProposedDomain {
    std::string name;
    std::vector<std::uint32_t> issue, wild; // sorted CAA domain indices
    std::vector<std::uint32_t> members;     // name indices
    Location location;
    std::vector<std::string> unknown_comments;
};

} // namespace

CtProposal CtCollector::finish(Diagnostics& diagnostics) {
    CtProposal proposal;
    const std::size_t none = static_cast<std::size_t>(-1);
    std::vector<ProposedDomain> domains;
    std::vector<std::size_t> domain_of(names_.size(), none);
    std::vector<std::pair<std::string, std::uint32_t>> order; // canonical key, name index
    order.reserve(names_.size());
    for (std::uint32_t i = 0; i < names_.size(); ++i) {
        order.emplace_back(dns_name::canonical_sort_key(names_[i].name), i);
    }
    std::sort(order.begin(), order.end());
    std::unordered_map<std::string, std::size_t> by_name; // domain name -> domains
    std::vector<std::string> outside;                     // names under no given domain
    if (!options_.domains.empty()) {
        std::vector<std::pair<std::string, std::string>> given;
        for (const auto& d : options_.domains) {
            given.emplace_back(dns_name::canonical_sort_key(d), d);
        }
        std::sort(given.begin(), given.end());
        given.erase(std::unique(given.begin(), given.end()), given.end());
        for (const auto& [key, name] : given) {
            by_name.emplace(name, domains.size());
            domains.push_back(ProposedDomain{name, {}, {}, {}, {}, {}});
        }
        for (const auto& [key, i] : order) {
            const std::size_t* d = closest(by_name, names_[i].name, true);
            const bool seen = !names_[i].issue.empty() || !names_[i].wild.empty();
            if (d == nullptr) {
                if (seen) {
                    outside.push_back(names_[i].name);
                    diagnostics.warning(import_rule, names_[i].first,
                                        shown(names_[i].name) +
                                            " is under none of the domains given (--names, "
                                            "--origin): the proposal leaves it out");
                }
                continue;
            }
            domain_of[i] = *d;
            if (!seen) {
                continue;
            }
            ProposedDomain& domain = domains[*d];
            merge_into(domain.issue, names_[i].issue);
            merge_into(domain.wild, names_[i].wild);
            if (domain.members.empty()) {
                domain.location = names_[i].first;
            }
            domain.members.push_back(i);
        }
    } else {
        for (const auto& [key, i] : order) {
            const NameProfile& profile = names_[i];
            const std::size_t* above = closest(by_name, profile.name, false);
            if (profile.issue.empty() && profile.wild.empty()) {
                // Seen from unknown issuers only: no evidence for a set of its own.
                domain_of[i] = above != nullptr ? *above : none;
                continue;
            }
            // A side not seen here (no wildcard, or only wildcards) is left to the domain
            // above, as any name not seen is; a side seen must match it exactly.
            auto fits = [](const std::vector<std::uint32_t>& seen,
                           const std::vector<std::uint32_t>& governing) {
                return seen.empty() || seen == governing;
            };
            if (above != nullptr && fits(profile.issue, domains[*above].issue) &&
                fits(profile.wild, domains[*above].wild)) {
                domain_of[i] = *above;
                domains[*above].members.push_back(i);
                continue;
            }
            domain_of[i] = domains.size();
            by_name.emplace(profile.name, domains.size());
            domains.push_back(
                ProposedDomain{profile.name, profile.issue, profile.wild, {i}, profile.first, {}});
        }
    }

    if (seen_.empty()) {
        const std::string after =
            after_window_ > 0 ? ", " + std::to_string(after_window_) + " after now" : "";
        diagnostics.error(
            import_rule, Location{options_.sources, 0, 0},
            in_window_ == 0
                ? "no certificate has a not_before in the window (" +
                      plural(before_window_, "older certificate", "older ones") + after +
                      "): nothing to propose; widen --since"
                : "no certificate of the window has an issuer with a known CAA domain: nothing "
                  "to propose; give --issuers with a CCADB CAA identifiers report");
    }

    if (!seen_.empty() && !options_.domains.empty() &&
        std::none_of(domains.begin(), domains.end(),
                     [](const ProposedDomain& d) { return !d.members.empty(); })) {
        diagnostics.error(import_rule, Location{options_.sources, 0, 0},
                          "no certificate of the window names a domain given (--names, "
                          "--origin): nothing to propose");
    }

    // Tallies per (domain, CAA domain): a certificate counts once per domain and kind.
    struct DomainTallies {
        std::map<std::uint32_t, Tally> issue, wild, either;
    };
    std::vector<DomainTallies> tallies(domains.size());
    std::vector<std::pair<std::size_t, bool>> touched;
    for (const Seen& seen : seen_) {
        touched.clear();
        for (std::uint32_t packed : seen.names) {
            std::size_t d = domain_of[packed >> 1];
            if (d != none) {
                touched.emplace_back(d, (packed & 1U) != 0);
            }
        }
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        std::size_t last = none;
        for (const auto& [d, wildcard] : touched) {
            (wildcard ? tallies[d].wild : tallies[d].issue)[seen.caa_domain].count(
                seen.not_before, seen.id, seen.location);
            if (d != last) {
                tallies[d].either[seen.caa_domain].count(seen.not_before, seen.id, seen.location);
                last = d;
            }
        }
    }

    std::size_t unknown_certificates = 0;
    for (auto& [issuer, unknown] : unknown_) {
        unknown_certificates += unknown.tally.certificates;
        const std::string newest =
            "newest " + unknown.tally.newest_date.substr(0, 10) +
            (unknown.tally.newest_id.empty() ? "" : ", " + unknown.tally.newest_id);
        const std::string count = plural(unknown.tally.certificates, "certificate", "certificates");
        // Per domain: the issuer, with its totals (not counted per domain).
        const std::string what =
            "the unknown issuer \"" + issuer + "\" (" + count + " in all, " + newest + ")";
        diagnostics.warning("unknown-issuer", unknown.first,
                            count + " from the unknown issuer \"" + issuer + "\" (" + newest + ")" +
                                ": its CAA domain is not known, so the proposal does not "
                                "authorise it; give --issuers with a table naming it");
        std::sort(unknown.names.begin(), unknown.names.end());
        unknown.names.erase(std::unique(unknown.names.begin(), unknown.names.end()),
                            unknown.names.end());
        std::map<std::size_t, std::vector<std::string>> per_domain;
        std::vector<std::string> uncovered;
        for (std::uint32_t i : unknown.names) {
            (domain_of[i] != none ? per_domain[domain_of[i]] : uncovered).push_back(names_[i].name);
        }
        auto listed = [](const std::vector<std::string>& names) {
            std::string out;
            for (std::size_t k = 0; k < names.size() && k < 5; ++k) {
                out += (k == 0 ? "" : ", ") + names[k];
            }
            if (names.size() > 5) {
                out += " and " + std::to_string(names.size() - 5) + " more";
            }
            return out;
        };
        for (const auto& [d, names] : per_domain) {
            domains[d].unknown_comments.push_back(
                "NOT authorised: certificates from " + what + " for " + listed(names) +
                "; give --issuers with a table naming its CAA domain");
        }
        if (!uncovered.empty()) {
            proposal.notes.push_back("NOT covered: certificates from " + what + " for " +
                                     listed(uncovered) + ", under no domain of this proposal");
        }
    }

    // The records of each domain.
    for (std::size_t d = 0; d < domains.size(); ++d) {
        ProposedDomain& domain = domains[d];
        output::PolicyEntry entry;
        entry.domain.name = domain.name;
        entry.domain.location = domain.location;
        const bool one_list = domain.issue == domain.wild;
        auto add_list = [&](const char* tag, const std::vector<std::uint32_t>& cas,
                            const std::map<std::uint32_t, Tally>& counted) {
            if (cas.empty()) {
                entry.domain.records.push_back(
                    policy::PolicyRecord{caa::Record{0, tag, ";"}, domain.location});
                entry.record_comments.emplace_back();
                return;
            }
            // Most certificates first, then by name: the main CA leads the list.
            std::vector<std::uint32_t> sorted = cas;
            std::sort(sorted.begin(), sorted.end(), [&](std::uint32_t a, std::uint32_t b) {
                std::size_t na = counted.count(a) > 0 ? counted.at(a).certificates : 0;
                std::size_t nb = counted.count(b) > 0 ? counted.at(b).certificates : 0;
                return na != nb ? na > nb : caa_domains_[a] < caa_domains_[b];
            });
            for (std::uint32_t ca : sorted) {
                auto it = counted.find(ca);
                Location at = it != counted.end() ? it->second.newest_location : domain.location;
                entry.domain.records.push_back(
                    policy::PolicyRecord{caa::Record{0, tag, caa_domains_[ca]}, at});
                if (it == counted.end()) {
                    entry.record_comments.emplace_back();
                    continue;
                }
                const Tally& t = it->second;
                entry.record_comments.push_back(
                    plural(t.certificates, "certificate", "certificates") + ", newest " +
                    t.newest_date.substr(0, 10) + (t.newest_id.empty() ? "" : ", " + t.newest_id));
            }
        };
        if (one_list) {
            add_list("issue", domain.issue, tallies[d].either);
        } else {
            add_list("issue", domain.issue, tallies[d].issue);
            add_list("issuewild", domain.wild, tallies[d].wild);
        }
        if (domain.members.empty()) {
            entry.comments.push_back("no certificate seen at or below it in the window: "
                                     "no CA may issue");
        } else {
            std::vector<std::string> seen_names;
            for (std::uint32_t i : domain.members) {
                const NameProfile& p = names_[i];
                if (!p.issue.empty()) {
                    seen_names.push_back(p.name);
                }
                if (!p.wild.empty()) {
                    seen_names.push_back("*." + p.name);
                }
            }
            std::string names;
            for (std::size_t k = 0; k < seen_names.size() && k < 5; ++k) {
                names += (k == 0 ? "" : ", ") + seen_names[k];
            }
            if (seen_names.size() > 5) {
                names += " and " + std::to_string(seen_names.size() - 5) + " more";
            }
            entry.comments.push_back("seen for " + names);
        }
        if (!one_list && domain.wild.empty()) {
            entry.comments.push_back("no wildcard certificate seen: issuewild = [] refuses them");
        }
        if (!one_list && domain.issue.empty()) {
            entry.comments.push_back("wildcard certificates only: issue = [] refuses the others");
        }
        for (auto& c : domain.unknown_comments) {
            entry.comments.push_back(std::move(c));
        }
        proposal.entries.push_back(std::move(entry));
        for (std::uint32_t i : domain.members) {
            for (std::uint32_t ca : names_[i].issue) {
                proposal.expectations.push_back(
                    CtExpectation{names_[i].name, false, caa_domains_[ca], names_[i].first});
            }
            for (std::uint32_t ca : names_[i].wild) {
                proposal.expectations.push_back(
                    CtExpectation{"*." + names_[i].name, true, caa_domains_[ca], names_[i].first});
            }
        }
    }

    proposal.notes.insert(proposal.notes.begin(),
                          plural(in_window_, "certificate", "certificates") + " in the window, " +
                              plural(before_window_, "older one", "older ones") + " left out" +
                              (after_window_ > 0 ? ", " + std::to_string(after_window_) +
                                                       " with a not_before after now left out"
                                                 : std::string()));
    if (unknown_certificates > 0) {
        proposal.notes.push_back(
            plural(unknown_certificates, "certificate", "certificates") + " from " +
            plural(unknown_.size(), "unknown issuer", "unknown issuers") +
            " authorised nowhere (see the NOT authorised comments and the warnings)");
    }
    if (!outside.empty()) {
        proposal.notes.push_back(plural(outside.size(), "name", "names") +
                                 " under none of the domains given left out (see the warnings)");
    }
    return proposal;
}

void check_proposal(const policy::Policy& policy, const std::vector<CtExpectation>& expectations,
                    std::int64_t now, Diagnostics& diagnostics) {
    audit::Auditor auditor(policy, now);
    audit::Certificate certificate;
    certificate.names.resize(1);
    certificate.caa_domains.resize(1);
    for (const auto& e : expectations) {
        certificate.names[0] = audit::Name{e.name, e.wildcard};
        certificate.caa_domains[0] = e.caa_domain;
        for (const auto& finding : auditor.audit(certificate)) {
            if (finding.outcome->verdict != audit::Verdict::authorised) {
                diagnostics.error(output::cannot_import_rule, e.location,
                                  "internal error: the proposal does not authorise " +
                                      e.caa_domain + " for " + text::escape_for_terminal(e.name) +
                                      ": " + finding.outcome->reason);
            }
        }
    }
}

} // namespace caapol::importer
