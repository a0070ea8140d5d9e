// lint of signed zone files: each file that holds RRSIGs has its CAA RRsets and NSEC/NSEC3
// records checked against its own DNSKEYs (dnssec::check_signed_zone). Files without an
// RRSIG cost one substring scan.
#include "caapol/core/input.hpp"
#include "caapol/dnssec/zone_check.hpp"
#include "caapol/lint/lint.hpp"

namespace caapol::lint {

void check_signatures(const zone::ZoneSet& zones, const SignatureOptions& options,
                      Diagnostics& diagnostics) {
    for (std::size_t i = 0; i < zones.files.size(); ++i) {
        const std::string& path = zones.files[i];
        std::string text;
        try {
            text = read_file(path);
        } catch (const InputError&) {
            continue; // the zone reader reported it
        }
        if (!dnssec::looks_signed(text)) {
            continue;
        }
        dnssec::ZoneCheckOptions check;
        check.now = options.now;
        check.expiry_warn_seconds = options.expiry_warn_seconds;
        for (const auto& zone : zones.zones) {
            if (zone.first_record.file == i) {
                check.origin = zone.origin;
                break;
            }
        }
        dnssec::check_signed_zone(path, check, diagnostics);
    }
}

} // namespace caapol::lint
