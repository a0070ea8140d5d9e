// Rendering of `caapol verify` results: text for people, JSON and JSON Lines for programs,
// Prometheus (node_exporter textfile collector) for monitoring. Everything that came from DNS
// or files is escaped for its destination. Results are rendered one at a time as they come
// (ResultsStream), so that a run over millions of names keeps nothing per name once written.
#pragma once

#include "caapol/diff/diff.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::output {

struct ResultsSummary {
    std::size_t checked = 0;
    std::size_t ok = 0;
    std::size_t drift = 0;
    std::size_t unchecked = 0;
    std::size_t error = 0;
    bool validated = false; // some name's lookups were DNSSEC-validated
    void add(const ResultsSummary& other);
};
void count_result(ResultsSummary& summary, const diff::NameResult& result);
ResultsSummary summarize_results(const std::vector<diff::NameResult>& results);

enum class ResultsFormat { text, json, jsonl, prometheus };
// "text", "json", "jsonl", "prometheus"; nullopt for anything else.
std::optional<ResultsFormat> parse_results_format(std::string_view name);

// One result as a JSON object (no newline): the entry of JSON's "results" array and the line of
// JSON Lines, the same text for both.
void append_result_json(std::string& out, const diff::NameResult& result);
// One result's block of text: "NAME: ok|drift|unchecked|error ..." then indented "-"/"+"
// record lines, notes and servers.
void append_result_text(std::string& out, const diff::NameResult& result);

// The output of a run, in pieces: sections() sections (Prometheus: one per metric family,
// since a family's lines must be together; the others: one), each its opening() then the
// add()ed text of every result in order, then closing() with the summary.
//   text:       each result's block, then "N names checked: ..." line
//   json:       {"version":1,"results":[ ENTRY,\n ENTRY ... ],"summary":{...}}
//   jsonl:      one ENTRY per line, then {"version":1,"summary":{...}}
//   prometheus: caapol_caa_drift{name}, caapol_caa_lookup_error{name}, with `dnssec`
//               caapol_caa_dnssec_bogus{name} and caapol_caa_rrsig_expiry_seconds{name}; then
//               caapol_names_checked, _drifted, _unchecked, caapol_lookup_errors,
//               caapol_last_run_timestamp_seconds (`timestamp`).
class ResultsStream {
public:
    static constexpr std::size_t max_sections = 4;
    ResultsStream(ResultsFormat format, std::int64_t timestamp, bool dnssec)
        : format_(format), timestamp_(timestamp), dnssec_(dnssec) {}

    ResultsFormat format() const { return format_; }
    std::size_t sections() const;
    // Appends the result's text of section k to out[k]; `first`: the run's first result.
    void add(const diff::NameResult& result, bool first, std::string* out) const;
    std::string opening(std::size_t section) const;
    std::string closing(const ResultsSummary& summary) const;

private:
    ResultsFormat format_;
    std::int64_t timestamp_;
    bool dnssec_;
};

// A whole run's output at once (the DNSSEC gauges when some result was validated).
std::string render_results(ResultsFormat format, const std::vector<diff::NameResult>& results,
                           std::int64_t timestamp);
std::string render_results_text(const std::vector<diff::NameResult>& results);

// A Prometheus label value: backslash, double quote and newline escaped; other control and
// non-ASCII bytes as the literal text \xNN (with an escaped backslash).
std::string prometheus_label(std::string_view value);

} // namespace caapol::output
