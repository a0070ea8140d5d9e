// `caapol generate` formats: a policy's CAA records rendered for a DNS server, provider or
// tool. Every writer escapes whatever a record holds so that nothing in a policy can add a
// line, record or command of its own; what a format cannot express is refused (GenerateError)
// rather than written approximately.
#pragma once

#include "caapol/policy/policy.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::output {

enum class Format { zone, rfc3597, tinydns, dnsmasq, nsupdate, json, octodns, dnscontrol };

struct FormatInfo {
    Format format;
    const char* name;        // the --format word
    const char* description; // one line for --help
};

// Every format, in --help order (zone first: the default).
const std::vector<FormatInfo>& formats();

// The format named `name` (exact, lower case), or nullopt.
std::optional<Format> parse_format(std::string_view name);

const char* format_name(Format format);

struct GenerateOptions {
    // Normalized zone origin ("" is the root). When set, every domain must lie at or below it
    // (GenerateError otherwise); zone, rfc3597, octodns and dnscontrol write names relative to
    // it. octodns and dnscontrol need it.
    std::optional<std::string> origin;
    // Named in the header comment of formats that have comments (escaped there).
    std::vector<std::string> source_files;
    // False leaves the header comment out (verify --fix builds its own).
    bool header = true;
};

// A domain or option the format cannot express safely. cli/ reports it as an input error
// (exit 2) and writes nothing.
struct GenerateError {
    std::string message;
};

// Renders `domains` (in the given order; generate passes the policy's, already in DNS
// canonical order) in `format`. Domains with inherit = true get no records (a comment where
// the format has comments; in nsupdate only `update delete NAME CAA`, since they must own no
// CAA RRset). The result is the whole output, ending with a newline. Throws GenerateError.
std::string render(Format format, const std::vector<policy::Domain>& domains,
                   const GenerateOptions& options);

// Same, handed to `write` in pieces as it is rendered, for the formats that can (zone,
// rfc3597: a million domains need not be held as one string); the others in one piece.
// Every GenerateError is thrown before the first piece is written.
using TextSink = std::function<void(std::string_view)>;
void render_to(Format format, const std::vector<policy::Domain>& domains,
               const GenerateOptions& options, const TextSink& write);

// The origin given on the command line, normalized; throws GenerateError when it is not a
// valid host name.
std::string parse_origin(std::string_view origin);

} // namespace caapol::output
