#include "caapol/diff/diff.hpp"

#include "caapol/core/dns_name.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

namespace caapol::diff {

const char* status_name(Status status) {
    switch (status) {
    case Status::ok:
        return "ok";
    case Status::drift:
        return "drift";
    case Status::error:
        return "error";
    }
    return "error";
}

namespace {

std::vector<caa::Record> plain(const std::vector<climb::SourcedRecord>& records) {
    std::vector<caa::Record> out;
    out.reserve(records.size());
    for (const auto& r : records) {
        out.push_back(r.record);
    }
    return out;
}

std::string set_key(const std::vector<caa::Record>& records) {
    std::vector<std::string> keys;
    for (const auto& r : records) {
        keys.push_back(caa::canonical_key(r));
    }
    std::sort(keys.begin(), keys.end());
    std::string out;
    for (const auto& k : keys) {
        out += k;
        out.push_back('\n');
    }
    return out;
}

void fill_expectation(const policy::Domain* domain, std::string name, NameResult& out) {
    out.name = std::move(name);
    if (domain != nullptr) {
        out.expected_from = domain->name;
        out.expected = domain->record_set();
        out.expected_ttl = domain->ttl;
    }
}

} // namespace

std::vector<AliasStep> climb_aliases(const climb::Result& result) {
    std::vector<AliasStep> out;
    const std::string* position = nullptr; // the climb position the current step belongs to
    bool following = false; // the previous answer was an alias: this step asks its target
    for (const auto& step : result.path) {
        if (!following || position == nullptr) {
            position = &step.name;
        }
        const climb::Answer& answer = step.answer;
        std::string end;
        if (answer.kind == climb::AnswerKind::alias) {
            end = dns_name::normalize(answer.target);
        } else if (!answer.aliases.empty()) {
            end = dns_name::normalize(answer.aliases.back());
        }
        if (!end.empty()) {
            if (out.empty() || out.back().name != *position) {
                out.push_back(AliasStep{*position, std::move(end)});
            } else {
                out.back().target = std::move(end);
            }
        }
        following = answer.kind == climb::AnswerKind::alias;
    }
    return out;
}

Expectations::Expectations(const policy::Policy& policy) : policy_(policy) {
    by_name_.reserve(policy.domains.size());
    for (const auto& domain : policy.domains) {
        by_name_.emplace(domain.name, &domain);
    }
}

const policy::Domain* Expectations::find_normalized(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

const policy::Domain* Expectations::find(std::string_view name) const {
    if (dns_name::is_normalized(name)) {
        return find_normalized(name);
    }
    return find_normalized(dns_name::normalize(name));
}

const policy::Domain* Expectations::expected_for(std::string_view name) const {
    if (dns_name::is_normalized(name)) {
        return expected_for_normalized(name);
    }
    return expected_for_normalized(dns_name::normalize(name));
}

const policy::Domain* Expectations::expected_for_normalized(std::string_view name) const {
    return policy::closest_expected(
        name, [this](std::string_view normalized) { return find_normalized(normalized); });
}

NameResult compare(const policy::Policy& policy, const climb::Result& actual, bool ttl_notes) {
    Expectations expectations(policy);
    return compare(expectations, actual, ttl_notes);
}

NameResult compare(Expectations& expectations, const climb::Result& actual, bool ttl_notes) {
    climb::Result copy = actual;
    return compare(expectations, std::move(copy), ttl_notes);
}

NameResult compare(Expectations& expectations, climb::Result&& actual, bool ttl_notes) {
    NameResult out;
    // Climbs normalize their names: no check needed.
    const policy::Domain* own = expectations.find_normalized(actual.name);
    const policy::Domain* expected = expectations.expected_for_normalized(actual.name);
    // An inherit domain must own no CAA RRset, even one equal to what it would inherit. (An
    // alias owns none: the set found through it is compared like any other.)
    bool own_rrset_of_inherit =
        own != nullptr && own->inherit && actual.outcome == climb::Outcome::found &&
        actual.relevant_name == actual.name && actual.found_at == actual.name;
    fill_expectation(expected, std::move(actual.name), out); // actual.name is gone from here
    out.aliases = climb_aliases(actual);                     // before the names leave the path
    out.path.reserve(actual.path.size());
    out.dnssec = std::move(actual.dnssec);
    if (out.dnssec.state != dnssec::State::off) {
        for (auto& step : actual.path) {
            out.step_dnssec.emplace_back(step.name, std::move(step.answer.dnssec));
        }
    }
    for (auto& step : actual.path) {
        out.path.push_back(std::move(step.name));
    }
    if (actual.outcome == climb::Outcome::failure) {
        out.status = Status::error;
        out.error = std::move(actual.reason);
        return out;
    }
    out.actual = std::move(actual.records);
    out.relevant_name = std::move(actual.relevant_name);
    out.found_at = std::move(actual.found_at);
    // Identical records in the same order are equivalent: skip the canonical comparison
    // (the common case when checking many names against one policy).
    bool identical = out.expected.size() == out.actual.size();
    for (std::size_t i = 0; identical && i < out.expected.size(); ++i) {
        identical = out.expected[i] == out.actual[i].record;
    }
    if (!identical) {
        out.difference = caa::compare_sets(out.expected, plain(out.actual));
    }
    out.status = out.difference.empty() ? Status::ok : Status::drift;

    if (own_rrset_of_inherit) {
        out.status = Status::drift;
        out.notes.push_back("the policy says inherit = true, but " + out.name +
                            " has a CAA RRset of its own");
    }
    if (ttl_notes && !out.expected_from.empty()) {
        std::map<std::uint32_t, int> seen;
        for (const auto& r : out.actual) {
            if (r.ttl != out.expected_ttl && seen[r.ttl]++ == 0) {
                out.notes.push_back("TTL " + std::to_string(r.ttl) + " at " + out.found_at +
                                    ", the policy says " + std::to_string(out.expected_ttl));
            }
        }
    }
    return out;
}

NameResult compare_servers(const policy::Policy& policy, const std::string& name,
                           std::vector<ServerView> views) {
    NameResult out;
    fill_expectation(policy.expected_for(name), dns_name::normalize(name), out);
    if (views.empty()) {
        out.status = Status::error;
        out.error = "no authoritative server found for " + out.name;
        return out;
    }
    bool any_error = false;
    bool any_drift = false;
    const NameResult* shown = nullptr;
    std::vector<NameResult> per_server;
    per_server.reserve(views.size());
    for (auto& view : views) {
        NameResult one = compare(policy, view.result, true);
        view.status = one.status;
        view.difference = one.difference;
        any_error = any_error || one.status == Status::error;
        any_drift = any_drift || one.status == Status::drift;
        per_server.push_back(std::move(one));
    }
    for (const auto& one : per_server) {
        if (shown == nullptr || (shown->status == Status::ok && one.status != Status::ok)) {
            shown = &one;
        }
    }
    out.actual = shown->actual;
    out.relevant_name = shown->relevant_name;
    out.found_at = shown->found_at;
    out.path = shown->path;
    out.aliases = shown->aliases;
    out.step_dnssec = shown->step_dnssec;
    for (const auto& one : per_server) {
        dnssec::combine(out.dnssec, one.dnssec);
    }
    out.difference = shown->difference;
    for (std::size_t i = 0; i < per_server.size(); ++i) {
        for (const auto& note : per_server[i].notes) {
            out.notes.push_back(views[i].server + ": " + note);
        }
        if (per_server[i].status == Status::error) {
            if (!out.error.empty()) {
                out.error += "; ";
            }
            out.error += per_server[i].error;
        }
    }
    // Servers that answered but disagree with each other.
    std::string first_key;
    bool have_first = false;
    for (const auto& view : views) {
        if (view.result.outcome == climb::Outcome::failure) {
            continue;
        }
        std::string key = set_key(plain(view.result.records));
        if (!have_first) {
            first_key = key;
            have_first = true;
        } else if (key != first_key) {
            out.servers_disagree = true;
        }
    }
    if (out.servers_disagree) {
        out.notes.push_back("the authoritative servers disagree with each other (see the "
                            "serials: a secondary may be stale)");
    }
    out.status = any_error ? Status::error : any_drift ? Status::drift : Status::ok;
    out.servers = std::move(views);
    return out;
}

std::string describe(const Unfixable& u) {
    std::string out = u.name + ": not fixable here: ";
    const std::string alias_of = "an alias (CNAME or DNAME) of " + u.target;
    bool itself = u.alias == u.name || "*." + u.alias == u.name;
    switch (u.why) {
    case Unfixable::Why::search_stops_at_alias:
        out += itself ? u.alias + " is " + alias_of
                      : "its CAA search stops at " + u.alias + ", " + alias_of;
        out += ", whose CAA set is not the policy's";
        break;
    case Unfixable::Why::expected_at_alias:
        out += itself ? u.alias + " is " + alias_of + " and cannot hold the policy's CAA records"
                      : "the policy's set for it belongs at " + u.alias + ", " + alias_of +
                            ", which cannot hold CAA records";
        break;
    }
    if (!u.server.empty()) {
        out += " (at " + u.server + ")";
    }
    return out + "; change the alias or " + u.target + "'s CAA records";
}

Fixes fixes(const policy::Policy& policy, const std::vector<NameResult>& results) {
    // Every alias any climb met, and which names are ok as they are.
    std::unordered_map<std::string, std::string> alias_target;
    std::unordered_map<std::string, bool> ok;
    auto learn = [&](const std::vector<AliasStep>& aliases) {
        for (const auto& a : aliases) {
            alias_target.emplace(a.name, a.target);
        }
    };
    for (const auto& result : results) {
        learn(result.aliases);
        for (const auto& view : result.servers) {
            learn(climb_aliases(view.result));
        }
        ok[result.name] = result.status == Status::ok;
    }

    // One view of a drifted name: the resolvers' climb, or one drifted server's.
    struct View {
        std::string relevant_name;
        std::vector<AliasStep> aliases;
        std::string server;
    };
    Fixes out;
    std::map<std::string, policy::Domain> by_name;
    for (const auto& result : results) {
        if (result.status != Status::drift) {
            continue;
        }
        std::vector<View> views;
        if (result.servers.empty()) {
            views.push_back(View{result.relevant_name, result.aliases, {}});
        }
        for (const auto& view : result.servers) {
            if (view.status == Status::drift) {
                views.push_back(
                    View{view.result.relevant_name, climb_aliases(view.result), view.server});
            }
        }
        const std::string& expected = result.expected_from;
        // The expected domain's set is written unless it is an alias whose own set is already
        // right (then deleting what stops the search below it is enough).
        bool write_expected = !expected.empty();
        std::optional<Unfixable> blocked;
        for (const auto& view : views) {
            if (blocked) {
                break;
            }
            const std::string& owner = view.relevant_name;
            auto at_owner = std::find_if(view.aliases.begin(), view.aliases.end(),
                                         [&](const AliasStep& a) { return a.name == owner; });
            if (!owner.empty() && at_owner != view.aliases.end() &&
                (expected.empty() || dns_name::is_at_or_below(owner, expected))) {
                blocked = Unfixable{result.name, Unfixable::Why::search_stops_at_alias, owner,
                                    at_owner->target, view.server};
            }
        }
        if (!blocked && !expected.empty()) {
            if (auto alias = alias_target.find(expected); alias != alias_target.end()) {
                if (auto own = ok.find(expected); own != ok.end() && own->second) {
                    write_expected = false;
                } else {
                    blocked = Unfixable{result.name,
                                        Unfixable::Why::expected_at_alias,
                                        expected,
                                        alias->second,
                                        {}};
                }
            }
        }
        if (blocked) {
            out.unfixable.push_back(std::move(*blocked));
            continue;
        }
        if (write_expected) {
            if (const policy::Domain* domain = policy.find(expected)) {
                by_name[domain->name] = *domain;
            }
        }
        // A set found below the expected domain (or anywhere, without an expectation) is
        // one the policy does not want: delete it.
        for (const auto& view : views) {
            const std::string& owner = view.relevant_name;
            if (owner.empty() || owner == expected) {
                continue;
            }
            if (!expected.empty() && !dns_name::is_at_or_below(owner, expected)) {
                continue; // found above the expected domain: adding the expected set fixes it
            }
            if (by_name.count(owner) == 0) {
                policy::Domain remove;
                remove.name = owner;
                remove.inherit = true;
                by_name[owner] = remove;
            }
        }
    }
    for (auto& entry : by_name) {
        out.domains.push_back(std::move(entry.second));
    }
    std::sort(out.domains.begin(), out.domains.end(),
              [](const policy::Domain& a, const policy::Domain& b) {
                  return dns_name::canonical_compare(a.name, b.name) < 0;
              });
    return out;
}

} // namespace caapol::diff
