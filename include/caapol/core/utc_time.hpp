// Dates and times in UTC as people and CT logs write them (RFC 3339's profile of ISO 8601):
// one parser for --now, --since and the not_before of crt.sh and Cert Spotter records.
#pragma once

#include <cstdint>
#include <string_view>

namespace caapol::utc_time {

// "YYYY-MM-DDTHH:MM:SS", optionally with a fraction of a second (".123", dropped) and "Z",
// into Unix seconds; with `date_alone`, "YYYY-MM-DD" (midnight) too. False, and *out
// unchanged, for anything else, including a day the month does not have.
bool parse(std::string_view text, std::int64_t* out, bool date_alone = false);

} // namespace caapol::utc_time
