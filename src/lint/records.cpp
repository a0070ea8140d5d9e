// RFC 8659/8657/9495 and CA/B rules on each CAA record, then on each name's RRset.
#include "caapol/caa/ca_table.hpp"
#include "caapol/caa/issue_value.hpp"
#include "caapol/caa/validate.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/lint/lint.hpp"

#include <algorithm>
#include <unordered_map>

namespace caapol::lint {

namespace {

// Record data quoted for a message, cut short when long (a 1 MB value must not flood the
// terminal).
std::string quoted(std::string_view s) {
    return text::quote_excerpt(s);
}

class RecordChecker {
public:
    RecordChecker(const zone::ZoneSet& zones, Diagnostics& diagnostics)
        : zones_(zones), diagnostics_(diagnostics) {}

    void check_zone(const zone::Zone& z) {
        const bool structure = z.has_cuts() || z.has_dnames() || has_cnames(z);
        std::vector<bool> dname_reported;
        if (z.has_dnames()) {
            dname_reported.assign(z.aliases.size(), false);
        }
        for (const auto& info : z.names) {
            if (info.has_caa()) {
                check_name(z, info);
            }
            if (structure) {
                check_structure(z, info, dname_reported);
            }
        }
        if (z.has_dnames()) {
            // DNAMEs whose descendants own only records the reader does not keep.
            for (const auto& info : z.names) {
                if (info.dname >= 0 && !dname_reported[static_cast<std::size_t>(info.dname)] &&
                    z.has_descendants(info.name)) {
                    report("data-below-dname", z.aliases[static_cast<std::size_t>(info.dname)].site,
                           "the DNAME at " + dns_name::absolute(info.name) +
                               " has names with records below it: a DNAME allows none (RFC 6672 "
                               "section 2.3); NSD and Knot refuse the zone");
                }
            }
        }
    }

private:
    void report(const char* rule, const zone::Site& site, std::string message) {
        const Rule* r = find_rule(rule);
        diagnostics_.add(r != nullptr ? r->severity : Severity::error, rule, zones_.location(site),
                         std::move(message));
    }

    static bool has_cnames(const zone::Zone& z) { return z.aliases.size() > z.dname_count_; }

    // Where findings about a name go: its first CAA record, else its first kept record.
    static const zone::Site& name_site(const zone::Zone& z, const zone::NameInfo& info) {
        return info.has_caa() ? z.caa[info.caa_first].site : info.first;
    }

    // Rules that servers enforce on the zone's shape, for one kept name: a CNAME beside other
    // data, a DNAME beside a delegation, names below a DNAME, CAA (and aliases) occluded by a
    // delegation.
    void check_structure(const zone::Zone& z, const zone::NameInfo& info,
                         std::vector<bool>& dname_reported) {
        // The owner as shown in messages, built only when something is reported.
        auto owner = [&info] { return dns_name::absolute(info.name); };
        const bool apex = info.name == z.origin;
        if (info.cname >= 0 && !info.has_caa()) { // CAA beside a CNAME: check_name
            const zone::Site& site = z.aliases[static_cast<std::size_t>(info.cname)].site;
            std::string other;
            if (info.dname >= 0) {
                other = "a DNAME (" +
                        format_location(
                            zones_.location(z.aliases[static_cast<std::size_t>(info.dname)].site)) +
                        ")";
            } else if (info.has_ns) {
                other = "NS records (" + format_location(zones_.location(info.ns_site)) +
                        ", a delegation)";
            } else if (apex && z.owns_data(info.name)) {
                other = "the zone's apex records (SOA, NS)";
            } else if (!apex && z.owns_data(info.name)) {
                other = "other records";
            }
            if (!other.empty()) {
                report("cname-conflict", site,
                       owner() + " has a CNAME and " + other +
                           ": a CNAME allows no other data (RFC 1034 section 3.6.2); NSD, Knot "
                           "and BIND refuse the zone");
            }
        }
        if (info.dname >= 0 && info.has_ns && !apex) {
            report("dname-at-delegation", z.aliases[static_cast<std::size_t>(info.dname)].site,
                   "the DNAME at " + owner() + " shares its name with a delegation (NS at " +
                       format_location(zones_.location(info.ns_site)) +
                       "): only the referral is served; Knot refuses the zone");
        }
        if (apex || (!z.has_cuts() && !z.has_dnames())) {
            return;
        }
        // The ancestors, nearest first, down to the apex.
        std::string_view below = info.name;
        bool occluded = false;
        const zone::NameInfo* cut = info.has_ns ? &info : nullptr;
        while (below.size() > z.origin.size()) {
            std::size_t dot = below.find('.');
            if (dot == std::string_view::npos) {
                break;
            }
            below.remove_prefix(dot + 1);
            const zone::NameInfo* ancestor = z.find(below);
            if (ancestor == nullptr) {
                continue;
            }
            if (ancestor->dname >= 0) {
                const zone::Alias& dname = z.aliases[static_cast<std::size_t>(ancestor->dname)];
                dname_reported[static_cast<std::size_t>(ancestor->dname)] = true;
                report("data-below-dname", name_site(z, info),
                       owner() + " is below the DNAME at " + dns_name::absolute(ancestor->name) +
                           " (" + format_location(zones_.location(dname.site)) +
                           "): a DNAME allows no names below it (RFC 6672 section 2.3); NSD "
                           "and Knot refuse the zone, and CAs never see these records");
                return;
            }
            if (ancestor->has_ns && below != z.origin) {
                cut = ancestor;
                occluded = true;
            }
        }
        if (cut == nullptr) {
            return;
        }
        const std::string where = cut == &info
                                      ? "at the delegation " + owner()
                                      : "below the delegation " + dns_name::absolute(cut->name);
        const std::string ns = " (NS at " + format_location(zones_.location(cut->ns_site)) + ")";
        if (info.has_caa()) {
            report("occluded-data", name_site(z, info),
                   "the CAA records of " + owner() + " are " + where + ns +
                       ": no server answers them from this zone, CAs see the child zone's; "
                       "move them to the child zone");
        }
        if (occluded && info.cname >= 0) {
            report("occluded-data", z.aliases[static_cast<std::size_t>(info.cname)].site,
                   "the CNAME at " + owner() + " is " + where + ns +
                       ": no server answers it from this zone");
        }
        if (occluded && info.dname >= 0) {
            report("occluded-data", z.aliases[static_cast<std::size_t>(info.dname)].site,
                   "the DNAME at " + owner() + " is " + where + ns +
                       ": no server answers it from this zone");
        }
    }

    // Checks one record; returns whether it restricts issuance (issue/issuewild, or a
    // critical tag no CA understands).
    void check_record(const zone::CaaEntry& entry, const caa::IssueValueParse& parsed) {
        const zone::Site& site = entry.site;
        const std::string_view tag = entry.tag;
        if ((entry.flags & 0x7f) != 0) {
            report("flag-reserved-bits", site,
                   "flags " + std::to_string(entry.flags) +
                       " set reserved bits: use 0, or 128 for critical (some CAs treat flag 1 "
                       "as critical)");
        }
        if (!caa::is_valid_tag(tag)) {
            report("tag-syntax", site,
                   "the tag " + quoted(text::escape_for_terminal(tag)) +
                       " holds characters other than letters and digits");
            return;
        }
        if (!text::is_lower(tag)) {
            if (entry.generic) {
                // RFC 3597 form: NSD loads it; only the text form is refused.
                diagnostics_.warning("tag-case", zones_.location(site),
                                     "the tag " + quoted(tag) +
                                         " is not lower case: RFC 8659 allows it and servers load "
                                         "it in this generic form, but registered tags are lower "
                                         "case (write " +
                                         quoted(text::to_lower(tag)) + ")");
            } else {
                report(
                    "tag-case", site,
                    "the tag " + quoted(tag) +
                        " is not lower case: RFC 8659 allows it (tags match case-insensitively), "
                        "but NSD 4.6.1 refuses to load the zone; write " +
                        quoted(text::to_lower(tag)));
            }
        }
        if (tag.size() > 15 && !entry.generic) {
            report("tag-length", site,
                   "the tag " + quoted(tag) + " is " + std::to_string(tag.size()) +
                       " characters long: RFC 8659 sets no limit (RFC 6844 said 15), but NSD "
                       "4.6.1 refuses to load tags longer than 15");
        }
        if (caa::is_reserved_tag(tag)) {
            report("reserved-tag", site,
                   "the tag " + quoted(tag) + " is reserved by RFC 8659 and must not be used");
            return;
        }
        if (!caa::is_known_tag(tag)) {
            std::string hint;
            if (auto close = text::did_you_mean(tag, caa::known_tags())) {
                hint = " (did you mean " + quoted(*close) + "?)";
            }
            if ((entry.flags & caa::flag_critical) != 0) {
                report("critical-unknown-tag", site,
                       "the unknown tag " + quoted(tag) +
                           " has the critical flag: no CA may issue for this name" + hint);
            } else {
                report("unknown-tag", site,
                       "the tag " + quoted(tag) + " is not a known CAA property" + hint);
            }
            return;
        }
        if (caa::is_issue_type(tag)) {
            check_issue_value(entry, parsed);
        } else if (text::iequals(tag, "iodef")) {
            if (std::string problem = caa::check_iodef_url(entry.value); !problem.empty()) {
                report("iodef-url", site, problem);
            }
        } else if (text::iequals(tag, "contactemail")) {
            if (std::string problem = caa::check_contact_email(entry.value); !problem.empty()) {
                report("contactemail-syntax", site, problem);
            }
        } else if (text::iequals(tag, "contactphone")) {
            if (std::string problem = caa::check_contact_phone(entry.value); !problem.empty()) {
                report("contactphone-syntax", site, problem);
            }
        }
    }

    void check_issue_value(const zone::CaaEntry& entry, const caa::IssueValueParse& parsed) {
        const zone::Site& site = entry.site;
        if (!parsed.value) {
            const char* rule =
                parsed.error.rule == "parameter-syntax" ? "parameter-syntax" : "issuer-syntax";
            report(rule, site,
                   parsed.error.message + " (in " + quoted(text::escape_for_terminal(entry.value)) +
                       "; such a record authorises no CA)");
            return;
        }
        const caa::IssueValue& value = *parsed.value;
        if (!value.issuer.empty()) {
            if (!text::is_lower(value.issuer)) {
                report("issuer-case", site,
                       "the issuer " + quoted(value.issuer) + " is not lower case (write " +
                           quoted(caa::normalize_issuer(value.issuer)) +
                           "; Let's Encrypt compares byte for byte)");
            }
            if (caa::find_ca(value.issuer) == nullptr) {
                std::string message =
                    "the issuer " + quoted(value.issuer) + " is not a known CA identifier";
                if (auto close = caa::nearest_issuer(value.issuer)) {
                    message += " (did you mean " + quoted(*close) + "?)";
                }
                report("unknown-issuer", site, message);
            }
        }
        std::vector<std::string> seen;
        for (const auto& parameter : value.parameters) {
            if (!text::is_lower(parameter.key)) {
                report("parameter-case", site,
                       "the parameter " + quoted(parameter.key) +
                           " is not lower case (Let's Encrypt ignores it; write " +
                           quoted(text::to_lower(parameter.key)) + ")");
            }
            if (parameter.key.find('-') != std::string::npos) {
                report("parameter-hyphen", site,
                       "the parameter tag " + quoted(parameter.key) +
                           " has a hyphen: RFC 8659 section 4.2 allows inner hyphens, but "
                           "Let's Encrypt refuses the record as malformed, so it authorises "
                           "nobody there");
            }
            std::string key = text::to_lower(parameter.key);
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
                report("duplicate-parameter", site,
                       "the parameter " + quoted(key) + " appears twice in one record");
            }
            seen.push_back(key);
            if (key == "accounturi") {
                if (std::string problem = caa::check_account_uri(parameter.value);
                    !problem.empty()) {
                    report("accounturi-syntax", site, problem);
                }
            } else if (key == "validationmethods") {
                for (auto label : text::split(parameter.value, ',')) {
                    if (!caa::is_known_validation_method(label)) {
                        report("unknown-validation-method", site,
                               "the validation method " + quoted(text::escape_for_terminal(label)) +
                                   " is not in the ACME registry (http-01, dns-01, tls-alpn-01, "
                                   "dns-account-01) and has no ca- prefix");
                    }
                }
            }
        }
    }

    void check_name(const zone::Zone& z, const zone::NameInfo& info) {
        std::vector<const zone::CaaEntry*>& set = set_; // reused: no allocation per name
        set.clear();
        for (std::uint32_t i = info.caa_first; i != zone::no_entry; i = z.caa[i].next) {
            set.push_back(&z.caa[i]);
        }
        const zone::Site& first = set.front()->site;
        // The owner as shown in messages, built only when something is reported.
        auto owner = [&info] { return dns_name::absolute(info.name); };
        if (info.cname >= 0) {
            report("cname-conflict", first,
                   owner() + " has a CNAME (" +
                       format_location(
                           zones_.location(z.aliases[static_cast<std::size_t>(info.cname)].site)) +
                       ") and CAA records: a CNAME allows no other data, and CAs follow the CNAME");
        }
        if (info.name.size() >= 2 && info.name[0] == '*' && info.name[1] == '.') {
            report("wildcard-owner", first,
                   "CAA at the wildcard " + owner() +
                       " applies only to names synthesized from it; for *." +
                       std::string(info.name.substr(2)) + " certificates CAs look at " +
                       dns_name::absolute(info.name.substr(2)));
        }

        bool has_issue = false;
        bool has_issuewild = false;
        bool restricts = false;
        // Per issue tag: the ";" records and how many others there are.
        std::vector<const zone::CaaEntry*> empties[2];
        std::size_t others[2] = {0, 0};
        // Canonical keys (for duplicates), computed only for records that share flags and tag
        // with an earlier one: equivalent records always do, and most sets have none.
        keys_.resize(std::max(keys_.size(), set.size()));
        key_done_.assign(set.size(), false);
        auto key = [&](std::size_t i) -> const std::string& {
            if (!key_done_[i]) {
                keys_[i] = caa::canonical_key(set[i]->record());
                key_done_[i] = true;
            }
            return keys_[i];
        };
        for (std::size_t n = 0; n < set.size(); ++n) {
            const zone::CaaEntry* entry = set[n];
            caa::IssueValueParse parsed;
            bool issue = text::iequals(entry->tag, "issue");
            bool issuewild = !issue && text::iequals(entry->tag, "issuewild");
            if (issue || issuewild || caa::is_issue_type(entry->tag)) {
                parsed = caa::parse_issue_value(entry->value); // once per record
            }
            check_record(*entry, parsed);
            has_issue = has_issue || issue;
            has_issuewild = has_issuewild || issuewild;
            if (issue || issuewild ||
                ((entry->flags & caa::flag_critical) != 0 && caa::is_valid_tag(entry->tag) &&
                 !caa::is_known_tag(entry->tag))) {
                restricts = true;
            }
            if (issue || issuewild) {
                int k = issue ? 0 : 1;
                if (parsed.value && parsed.value->issuer.empty()) {
                    empties[k].push_back(entry);
                } else {
                    ++others[k];
                }
            }
            const zone::CaaEntry* repeated = nullptr;
            if (set.size() <= small_set) {
                for (std::size_t m = 0; m < n && repeated == nullptr; ++m) {
                    if (set[m]->flags == entry->flags && text::iequals(set[m]->tag, entry->tag) &&
                        key(m) == key(n)) {
                        repeated = set[m];
                    }
                }
            } else { // a huge set (hostile files): hashed, not quadratic
                if (n == 0) {
                    seen_.clear();
                }
                auto [it, inserted] = seen_.emplace(key(n), entry);
                if (!inserted) {
                    repeated = it->second;
                }
            }
            if (repeated != nullptr) {
                report("duplicate-record", entry->site,
                       "this record repeats the one at " +
                           format_location(zones_.location(repeated->site)));
            }
        }
        if (has_issuewild && !has_issue) {
            report("issuewild-without-issue", first,
                   owner() + " has issuewild but no issue records: any CA may issue non-wildcard "
                             "certificates (add issue records; 0 issue \";\" allows none)");
        }
        if (!restricts) {
            report("no-restriction", first,
                   "the CAA set of " + owner() +
                       " has no issue or issuewild record: it restricts no CA");
        }
        // ";" beside other records of the same issue tag: it authorises nobody, they still do.
        for (int k = 0; k < 2; ++k) {
            const char* tag = k == 0 ? "issue" : "issuewild";
            if (others[k] == 0) {
                continue;
            }
            for (const zone::CaaEntry* entry : empties[k]) {
                report("empty-issuer-with-others", entry->site,
                       std::string("this ") + tag +
                           " \";\" record authorises no CA, but the other " + tag + " records of " +
                           owner() + " still authorise theirs");
            }
        }
    }

    const zone::ZoneSet& zones_;
    Diagnostics& diagnostics_;
    std::vector<const zone::CaaEntry*> set_; // the CAA set of the name being checked
    std::vector<std::string> keys_;          // their canonical keys, when computed
    std::vector<bool> key_done_;
    static constexpr std::size_t small_set = 16; // compared pairwise up to this size
    std::unordered_map<std::string, const zone::CaaEntry*> seen_; // for larger sets
};

} // namespace

void check_records(const zone::ZoneSet& zones, Diagnostics& diagnostics) {
    RecordChecker checker(zones, diagnostics);
    for (const auto& z : zones.zones) {
        checker.check_zone(z);
    }
}

} // namespace caapol::lint
