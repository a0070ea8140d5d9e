#include "caapol/dnssec/zone_check.hpp"

#include "caapol/core/dns_name.hpp"
#include "caapol/dnssec/status.hpp"

#include <cstdio>
#include <cstdlib>
#include <ldns/ldns.h>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace caapol::dnssec {

namespace {

std::string owner_text(const ldns_rr* rr) {
    char* s = ldns_rdf2str(ldns_rr_owner(rr));
    std::string out = s != nullptr ? s : "";
    std::free(s);
    return dns_name::normalize(out);
}

std::string type_text(ldns_rr_type type) {
    char* s = ldns_rr_type2str(type);
    std::string out = s != nullptr ? s : "TYPE" + std::to_string(static_cast<unsigned>(type));
    std::free(s);
    return out;
}

std::int64_t sig_time(const ldns_rdf* rdf) {
    return static_cast<std::int64_t>(static_cast<std::uint32_t>(ldns_rdf2native_int32(rdf)));
}

struct ListFree {
    void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
using List = std::unique_ptr<ldns_rr_list, ListFree>;

struct RRset {
    std::uint32_t line = 0; // of its first record
    List records{ldns_rr_list_new()};
    List sigs{ldns_rr_list_new()};
};

} // namespace

bool looks_signed(const std::string& text) {
    return text.find("RRSIG") != std::string::npos;
}

void check_signed_zone(const std::string& path, const ZoneCheckOptions& options,
                       Diagnostics& diagnostics) {
    FILE* fp = std::fopen(path.c_str(), "r");
    if (fp == nullptr) {
        throw InputError{path + ": cannot read the zone file"};
    }
    std::uint32_t ttl = 3600;
    ldns_rdf* origin = nullptr;
    if (!options.origin.empty()) {
        origin = ldns_dname_new_frm_str((options.origin + ".").c_str());
    }
    ldns_rdf* prev = nullptr;
    int line = 1;
    std::map<std::pair<std::string, int>, RRset> sets; // (owner, type)
    std::string apex;
    List keys(ldns_rr_list_new());
    bool any_sig = false;
    while (!std::feof(fp)) {
        ldns_rr* rr = nullptr;
        ldns_status status = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
        if (status != LDNS_STATUS_OK || rr == nullptr) {
            continue; // directives, blank lines; syntax errors are the zone reader's
        }
        std::uint32_t at = static_cast<std::uint32_t>(line > 1 ? line - 1 : 1);
        ldns_rr_type type = ldns_rr_get_type(rr);
        std::string owner = owner_text(rr);
        if (type == LDNS_RR_TYPE_SOA && apex.empty()) {
            apex = owner;
        }
        if (type == LDNS_RR_TYPE_DNSKEY) {
            ldns_rr_list_push_rr(keys.get(), rr);
            continue;
        }
        ldns_rr_type key_type = type;
        if (type == LDNS_RR_TYPE_RRSIG) {
            any_sig = true;
            key_type = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr));
        }
        if (key_type != LDNS_RR_TYPE_CAA && key_type != LDNS_RR_TYPE_NSEC &&
            key_type != LDNS_RR_TYPE_NSEC3) {
            ldns_rr_free(rr);
            continue;
        }
        RRset& set = sets[{owner, static_cast<int>(key_type)}];
        if (type == LDNS_RR_TYPE_RRSIG) {
            ldns_rr_list_push_rr(set.sigs.get(), rr);
        } else {
            if (set.line == 0) {
                set.line = at;
            }
            ldns_rr_list_push_rr(set.records.get(), rr);
        }
    }
    std::fclose(fp);
    if (origin != nullptr) {
        ldns_rdf_deep_free(origin);
    }
    if (prev != nullptr) {
        ldns_rdf_deep_free(prev);
    }
    if (!any_sig) {
        return;
    }
    if (ldns_rr_list_rr_count(keys.get()) == 0) {
        diagnostics.warning("dnssec-no-dnskey", Location{path, 1, 0},
                            "the zone holds RRSIGs but no DNSKEY RRset at its apex " +
                                (apex.empty() ? std::string("(no SOA)") : apex) +
                                ": its signatures cannot be checked here");
        return;
    }
    for (const auto& [key, set] : sets) {
        if (ldns_rr_list_rr_count(set.records.get()) == 0) {
            continue; // signatures without data: nothing a CA would look up
        }
        const std::string what = type_text(static_cast<ldns_rr_type>(key.second)) + " RRset of " +
                                 (key.first.empty() ? "." : key.first);
        const Location where{path, set.line, 1};
        std::size_t count = ldns_rr_list_rr_count(set.sigs.get());
        if (count == 0) {
            diagnostics.error("dnssec-unsigned", where,
                              what + " has no RRSIG in a signed zone: validating CAs see it as "
                                     "bogus and refuse to issue");
            continue;
        }
        std::int64_t best_expiry = 0;
        std::string problem_rule;
        std::string problem;
        for (std::size_t i = 0; i < count; ++i) {
            const ldns_rr* sig = ldns_rr_list_rr(set.sigs.get(), i);
            std::string tag = std::to_string(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)));
            ldns_status status = ldns_verify_rrsig_keylist_time(
                set.records.get(), sig, keys.get(), static_cast<time_t>(options.now), nullptr);
            std::int64_t expiration = sig_time(ldns_rr_rrsig_expiration(sig));
            if (status == LDNS_STATUS_OK) {
                best_expiry = std::max(best_expiry, expiration);
            } else if (status == LDNS_STATUS_CRYPTO_SIG_EXPIRED) {
                if (problem_rule.empty() || problem_rule == "dnssec-signature-invalid") {
                    problem_rule = "dnssec-signature-expired";
                    problem = what + ": signature expired " + date_text(expiration) + " (key tag " +
                              tag + ")";
                }
            } else if (status == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED) {
                if (problem_rule.empty() || problem_rule == "dnssec-signature-invalid") {
                    problem_rule = "dnssec-signature-not-yet-valid";
                    problem = what + ": signature not yet valid, until " +
                              date_text(sig_time(ldns_rr_rrsig_inception(sig))) + " (key tag " +
                              tag + ")";
                }
            } else if (problem_rule.empty()) {
                problem_rule = "dnssec-signature-invalid";
                problem = what + " does not match its RRSIG (key tag " + tag +
                          "): edited after signing? (" + ldns_get_errorstr_by_id(status) + ")";
            }
        }
        if (best_expiry != 0) {
            std::int64_t left = best_expiry - options.now;
            if (left <= options.expiry_warn_seconds) {
                std::int64_t days = (left + 43200) / 86400;
                diagnostics.warning("dnssec-signature-expiring", where,
                                    what + ": signature expires " + date_text(best_expiry) +
                                        ", in " + std::to_string(days) +
                                        (days == 1 ? " day" : " days") + ": re-sign the zone");
            }
            continue;
        }
        diagnostics.error(problem_rule, where, problem);
    }
}

} // namespace caapol::dnssec
