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
    case Status::unchecked:
        return "unchecked";
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

// `to = from` element by element: the strings of `to` keep their memory.
template <typename To, typename From, typename Assign>
void assign_each(std::vector<To>& to, const std::vector<From>& from, Assign assign) {
    if (to.size() > from.size()) {
        to.resize(from.size());
    }
    for (std::size_t i = 0; i < from.size(); ++i) {
        if (i == to.size()) {
            to.emplace_back();
        }
        assign(to[i], from[i]);
    }
}

// The name and what the policy expects of it (nothing when `domain` is null), assigned in
// place.
void fill_expectation(const policy::Domain* domain, std::string_view name, NameResult& out) {
    out.name.assign(name);
    if (domain != nullptr) {
        out.expected_from.assign(domain->name);
        assign_each(out.expected, domain->records,
                    [](caa::Record& to, const policy::PolicyRecord& from) { to = from.record; });
        out.expected_ttl = domain->ttl;
    } else {
        out.expected_from.clear();
        out.expected.clear();
        out.expected_ttl = 0;
    }
}

} // namespace

std::vector<AliasStep> climb_aliases(const climb::Result& result) {
    std::vector<AliasStep> out;
    climb_aliases_into(result, out);
    return out;
}

void climb_aliases_into(const climb::Result& result, std::vector<AliasStep>& out) {
    out.clear();
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

NameResult compare(const Expectations& expectations, const climb::Result& actual, bool ttl_notes) {
    NameResult out;
    compare_into(expectations, actual, ttl_notes, out);
    return out;
}

void compare_into(const Expectations& expectations, const climb::Result& actual, bool ttl_notes,
                  NameResult& out) {
    // Every member of `out` is assigned below, so that a recycled result carries nothing of
    // the name before. (A new member changes the size: then assign it here.)
#ifdef __GLIBCXX__
    static_assert(sizeof(void*) != 8 || sizeof(NameResult) == 552,
                  "NameResult changed: compare_into must assign the new member");
#endif
    // Climbs normalize their names: no check needed.
    const policy::Domain* own = expectations.find_normalized(actual.name);
    const policy::Domain* expected = expectations.expected_for_normalized(actual.name);
    const bool inherit = own != nullptr && own->inherit;
    // The records are the name's own: found at the name itself, not through an alias or a
    // wildcard. (An alias owns none: a set found through it is compared like any other.)
    const bool owns_records = actual.outcome == climb::Outcome::found &&
                              actual.relevant_name == actual.name && actual.found_at == actual.name;
    fill_expectation(expected, actual.name, out);
    out.status = Status::error;
    climb_aliases_into(actual, out.aliases);
    out.dnssec = actual.dnssec;
    out.step_dnssec.clear();
    if (out.dnssec.state != dnssec::State::off) {
        for (const auto& step : actual.path) {
            out.step_dnssec.emplace_back(step.name, step.answer.dnssec);
        }
    }
    assign_each(out.path, actual.path,
                [](std::string& to, const climb::Step& from) { to.assign(from.name); });
    out.difference.missing.clear();
    out.difference.unexpected.clear();
    out.notes.clear();
    out.ttl_notes.clear();
    out.own_rrset_of_inherit = false;
    out.error.clear();
    out.servers.clear();
    out.servers_disagree = false;
    out.dnssec_warning.clear();
    // Format v1: a name that no policy domain covers has no expectation. An inherit domain
    // without one above still says "no RRset of your own".
    const bool checked = expected != nullptr || inherit;
    if (actual.outcome == climb::Outcome::failure) {
        out.actual.clear();
        out.relevant_name.clear();
        out.found_at.clear();
        out.error.assign(actual.reason);
        if (checked) {
            out.status = Status::error;
        } else {
            out.status = Status::unchecked;
            out.notes.push_back("the lookup failed: " + out.error);
        }
        return;
    }
    out.actual = actual.records;
    out.relevant_name.assign(actual.relevant_name);
    out.found_at.assign(actual.found_at);
    if (!checked) {
        out.status = Status::unchecked;
        return;
    }
    out.own_rrset_of_inherit = inherit && owns_records;
    if (expected != nullptr) {
        // Identical records in the same order are equivalent: skip the canonical comparison
        // (the common case when checking many names against one policy).
        bool identical = out.expected.size() == out.actual.size();
        for (std::size_t i = 0; identical && i < out.expected.size(); ++i) {
            identical = out.expected[i] == out.actual[i].record;
        }
        if (!identical) {
            out.difference = caa::compare_sets(out.expected, plain(out.actual));
        }
    }
    out.status = out.difference.empty() ? Status::ok : Status::drift;
    if (out.own_rrset_of_inherit) {
        out.status = Status::drift;
        out.notes.push_back("the policy says inherit = true, but " + out.name +
                            " has a CAA RRset of its own");
    } else if (expected == nullptr) {
        out.status = Status::unchecked; // inherit, no set of its own, nothing above to compare
        return;
    }
    if (ttl_notes && expected != nullptr && owns_records) {
        std::map<std::uint32_t, int> seen;
        for (std::size_t i = 0; i < out.actual.size(); ++i) {
            const auto& r = out.actual[i];
            if (r.ttl == out.expected_ttl) {
                continue;
            }
            out.ttl_notes.push_back(TtlNote{i, r.ttl});
            if (seen[r.ttl]++ == 0) {
                out.notes.push_back("TTL " + std::to_string(r.ttl) + " at " + out.found_at +
                                    ", the policy says " + std::to_string(out.expected_ttl));
            }
        }
    }
}

NameResult compare_servers(const Expectations& expectations, const std::string& name,
                           std::vector<ServerView> views) {
    NameResult out;
    const std::string normalized = dns_name::normalize(name);
    fill_expectation(expectations.expected_for_normalized(normalized), normalized, out);
    const policy::Domain* own = expectations.find_normalized(normalized);
    const bool checked = !out.expected_from.empty() || (own != nullptr && own->inherit);
    if (views.empty()) {
        out.status = checked ? Status::error : Status::unchecked;
        out.error = "no authoritative server found for " + out.name;
        return out;
    }
    bool any_error = false;
    bool any_drift = false;
    const NameResult* shown = nullptr;
    std::vector<NameResult> per_server;
    per_server.reserve(views.size());
    for (auto& view : views) {
        NameResult one = compare(expectations, view.result, true);
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
    out.ttl_notes = shown->ttl_notes;
    out.own_rrset_of_inherit = shown->own_rrset_of_inherit;
    for (std::size_t i = 0; i < per_server.size(); ++i) {
        for (const auto& note : per_server[i].notes) {
            out.notes.push_back(views[i].server + ": " + note);
        }
        if (!per_server[i].error.empty()) {
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
    out.status = !checked    ? Status::unchecked
                 : any_error ? Status::error
                 : any_drift ? Status::drift
                             : Status::ok;
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
    case Unfixable::Why::no_replacement:
        out += "deleting the CAA set of " + u.alias +
               " (inherit = true) would leave it with no CAA set at all: no policy domain above "
               "it has records to take its place";
        if (!u.server.empty()) {
            out += " (at " + u.server + ")";
        }
        return out + "; give the policy a domain above it, or remove inherit";
    case Unfixable::Why::wildcard_shared:
        out += "its CAA set comes from the wildcard " + u.alias + ", whose set is right for " +
               u.target + " (checked in this run): deleting it would change that name's answer";
        if (!u.server.empty()) {
            out += " (at " + u.server + ")";
        }
        return out + "; add a policy domain for the name, or change the wildcard by hand";
    }
    if (!u.server.empty()) {
        out += " (at " + u.server + ")";
    }
    return out + "; change the alias or " + u.target + "'s CAA records";
}

namespace {

// The owner of the set a climb found: the wildcard that synthesized it, else the climb position.
const std::string& set_owner(const std::string& relevant_name, const std::string& found_at) {
    bool wildcard = found_at.rfind("*.", 0) == 0 && found_at != relevant_name;
    return wildcard ? found_at : relevant_name;
}

} // namespace

Fixes fixes(const Expectations& expectations, const std::vector<NameResult>& results) {
    // Every alias any climb met, which names are ok as they are, and which ok names get their
    // set from a wildcard.
    std::unordered_map<std::string, std::string> alias_target;
    std::unordered_map<std::string, bool> ok;
    std::unordered_map<std::string, std::string> wildcard_user;
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
        if (result.status == Status::ok &&
            &set_owner(result.relevant_name, result.found_at) == &result.found_at) {
            wildcard_user.emplace(result.found_at, result.name);
        }
    }

    // One view of a drifted name: the resolvers' climb, or one drifted server's.
    struct View {
        std::string relevant_name;
        std::string found_at;
        std::vector<AliasStep> aliases;
        std::string server;
    };
    Fixes out;
    std::map<std::string, policy::Domain> by_name;
    for (const auto& result : results) {
        // Only drift is repaired: never an unchecked name (no expectation), never an error.
        if (result.status != Status::drift) {
            continue;
        }
        std::vector<View> views;
        if (result.servers.empty()) {
            views.push_back(View{result.relevant_name, result.found_at, result.aliases, {}});
        }
        for (const auto& view : result.servers) {
            if (view.status == Status::drift) {
                views.push_back(View{view.result.relevant_name, view.result.found_at,
                                     climb_aliases(view.result), view.server});
            }
        }
        const std::string& expected = result.expected_from;
        if (expected.empty()) {
            // An inherit domain owning a set, with nothing above it in the policy.
            out.unfixable.push_back(
                Unfixable{result.name, Unfixable::Why::no_replacement, result.name, {}, {}});
            continue;
        }
        // The expected domain's set is written unless its own result is ok (then only what
        // stops the search below it goes).
        bool write_expected = true;
        if (auto own = ok.find(expected); own != ok.end() && own->second) {
            write_expected = false;
        }
        std::optional<Unfixable> blocked;
        for (const auto& view : views) {
            if (blocked) {
                break;
            }
            const std::string& owner = view.relevant_name;
            auto at_owner = std::find_if(view.aliases.begin(), view.aliases.end(),
                                         [&](const AliasStep& a) { return a.name == owner; });
            if (!owner.empty() && at_owner != view.aliases.end() &&
                dns_name::is_at_or_below(owner, expected)) {
                blocked = Unfixable{result.name, Unfixable::Why::search_stops_at_alias, owner,
                                    at_owner->target, view.server};
            }
        }
        if (!blocked) {
            if (auto alias = alias_target.find(expected); alias != alias_target.end()) {
                if (write_expected) {
                    blocked = Unfixable{result.name,
                                        Unfixable::Why::expected_at_alias,
                                        expected,
                                        alias->second,
                                        {}};
                }
            }
        }
        // A set found below the expected domain is one the policy does not want: delete it, and
        // the expected domain's set takes its place.
        std::vector<std::string> deletions;
        for (const auto& view : views) {
            if (blocked) {
                break;
            }
            const std::string& owner = set_owner(view.relevant_name, view.found_at);
            if (owner.empty() || owner == expected || !dns_name::is_at_or_below(owner, expected)) {
                continue; // found above the expected domain: adding the expected set fixes it
            }
            if (auto user = wildcard_user.find(owner); user != wildcard_user.end()) {
                blocked = Unfixable{result.name, Unfixable::Why::wildcard_shared, owner,
                                    user->second, view.server};
                break;
            }
            deletions.push_back(owner);
        }
        if (blocked) {
            out.unfixable.push_back(std::move(*blocked));
            continue;
        }
        if (write_expected) {
            if (const policy::Domain* domain = expectations.find(expected)) {
                by_name[domain->name] = *domain;
            }
        }
        for (const auto& owner : deletions) {
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
