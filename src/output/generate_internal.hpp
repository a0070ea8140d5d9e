// Shared by the generate writers (src/output/generate*.cpp); not a public interface.
#pragma once

#include "caapol/output/generate.hpp"

#include <string>
#include <string_view>

namespace caapol::output::detail {

// A domain checked by check_domains: safe to put in every format.
using Domains = std::vector<policy::Domain>;

// Refuses (GenerateError) what no writer may emit: names outside [a-z0-9_-] labels, TTLs
// above 2^31-1, invalid tags, RDATA over 65535 octets, inherit domains with records, and
// names outside options.origin.
void check_domains(const Domains& domains, const GenerateOptions& options);

// Throws GenerateError when `line` (without its newline) is longer than `limit`: readers
// that split long lines would take the rest for a line, record or command of its own.
void check_line_length(std::string_view line, std::size_t limit, std::string_view format,
                       std::string_view name);

// nsupdate reads commands with fgets into a fixed buffer (8 KiB in older BIND versions).
inline constexpr std::size_t nsupdate_max_line = 8191;
// dnsmasq reads configuration lines with fgets(buffer, MAXDNAME = 1025).
inline constexpr std::size_t dnsmasq_max_line = 1023;

// "name." (absolute, "." for the root).
std::string absolute_name(std::string_view name);

// The owner name relative to the origin: "@" for the origin itself, else the labels above it;
// absolute_name() when there is no origin.
std::string zone_owner(std::string_view name, const GenerateOptions& options);

// The label relative to the origin without "@" ("" for the origin itself). Needs an origin.
std::string relative_label(std::string_view name, const GenerateOptions& options);

// Comment lines naming the generator and the source files, each line starting with `prefix`
// ("; ", "# ", "// "). File names are escaped (escape_for_terminal): no line breaks.
std::string header_comment(std::string_view prefix, const GenerateOptions& options);

// True when `s` is valid UTF-8 (no surrogates, no overlongs).
bool is_valid_utf8(std::string_view s);

// A double-quoted string with every character outside printable ASCII written as a \u
// escape; above U+FFFF as a surrogate pair (javascript: also valid JSON) or \UXXXXXXXX
// (yaml, 1.1 and 1.2). Throws GenerateError naming `what` when `s` is not valid UTF-8.
enum class QuoteStyle { javascript, yaml };
std::string quote_portable(std::string_view s, std::string_view what, QuoteStyle style);

// Throws GenerateError naming `what` when `s` is not valid UTF-8.
void require_utf8(std::string_view s, std::string_view what);

std::string render_zone(const Domains& domains, const GenerateOptions& options);
std::string render_rfc3597(const Domains& domains, const GenerateOptions& options);
void render_zone(const Domains& domains, const GenerateOptions& options, const TextSink& write);
void render_rfc3597(const Domains& domains, const GenerateOptions& options, const TextSink& write);
std::string render_nsupdate(const Domains& domains, const GenerateOptions& options);
std::string render_tinydns(const Domains& domains, const GenerateOptions& options);
std::string render_dnsmasq(const Domains& domains, const GenerateOptions& options);
std::string render_json(const Domains& domains, const GenerateOptions& options);
std::string render_octodns(const Domains& domains, const GenerateOptions& options);
std::string render_dnscontrol(const Domains& domains, const GenerateOptions& options);

} // namespace caapol::output::detail
