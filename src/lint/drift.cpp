// Offline drift: the effective CAA set of each name, found by climbing the loaded zones with
// the one RFC 8659 §3 engine and judged by the one comparison (diff::compare) that verify and
// --fix use; this file only places the verdict on file locations.
#include "caapol/caa/record.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/climb/zone_source.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/lint/lint.hpp"

#include <algorithm>
#include <unordered_set>

namespace caapol::lint {

namespace {

class DriftChecker {
public:
    DriftChecker(const zone::ZoneSet& zones, const policy::Policy& policy,
                 const DriftOptions& options, Diagnostics& diagnostics)
        : zones_(zones), policy_(policy), expectations_(policy), options_(options),
          diagnostics_(diagnostics), source_(zones) {}

    void run() {
        for (const auto& domain : policy_.domains) {
            if (zones_.zone_for(domain.name) == nullptr) {
                unchecked(domain.location, dns_name::absolute(domain.name) +
                                               " is outside every loaded zone: not checked "
                                               "against the policy");
                continue;
            }
            check(domain.name);
        }
        for (const auto& z : zones_.zones) {
            for (const auto& info : z.names) {
                if (info.has_caa() && policy_.find(info.name) == nullptr) {
                    check(std::string(info.name));
                }
            }
        }
        for (const auto& name : options_.names) {
            if (checked_.count(name) > 0) {
                continue;
            }
            if (zones_.zone_for(name) == nullptr) {
                diff::NameResult outside;
                outside.name = name;
                outside.status = diff::Status::error;
                outside.error = dns_name::absolute(name) + " is outside every loaded zone";
                checked_.insert(name);
                verdicts_.push_back(std::move(outside));
                continue;
            }
            check(name);
        }
        std::sort(verdicts_.begin(), verdicts_.end(),
                  [](const diff::NameResult& a, const diff::NameResult& b) {
                      return dns_name::canonical_compare(a.name, b.name) < 0;
                  });
    }

    std::vector<diff::NameResult> take_verdicts() { return std::move(verdicts_); }

private:
    void unchecked(const Location& location, std::string message) {
        diagnostics_.add(options_.strict ? Severity::error : Severity::note, "policy-unchecked",
                         location, std::move(message));
    }

    // Where findings about `name` that sit on no record of its own go: its first CAA record,
    // else its first record (policy domains are remembered by the reader), else the SOA.
    Location anchor(const zone::Zone& z, const zone::NameInfo* info) const {
        if (info != nullptr) {
            return zones_.location(info->has_caa() ? z.caa[info->caa_first].site : info->first);
        }
        return zones_.location(z.has_soa ? z.soa : z.first_record);
    }

    // A wildcard owner "*.x" is checked as the names it answers for see it: the climb starts at
    // the owner itself (a certificate name "*.x" would start at x and miss its records).
    void check(const std::string& name) {
        if (!checked_.insert(name).second) {
            return; // a name in two loaded zones is judged once
        }
        const zone::Zone* z = zones_.zone_for(name);
        if (z == nullptr) {
            return;
        }
        const zone::NameInfo* info = z->find(name);
        const std::string shown = dns_name::absolute(name);
        const bool wildcard_owner = name.rfind("*.", 0) == 0;
        climb::Result climb = climb::climb(source_, name,
                                           wildcard_owner ? climb::Start::owner_name
                                                          : climb::Start::certificate_name);
        const Location here = anchor(*z, info);
        bool from_nowhere = false;
        if (climb.outcome == climb::Outcome::failure) {
            const climb::Step* last = climb.path.empty() ? nullptr : &climb.path.back();
            bool climbed_out = last != nullptr && last->answer.kind == climb::AnswerKind::failure &&
                               zones_.zone_for(last->name) == nullptr &&
                               dns_name::is_at_or_below(name, last->name);
            const policy::Domain* expected = expectations_.expected_for_normalized(name);
            if (climbed_out && expected != nullptr) {
                // No CAA up to the top of the loaded zone. When the expected set belongs above
                // the zone, it may come from there: nothing to say. Otherwise the names between
                // hold none of it: judge the climb as one that found no set.
                if (!dns_name::is_at_or_below(expected->name, z->origin)) {
                    diff::NameResult undecided;
                    undecided.name = name;
                    undecided.status = diff::Status::error;
                    undecided.expected_from = expected->name;
                    undecided.error = "no CAA set up to " + dns_name::absolute(z->origin) +
                                      ", and the zones above it are not loaded";
                    verdicts_.push_back(std::move(undecided));
                    return;
                }
                climb.outcome = climb::Outcome::none;
                climb.reason.clear();
                from_nowhere = true;
            }
        }
        diff::NameResult verdict = diff::compare(expectations_, std::move(climb), true);
        Record record(verdicts_, verdict);
        switch (verdict.status) {
        case diff::Status::unchecked:
            return; // no policy domain covers it: no expectation (policy format v1)
        case diff::Status::error:
            unchecked(here, "cannot check " + shown + " against the policy: " + verdict.error);
            return;
        case diff::Status::ok:
        case diff::Status::drift:
            break;
        }
        if (verdict.own_rrset_of_inherit && info != nullptr) {
            const policy::Domain* own = policy_.find(name);
            for (std::uint32_t i = info->caa_first; i != zone::no_entry; i = z->caa[i].next) {
                diagnostics_.error("policy-inherit", zones_.location(z->caa[i].site),
                                   shown + " must inherit its CAA set (inherit = true at " +
                                       format_location(own->location) +
                                       ") but has records of its own");
            }
            return;
        }
        const policy::Domain* expected = policy_.find(verdict.expected_from);
        std::string from; // where the effective set comes from, when not the name itself
        if (from_nowhere) {
            from = "nowhere in the loaded zones";
        } else if (!verdict.found_at.empty() && verdict.found_at != name) {
            from = dns_name::absolute(verdict.found_at);
        }
        const std::string subject =
            wildcard_owner ? shown + " (the set of the names it synthesizes)" : shown;
        const std::string policy_place =
            (expected->name == name
                 ? std::string("the policy (")
                 : "the policy of " + dns_name::absolute(expected->name) + " (") +
            format_location(expected->location) + ")";
        for (const auto& missing : verdict.difference.missing) {
            std::string message = subject + " lacks " + caa::to_presentation(missing) +
                                  ", required by " + policy_place;
            if (!from.empty()) {
                message += "; its CAA set comes from " + from;
            }
            diagnostics_.error("policy-missing", here, message);
        }
        const auto& actual = verdict.actual;
        std::vector<bool> used(actual.size(), false);
        for (const auto& unexpected : verdict.difference.unexpected) {
            std::size_t k = 0;
            while (k < actual.size() &&
                   (used[k] || !caa::equivalent(actual[k].record, unexpected))) {
                ++k;
            }
            Location where = here;
            std::string message =
                caa::to_presentation(unexpected) + " at " + subject + " is not in " + policy_place;
            if (k < actual.size()) {
                used[k] = true;
                if (from.empty()) {
                    where = actual[k].location;
                } else {
                    message += "; " + shown + " gets it from " + from + " (" +
                               format_location(actual[k].location) + ")";
                }
            }
            diagnostics_.error("policy-unexpected", where, message);
        }
        for (const auto& note : verdict.ttl_notes) {
            diagnostics_.note("policy-ttl", actual[note.record].location,
                              "TTL " + std::to_string(note.ttl) + " differs from " +
                                  std::to_string(expected->ttl) + " in " + policy_place);
        }
    }

    // Keeps a copy of the verdict (without its bulky parts) when the check returns.
    struct Record {
        std::vector<diff::NameResult>& into;
        const diff::NameResult& verdict;
        Record(std::vector<diff::NameResult>& into, const diff::NameResult& verdict)
            : into(into), verdict(verdict) {}
        Record(const Record&) = delete;
        Record& operator=(const Record&) = delete;
        ~Record() {
            diff::NameResult kept;
            kept.name = verdict.name;
            kept.status = verdict.status;
            kept.expected_from = verdict.expected_from;
            kept.relevant_name = verdict.relevant_name;
            kept.found_at = verdict.found_at;
            kept.difference = verdict.difference;
            kept.error = verdict.error;
            into.push_back(std::move(kept));
        }
    };

    const zone::ZoneSet& zones_;
    const policy::Policy& policy_;
    diff::Expectations expectations_;
    const DriftOptions& options_;
    Diagnostics& diagnostics_;
    climb::ZoneSource source_;
    std::unordered_set<std::string> checked_;
    std::vector<diff::NameResult> verdicts_;
};

} // namespace

std::vector<diff::NameResult> check_policy(const zone::ZoneSet& zones, const policy::Policy& policy,
                                           const DriftOptions& options, Diagnostics& diagnostics) {
    DriftChecker checker(zones, policy, options, diagnostics);
    checker.run();
    return checker.take_verdicts();
}

} // namespace caapol::lint
