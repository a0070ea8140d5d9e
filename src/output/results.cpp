#include "caapol/output/results.hpp"

#include "caapol/core/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

namespace caapol::output {

namespace {

// A string literal appended with its length known at compile time (operator+= on a const
// char* measures it first: a fifth of the JSON renderer's time).
template <std::size_t N>
void append_literal(std::string& out, const char (&literal)[N]) {
    out.append(literal, N - 1);
}

// Appends to a std::string through spare room it keeps at its end: std::string::append is
// an out-of-line call, and a JSON result is some sixty pieces. The string holds its final
// text again when the Appender goes.
class Appender {
public:
    explicit Appender(std::string& out) : out_(out), used_(out.size()) {}
    ~Appender() { out_.resize(used_); }
    Appender(const Appender&) = delete;
    Appender& operator=(const Appender&) = delete;

    // Inlined, so that a literal's copy is a few moves rather than a call to memcpy.
    [[gnu::always_inline]] Appender& operator+=(std::string_view text) {
        if (out_.size() - used_ < text.size()) {
            grow(text.size());
        }
        std::memcpy(out_.data() + used_, text.data(), text.size());
        used_ += text.size();
        return *this;
    }
    [[gnu::always_inline]] Appender& operator+=(char c) {
        if (out_.size() == used_) {
            grow(1);
        }
        out_[used_++] = c;
        return *this;
    }

    // Room for `n` more bytes at the end, to be written through the pointer and then counted
    // by commit() (or left uncounted).
    [[gnu::always_inline]] char* room_for(std::size_t n) {
        if (out_.size() - used_ < n) {
            grow(n);
        }
        return out_.data() + used_;
    }
    void commit(std::size_t n) { used_ += n; }

private:
    [[gnu::noinline]] void grow(std::size_t n) {
        out_.resize(used_ + n + 512); // zero-filled: 512 spare bytes at a time
    }
    std::string& out_;
    std::size_t used_;
};

template <std::size_t N>
void append_literal(Appender& out, const char (&literal)[N]) {
    out += std::string_view(literal, N - 1);
}

std::string esc(std::string_view s) {
    return text::escape_for_terminal(s);
}

// The bytes that JSON strings and Prometheus label values cannot take as they are: all but
// printable ASCII, and '"' and '\\'.
constexpr std::array<bool, 256> escape_table() {
    std::array<bool, 256> table{};
    for (std::size_t c = 0; c < table.size(); ++c) {
        table[c] = c < 0x20 || c >= 0x7f || c == '\\' || c == '"';
    }
    return table;
}
constexpr std::array<bool, 256> needs_escape = escape_table();

// The length of the start of `s` that needs no escape (host names, CAA tags and values:
// nearly always all of it).
std::size_t plain_prefix(std::string_view s) {
    std::size_t plain = 0;
    while (plain < s.size() && !needs_escape[static_cast<unsigned char>(s[plain])]) {
        ++plain;
    }
    return plain;
}

// esc(s) appended, without a temporary string when `s` needs no escape.
void append_esc(std::string& out, std::string_view s) {
    if (plain_prefix(s) == s.size()) {
        out.append(s);
    } else {
        out += text::escape_for_terminal(s);
    }
}

// to_presentation already escapes every byte outside printable ASCII (RFC 1035 \DDD); escape
// again only if that promise were ever broken, so values read the same as in a zone file.
std::string record_text(const caa::Record& r) {
    std::string text = caa::to_presentation(r);
    for (unsigned char c : text) {
        if (c < 0x20 || c >= 0x7f) {
            return esc(text);
        }
    }
    return text;
}

std::vector<std::string> sorted_lines(const std::vector<climb::SourcedRecord>& records) {
    std::vector<std::string> lines;
    for (const auto& r : records) {
        lines.push_back(record_text(r.record));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

void append_where(std::string& out, const std::string& relevant, const std::string& found_at) {
    append_esc(out, relevant);
    if (!found_at.empty() && found_at != relevant) {
        append_literal(out, " -> ");
        append_esc(out, found_at);
    }
}

std::string where(const std::string& relevant, const std::string& found_at) {
    std::string out;
    append_where(out, relevant, found_at);
    return out;
}

// A JSON string appended: printable ASCII without '"' or '\\' (host names, nearly always) as
// is, anything else through text::json_string (the same text either way, without a
// temporary string per value).
// Whether one of the eight bytes of `word` needs an escape (the classic word tests "has a byte
// less than n" and "has a zero byte", the latter on the word xor the byte searched for).
bool word_needs_escape(std::uint64_t word) {
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    auto has = [](std::uint64_t w, unsigned char c) {
        std::uint64_t x = w ^ (ones * c);
        return (x - ones) & ~x & highs;
    };
    return (((word - ones * 0x20) & ~word & highs) | (word & highs) | has(word, 0x7f) |
            has(word, '"') | has(word, '\\')) != 0;
}

void append_json_string(Appender& out, std::string_view s) {
    // Checked and copied in one pass, eight bytes at a time; the first byte that needs an
    // escape sends the whole value through text::json_string instead.
    char* to = out.room_for(s.size() + 2 + 8);
    *to++ = '"';
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, s.data() + i, 8);
        if (word_needs_escape(word)) {
            break;
        }
        std::memcpy(to + i, &word, 8);
    }
    for (; i < s.size(); ++i) {
        if (needs_escape[static_cast<unsigned char>(s[i])]) {
            out += text::json_string(s);
            return;
        }
        to[i] = s[i];
    }
    to[s.size()] = '"';
    out.commit(s.size() + 2);
}

void append_number(Appender& out, std::uint64_t n) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out += std::string_view(digits, static_cast<std::size_t>(end - digits));
}

void append_json_or_null(Appender& out, const std::string& s) {
    if (s.empty()) {
        append_literal(out, "null");
    } else {
        append_json_string(out, s);
    }
}

void json_record(Appender& out, const caa::Record& r, const std::uint32_t* ttl) {
    append_literal(out, "{\"flags\":");
    append_number(out, r.flags);
    append_literal(out, ",\"tag\":");
    append_json_string(out, r.tag);
    append_literal(out, ",\"value\":");
    append_json_string(out, r.value);
    if (ttl != nullptr) {
        append_literal(out, ",\"ttl\":");
        append_number(out, *ttl);
    }
    out += '}';
}

void json_records(Appender& out, const std::vector<caa::Record>& records) {
    out += '[';
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        json_record(out, records[i], nullptr);
    }
    out += ']';
}

void json_sourced(Appender& out, const std::vector<climb::SourcedRecord>& records) {
    out += '[';
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        json_record(out, records[i].record, &records[i].ttl);
    }
    out += ']';
}

// "[secure]", "[bogus: why]".
std::string dnssec_tag(const dnssec::Status& s) {
    std::string out = std::string("[") + dnssec::state_name(s.state);
    if (!s.reason.empty() && s.state != dnssec::State::secure) {
        out += ": " + s.reason;
    }
    return esc(out + "]");
}

void json_dnssec(Appender& out, const dnssec::Status& s, const std::string& warning = {}) {
    if (s.state == dnssec::State::off) {
        append_literal(out, "null");
        return;
    }
    out += std::string("{\"state\":\"") + dnssec::state_name(s.state) + "\"";
    out += ",\"reason\":" + (s.reason.empty() ? std::string("null") : text::json_string(s.reason));
    out += ",\"expires\":" +
           (s.expires == 0 ? std::string("null") : text::json_string(dnssec::date_text(s.expires)));
    out += ",\"warning\":" + (warning.empty() ? std::string("null") : text::json_string(warning));
    out += '}';
}

std::string json_or_null(const std::string& s) {
    return s.empty() ? "null" : text::json_string(s);
}

void json_strings(Appender& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_json_string(out, items[i]);
    }
    out += ']';
}

} // namespace

void count_result(ResultsSummary& s, const diff::NameResult& r) {
    ++s.checked;
    switch (r.status) {
    case diff::Status::ok:
        ++s.ok;
        break;
    case diff::Status::drift:
        ++s.drift;
        break;
    case diff::Status::unchecked:
        ++s.unchecked;
        break;
    case diff::Status::error:
        ++s.error;
        break;
    }
    s.validated = s.validated || r.dnssec.state != dnssec::State::off;
}

void ResultsSummary::add(const ResultsSummary& other) {
    checked += other.checked;
    ok += other.ok;
    drift += other.drift;
    unchecked += other.unchecked;
    error += other.error;
    validated = validated || other.validated;
}

ResultsSummary summarize_results(const std::vector<diff::NameResult>& results) {
    ResultsSummary s;
    for (const auto& r : results) {
        count_result(s, r);
    }
    return s;
}

std::optional<ResultsFormat> parse_results_format(std::string_view name) {
    if (name == "text") {
        return ResultsFormat::text;
    }
    if (name == "json") {
        return ResultsFormat::json;
    }
    if (name == "jsonl") {
        return ResultsFormat::jsonl;
    }
    if (name == "prometheus") {
        return ResultsFormat::prometheus;
    }
    return std::nullopt;
}

void append_result_text(std::string& out, const diff::NameResult& r) {
    append_esc(out, r.name);
    append_literal(out, ": ");
    out += diff::status_name(r.status);
    if (r.status == diff::Status::error) {
        out += ": " + esc(r.error) + "\n";
    } else if (r.status == diff::Status::unchecked && r.expected_from.empty() && !r.error.empty()) {
        append_literal(out, " (no policy domain covers it)\n");
    } else {
        if (r.relevant_name.empty()) {
            append_literal(out, " (no CAA set up to the root");
        } else {
            append_literal(out, " (CAA set at ");
            append_where(out, r.relevant_name, r.found_at);
        }
        if (r.expected_from.empty()) {
            out += r.status == diff::Status::unchecked
                       ? "; no policy domain covers it)\n"
                       : "; no policy domain above it has records)\n";
        } else {
            append_literal(out, "; policy domain ");
            append_esc(out, r.expected_from);
            append_literal(out, ")\n");
        }
    }
    for (const auto& m : r.difference.missing) {
        out += "  - " + record_text(m) + "\n";
    }
    for (const auto& u : r.difference.unexpected) {
        out += "  + " + record_text(u) + "\n";
    }
    for (const auto& note : r.notes) {
        out += "  note: " + esc(note) + "\n";
    }
    for (const auto& [step, state] : r.step_dnssec) {
        out += "  step " + esc(step.empty() ? "." : step) + " " + dnssec_tag(state) + "\n";
    }
    if (!r.dnssec_warning.empty()) {
        out += "  warning: " + esc(r.dnssec_warning) + "\n";
    }
    for (const auto& s : r.servers) {
        out += "  server " + esc(s.server) + " zone " + esc(s.zone.empty() ? "." : s.zone) +
               " serial ";
        if (s.serial) {
            out += std::to_string(*s.serial);
        } else {
            out += "? (" + esc(s.serial_error) + ")";
        }
        append_literal(out, ": ");
        out += diff::status_name(s.status);
        if (s.result.dnssec.state != dnssec::State::off) {
            out += " " + dnssec_tag(s.result.dnssec);
        }
        if (s.result.outcome == climb::Outcome::failure) {
            out += ": " + esc(s.result.reason) + "\n";
            continue;
        }
        if (s.result.outcome == climb::Outcome::none) {
            append_literal(out, ", no CAA set\n");
            continue;
        }
        out += ", set at " + where(s.result.relevant_name, s.result.found_at) + "\n";
        for (const auto& line : sorted_lines(s.result.records)) {
            out += "    " + line + "\n";
        }
    }
}

void append_result_json(std::string& text, const diff::NameResult& r) {
    Appender out(text);
    append_literal(out, "{\"name\":");
    append_json_string(out, r.name);
    append_literal(out, ",\"status\":\"");
    out += diff::status_name(r.status);
    append_literal(out, "\",\"expected_from\":");
    append_json_or_null(out, r.expected_from);
    append_literal(out, ",\"relevant_name\":");
    append_json_or_null(out, r.relevant_name);
    append_literal(out, ",\"found_at\":");
    append_json_or_null(out, r.found_at);
    append_literal(out, ",\"expected\":");
    json_records(out, r.expected);
    append_literal(out, ",\"actual\":");
    json_sourced(out, r.actual);
    append_literal(out, ",\"missing\":");
    json_records(out, r.difference.missing);
    append_literal(out, ",\"unexpected\":");
    json_records(out, r.difference.unexpected);
    append_literal(out, ",\"path\":");
    json_strings(out, r.path);
    append_literal(out, ",\"notes\":");
    json_strings(out, r.notes);
    append_literal(out, ",\"servers\":[");
    for (std::size_t j = 0; j < r.servers.size(); ++j) {
        const auto& s = r.servers[j];
        if (j > 0) {
            out += ',';
        }
        out += "{\"server\":" + text::json_string(s.server) +
               ",\"zone\":" + text::json_string(s.zone) + ",\"serial\":";
        out += s.serial ? std::to_string(*s.serial) : std::string("null");
        append_literal(out, ",\"status\":\"");
        out += diff::status_name(s.status);
        out += "\",\"found_at\":" + json_or_null(s.result.found_at) + ",\"actual\":";
        json_sourced(out, s.result.records);
        append_literal(out, ",\"error\":");
        out += s.result.outcome == climb::Outcome::failure ? text::json_string(s.result.reason)
                                                           : std::string("null");
        append_literal(out, ",\"dnssec\":");
        json_dnssec(out, s.result.dnssec);
        out += '}';
    }
    append_literal(out, "],\"servers_disagree\":");
    out += r.servers_disagree ? "true" : "false";
    append_literal(out, ",\"error\":");
    append_json_or_null(out, r.error);
    append_literal(out, ",\"dnssec\":");
    json_dnssec(out, r.dnssec, r.dnssec_warning);
    append_literal(out, ",\"steps\":[");
    for (std::size_t j = 0; j < r.step_dnssec.size(); ++j) {
        if (j > 0) {
            out += ',';
        }
        out += "{\"name\":" + text::json_string(r.step_dnssec[j].first) + ",\"dnssec\":";
        json_dnssec(out, r.step_dnssec[j].second);
        out += '}';
    }
    append_literal(out, "]}");
}

namespace {

std::string json_summary(const ResultsSummary& s) {
    return "{\"checked\":" + std::to_string(s.checked) + ",\"ok\":" + std::to_string(s.ok) +
           ",\"drift\":" + std::to_string(s.drift) +
           ",\"unchecked\":" + std::to_string(s.unchecked) +
           ",\"error\":" + std::to_string(s.error) + "}";
}

} // namespace

namespace {
void append_prometheus_label(std::string& out, std::string_view value) {
    // Host names, nearly always, need no escape: copied up to the first byte that does.
    const std::size_t plain = plain_prefix(value);
    out.append(value.substr(0, plain));
    for (unsigned char c : value.substr(plain)) {
        if (c == '\\') {
            append_literal(out, "\\\\");
        } else if (c == '"') {
            append_literal(out, "\\\"");
        } else if (c == '\n') {
            append_literal(out, "\\n");
        } else if (c < 0x20 || c >= 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\\\x%02x", c);
            out += buffer;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

// A gauge family: its name and HELP text.
struct Family {
    const char* name;
    const char* help;
};

// The families with a sample per name, one output section each, in output order; the DNSSEC
// ones (the last two) only when the run validated.
constexpr Family per_name_families[] = {
    {"caapol_caa_drift", "1 when the live CAA set of the name differs from the policy."},
    {"caapol_caa_lookup_error", "1 when the CAA lookup of the name failed (undecided)."},
    {"caapol_caa_dnssec_bogus", "1 when DNSSEC validation of the name's CAA lookups failed "
                                "(bogus or a DS/DNSKEY lookup error)."},
    {"caapol_caa_rrsig_expiry_seconds",
     "Seconds until the earliest signature a secure CAA answer rests on expires."},
};

std::string family_header(const Family& family) {
    return std::string("# HELP ") + family.name + " " + family.help + "\n# TYPE " + family.name +
           " gauge\n";
}

void append_sample(std::string& out, const Family& family, std::string_view name,
                   std::int64_t value) {
    out += family.name;
    append_literal(out, "{name=\"");
    append_prometheus_label(out, name);
    append_literal(out, "\"} ");
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
    out += '\n';
}
} // namespace

std::string prometheus_label(std::string_view value) {
    std::string out;
    append_prometheus_label(out, value);
    return out;
}

std::size_t ResultsStream::sections() const {
    return format_ == ResultsFormat::prometheus ? std::size(per_name_families) : 1;
}

void ResultsStream::add(const diff::NameResult& r, bool first, std::string* out) const {
    switch (format_) {
    case ResultsFormat::text:
        append_result_text(out[0], r);
        return;
    case ResultsFormat::json:
        out[0] += first ? "\n" : ",\n";
        append_result_json(out[0], r);
        return;
    case ResultsFormat::jsonl:
        append_result_json(out[0], r);
        out[0] += '\n';
        return;
    case ResultsFormat::prometheus:
        // Every metric's line of the name at once, each into its own section.
        append_sample(out[0], per_name_families[0], r.name, r.status == diff::Status::drift);
        append_sample(out[1], per_name_families[1], r.name, r.status == diff::Status::error);
        if (!dnssec_) {
            return;
        }
        append_sample(out[2], per_name_families[2], r.name, r.dnssec.fatal);
        if (r.dnssec.state == dnssec::State::secure && r.dnssec.expires != 0) {
            append_sample(out[3], per_name_families[3], r.name, r.dnssec.expires - timestamp_);
        }
        return;
    }
}

std::string ResultsStream::opening(std::size_t section) const {
    switch (format_) {
    case ResultsFormat::text:
    case ResultsFormat::jsonl:
        return {};
    case ResultsFormat::json:
        return "{\"version\":1,\"results\":[";
    case ResultsFormat::prometheus:
        break;
    }
    // The DNSSEC families (sections 2 and 3) only when the run validated.
    if (section >= std::size(per_name_families) || (section >= 2 && !dnssec_)) {
        return {};
    }
    return family_header(per_name_families[section]);
}

std::string ResultsStream::closing(const ResultsSummary& s) const {
    switch (format_) {
    case ResultsFormat::text:
        return std::to_string(s.checked) + (s.checked == 1 ? " name" : " names") +
               " checked: " + std::to_string(s.ok) + " ok, " + std::to_string(s.drift) +
               " drift, " + std::to_string(s.unchecked) + " unchecked, " + std::to_string(s.error) +
               " error" + (s.error == 1 ? "" : "s") + "\n";
    case ResultsFormat::json:
        return "\n],\"summary\":" + json_summary(s) + "}\n";
    case ResultsFormat::jsonl:
        return "{\"version\":1,\"summary\":" + json_summary(s) + "}\n";
    case ResultsFormat::prometheus:
        break;
    }
    const std::pair<Family, std::int64_t> totals[] = {
        {{"caapol_names_checked", "Names checked by the last run."},
         static_cast<std::int64_t>(s.checked)},
        {{"caapol_names_drifted", "Names whose CAA set differs from the policy."},
         static_cast<std::int64_t>(s.drift)},
        {{"caapol_names_unchecked", "Names that no policy domain covers (no expectation)."},
         static_cast<std::int64_t>(s.unchecked)},
        {{"caapol_lookup_errors", "Names whose lookup failed."},
         static_cast<std::int64_t>(s.error)},
        {{"caapol_last_run_timestamp_seconds", "When the last run finished (Unix time)."},
         timestamp_},
    };
    std::string out;
    for (const auto& [family, value] : totals) {
        out += family_header(family);
        out += family.name;
        out += ' ';
        out += std::to_string(value);
        out += '\n';
    }
    return out;
}

std::string render_results(ResultsFormat format, const std::vector<diff::NameResult>& results,
                           std::int64_t timestamp) {
    ResultsSummary summary = summarize_results(results);
    ResultsStream stream(format, timestamp, summary.validated);
    std::string sections[ResultsStream::max_sections];
    for (std::size_t i = 0; i < results.size(); ++i) {
        stream.add(results[i], i == 0, sections);
    }
    std::string out;
    for (std::size_t k = 0; k < stream.sections(); ++k) {
        out += stream.opening(k);
        out += sections[k];
    }
    return out + stream.closing(summary);
}

std::string render_results_text(const std::vector<diff::NameResult>& results) {
    return render_results(ResultsFormat::text, results, 0);
}

} // namespace caapol::output
