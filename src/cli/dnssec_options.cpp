#include "caapol/cli/dnssec_options.hpp"

#include "caapol/core/text.hpp"
#include "caapol/core/utc_time.hpp"

#include <cstdlib>
#include <ctime>

namespace caapol::cli {

bool parse_time(const std::string& text, std::int64_t* out) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
        text.size() <= 12) {
        *out = std::atoll(text.c_str());
        return true;
    }
    return utc_time::parse(text, out, /*date_alone=*/true);
}

void add_dnssec_options(po::options_description& options) {
    options.add_options() //
        ("dnssec", po::value<std::string>()->value_name("MODE")->default_value("validate"),
         "validate (default): every answer a climb uses is validated from the trust anchors, a "
         "bogus one makes the name an error; require: also an answer no anchor covers; off: "
         "no DNSSEC") //
        ("trust-anchor", po::value<std::vector<std::string>>()->value_name("FILE"),
         "DS or DNSKEY records in zone-file form (repeatable; default "
         "/usr/share/dns/root.key)") //
        ("dnssec-expiry-warn", po::value<unsigned>()->value_name("DAYS")->default_value(7),
         "warn when a signature the state rests on expires within DAYS days") //
        ("now", po::value<std::string>()->value_name("TIME"),
         "validate at TIME (Unix seconds or YYYY-MM-DD[THH:MM:SSZ]; default SOURCE_DATE_EPOCH, "
         "else the clock)");
}

DnssecSettings dnssec_settings(const std::string& command, const po::variables_map& values) {
    DnssecSettings settings;
    const std::string mode = values["dnssec"].as<std::string>();
    if (!dnssec::parse_mode(mode, &settings.options.mode)) {
        throw UsageError{command, "--dnssec '" + text::escape_for_terminal(mode) +
                                      "': expected validate, require or off"};
    }
    if (values.count("trust-anchor") > 0) {
        if (settings.options.mode == dnssec::Mode::off) {
            throw UsageError{command, "--trust-anchor needs --dnssec validate or require"};
        }
        settings.options.trust_anchor_files = values["trust-anchor"].as<std::vector<std::string>>();
    }
    unsigned days = values["dnssec-expiry-warn"].as<unsigned>();
    if (days > 3650) {
        throw UsageError{command, "--dnssec-expiry-warn must be at most 3650 days"};
    }
    settings.expiry_warn_seconds = static_cast<std::int64_t>(days) * 86400;
    settings.options.now = validation_time(command, values);
    return settings;
}

std::int64_t validation_time(const std::string& command, const po::variables_map& values) {
    std::int64_t now = 0;
    if (values.count("now") > 0) {
        const std::string text = values["now"].as<std::string>();
        if (!parse_time(text, &now) || now <= 0) {
            throw UsageError{command, "--now '" + text::escape_for_terminal(text) +
                                          "': expected Unix seconds or YYYY-MM-DD[THH:MM:SSZ]"};
        }
    } else if (const char* fixed = std::getenv("SOURCE_DATE_EPOCH"); fixed && *fixed) {
        now = std::atoll(fixed);
    }
    return now > 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
}

std::string expiry_warning(const DnssecSettings& settings, const dnssec::Status& status) {
    if (status.state != dnssec::State::secure || status.expires == 0) {
        return {};
    }
    std::int64_t left = status.expires - settings.options.now;
    if (left > settings.expiry_warn_seconds) {
        return {};
    }
    std::int64_t days = (left + 43200) / 86400; // rounded
    std::string in = days == 1 ? "in 1 day" : "in " + std::to_string(days) + " days";
    if (left < 86400) {
        in = "in " + std::to_string(left / 3600) + " hours";
    }
    return status.expiring + " expires " + dnssec::date_text(status.expires) + ", " + in;
}

} // namespace caapol::cli
