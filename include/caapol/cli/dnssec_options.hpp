// The DNSSEC options verify and explain share: --dnssec, --trust-anchor, --dnssec-expiry-warn,
// --now (and SOURCE_DATE_EPOCH).
#pragma once

#include "caapol/cli/cli.hpp"
#include "caapol/dnssec/validator.hpp"

#include <cstdint>
#include <string>

namespace caapol::cli {

void add_dnssec_options(po::options_description& options);

struct DnssecSettings {
    dnssec::Options options;
    std::int64_t expiry_warn_seconds = 7 * 86400;
    bool enabled() const { return options.mode != dnssec::Mode::off; }
};

// Reads the options (UsageError for bad values); the clock is --now, else SOURCE_DATE_EPOCH,
// else the system's.
DnssecSettings dnssec_settings(const std::string& command, const po::variables_map& values);

// Unix seconds, or YYYY-MM-DD[THH:MM:SS[Z]] (UTC). False when the text is neither.
bool parse_time(const std::string& text, std::int64_t* out);

// The validation clock: --now (when the command has it), else SOURCE_DATE_EPOCH, else the
// system's. UsageError for a bad --now.
std::int64_t validation_time(const std::string& command, const po::variables_map& values);

// "RRSIG over CAA RRset of x (key tag 1) expires 2026-12-04, in 2 days" when a secure state
// rests on a signature expiring within the warning period, else "".
std::string expiry_warning(const DnssecSettings& settings, const dnssec::Status& status);

} // namespace caapol::cli
