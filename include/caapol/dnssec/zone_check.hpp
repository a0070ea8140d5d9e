// Offline DNSSEC checks of a signed zone file (caapol lint): the CAA RRsets and the NSEC/NSEC3
// records of a file that holds RRSIGs, verified against the zone's own DNSKEYs at a given
// time. No ldns type crosses this header.
#pragma once

#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <string>

namespace caapol::dnssec {

struct ZoneCheckOptions {
    std::int64_t now = 0;                         // the validation time (Unix)
    std::int64_t expiry_warn_seconds = 7 * 86400; // signatures expiring sooner: a warning
    std::string origin;                           // for a file without $ORIGIN ("" : none)
};

// Whether the text holds an RRSIG record at all (a cheap scan: unsigned zones stop here).
bool looks_signed(const std::string& text);

// Reports, at file:line, CAA RRsets and NSEC/NSEC3 RRsets without a signature
// (dnssec-unsigned), whose signatures do not verify (dnssec-signature-invalid: edited after
// signing), expired (dnssec-signature-expired), not yet valid (dnssec-signature-not-yet-valid)
// or expiring within the warning period (dnssec-signature-expiring, a warning); a signed file
// without a DNSKEY RRset at its apex is dnssec-no-dnskey (a warning: nothing can be checked).
// Syntax errors are left to the zone reader. Throws InputError when the file cannot be read.
void check_signed_zone(const std::string& path, const ZoneCheckOptions& options,
                       Diagnostics& diagnostics);

} // namespace caapol::dnssec
