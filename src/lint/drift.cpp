// Offline drift: the effective CAA set of each name, found by climbing the loaded zones with
// the one RFC 8659 §3 engine, against the policy's expected set.
#include "caapol/caa/record.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/climb/zone_source.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/lint/lint.hpp"

#include <unordered_set>

namespace caapol::lint {

namespace {

class DriftChecker {
public:
    DriftChecker(const zone::ZoneSet& zones, const policy::Policy& policy,
                 const DriftOptions& options, Diagnostics& diagnostics)
        : zones_(zones), policy_(policy), options_(options), diagnostics_(diagnostics),
          source_(zones) {}

    void run() {
        for (const auto& domain : policy_.domains) {
            if (zones_.zone_for(domain.name) == nullptr) {
                unchecked(domain.location, dns_name::absolute(domain.name) +
                                               " is outside every loaded zone: not checked "
                                               "against the policy");
                continue;
            }
            check(domain.name, &domain);
        }
        for (const auto& z : zones_.zones) {
            for (const auto& info : z.names) {
                if (info.has_caa() && policy_.find(info.name) == nullptr) {
                    check(std::string(info.name), nullptr);
                }
            }
        }
    }

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

    void check(const std::string& name, const policy::Domain* own) {
        const zone::Zone* z = zones_.zone_for(name);
        if (z == nullptr) {
            return;
        }
        const zone::NameInfo* info = z->find(name);
        const std::string shown = dns_name::absolute(name);
        if (own != nullptr && own->inherit) {
            if (info != nullptr && info->has_caa()) {
                for (std::uint32_t i = info->caa_first; i != zone::no_entry; i = z->caa[i].next) {
                    diagnostics_.error("policy-inherit", zones_.location(z->caa[i].site),
                                       shown + " must inherit its CAA set (inherit = true at " +
                                           format_location(own->location) +
                                           ") but has records of its own");
                }
            }
            return; // otherwise its effective set is its ancestor's, checked there
        }
        const policy::Domain* expected = policy_.expected_for(name);
        if (expected == nullptr) {
            return;
        }
        climb::Result result = climb::climb(source_, name);
        const Location here = anchor(*z, info);
        std::vector<climb::SourcedRecord> actual;
        std::string from; // where the effective set comes from, when not the name itself
        if (result.outcome == climb::Outcome::found) {
            actual = result.records;
            if (result.found_at != name) {
                from = dns_name::absolute(result.found_at);
            }
        } else if (result.outcome == climb::Outcome::failure) {
            const climb::Step* last = result.path.empty() ? nullptr : &result.path.back();
            bool climbed_out = last != nullptr && last->answer.kind == climb::AnswerKind::failure &&
                               zones_.zone_for(last->name) == nullptr &&
                               dns_name::is_at_or_below(name, last->name);
            if (!climbed_out) {
                unchecked(here, "cannot check " + shown + " against the policy: " + result.reason);
                return;
            }
            // No CAA up to the top of the loaded zone. When the expected set belongs above
            // the zone, it may come from there: nothing to say.
            if (!dns_name::is_at_or_below(expected->name, z->origin)) {
                return;
            }
            from = "nowhere in the loaded zones";
        }
        std::vector<caa::Record> actual_records;
        actual_records.reserve(actual.size());
        for (const auto& record : actual) {
            actual_records.push_back(record.record);
        }
        const std::vector<caa::Record> expected_records = expected->record_set();
        caa::SetDifference difference = caa::compare_sets(expected_records, actual_records);
        const std::string policy_place =
            (expected->name == name
                 ? std::string("the policy (")
                 : "the policy of " + dns_name::absolute(expected->name) + " (") +
            format_location(expected->location) + ")";
        for (const auto& missing : difference.missing) {
            std::string message =
                shown + " lacks " + caa::to_presentation(missing) + ", required by " + policy_place;
            if (!from.empty()) {
                message += "; its CAA set comes from " + from;
            }
            diagnostics_.error("policy-missing", here, message);
        }
        std::vector<bool> used(actual.size(), false);
        for (const auto& unexpected : difference.unexpected) {
            std::size_t k = 0;
            while (k < actual.size() &&
                   (used[k] || !caa::equivalent(actual[k].record, unexpected))) {
                ++k;
            }
            Location where = here;
            std::string message =
                caa::to_presentation(unexpected) + " at " + shown + " is not in " + policy_place;
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
        if (from.empty() && result.outcome == climb::Outcome::found) {
            for (const auto& record : actual) {
                bool wanted = false;
                for (const auto& e : expected_records) {
                    wanted = wanted || caa::equivalent(e, record.record);
                }
                if (wanted && record.ttl != expected->ttl) {
                    diagnostics_.note("policy-ttl", record.location,
                                      "TTL " + std::to_string(record.ttl) + " differs from " +
                                          std::to_string(expected->ttl) + " in " + policy_place);
                }
            }
        }
    }

    const zone::ZoneSet& zones_;
    const policy::Policy& policy_;
    const DriftOptions& options_;
    Diagnostics& diagnostics_;
    climb::ZoneSource source_;
};

} // namespace

void check_policy(const zone::ZoneSet& zones, const policy::Policy& policy,
                  const DriftOptions& options, Diagnostics& diagnostics) {
    DriftChecker(zones, policy, options, diagnostics).run();
}

} // namespace caapol::lint
