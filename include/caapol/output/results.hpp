// Rendering of `caapol verify` results: text for people, JSON for programs, Prometheus
// (node_exporter textfile collector) for monitoring. Everything that came from DNS or files is
// escaped for its destination.
#pragma once

#include "caapol/diff/diff.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace caapol::output {

struct ResultsSummary {
    std::size_t checked = 0;
    std::size_t ok = 0;
    std::size_t drift = 0;
    std::size_t unchecked = 0;
    std::size_t error = 0;
};
ResultsSummary summarize_results(const std::vector<diff::NameResult>& results);

// One block per name ("NAME: ok|drift|unchecked|error ..." then indented "-"/"+" record lines,
// notes and servers), then a summary line.
std::string render_results_text(const std::vector<diff::NameResult>& results);

// {"version":1,"results":[...]} followed by a newline.
std::string render_results_json(const std::vector<diff::NameResult>& results);

// Gauges caapol_caa_drift{name}, caapol_caa_lookup_error{name}, caapol_names_checked,
// caapol_names_drifted, caapol_names_unchecked, caapol_lookup_errors,
// caapol_last_run_timestamp_seconds.
std::string render_results_prometheus(const std::vector<diff::NameResult>& results,
                                      std::int64_t timestamp);

// A Prometheus label value: backslash, double quote and newline escaped; other control and
// non-ASCII bytes as the literal text \xNN (with an escaped backslash).
std::string prometheus_label(std::string_view value);

} // namespace caapol::output
