#include "caapol/output/results.hpp"

#include "caapol/core/text.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace caapol::output {

namespace {

std::string esc(std::string_view s) {
    return text::escape_for_terminal(s);
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

std::string where(const std::string& relevant, const std::string& found_at) {
    std::string out = esc(relevant);
    if (!found_at.empty() && found_at != relevant) {
        out += " -> " + esc(found_at);
    }
    return out;
}

void json_record(std::ostringstream& out, const caa::Record& r, const std::uint32_t* ttl) {
    out << "{\"flags\":" << static_cast<unsigned>(r.flags)
        << ",\"tag\":" << text::json_string(r.tag) << ",\"value\":" << text::json_string(r.value);
    if (ttl != nullptr) {
        out << ",\"ttl\":" << *ttl;
    }
    out << "}";
}

void json_records(std::ostringstream& out, const std::vector<caa::Record>& records) {
    out << "[";
    for (std::size_t i = 0; i < records.size(); ++i) {
        out << (i ? "," : "");
        json_record(out, records[i], nullptr);
    }
    out << "]";
}

void json_sourced(std::ostringstream& out, const std::vector<climb::SourcedRecord>& records) {
    out << "[";
    for (std::size_t i = 0; i < records.size(); ++i) {
        out << (i ? "," : "");
        json_record(out, records[i].record, &records[i].ttl);
    }
    out << "]";
}

std::string json_or_null(const std::string& s) {
    return s.empty() ? "null" : text::json_string(s);
}

void json_strings(std::ostringstream& out, const std::vector<std::string>& items) {
    out << "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out << (i ? "," : "") << text::json_string(items[i]);
    }
    out << "]";
}

} // namespace

ResultsSummary summarize_results(const std::vector<diff::NameResult>& results) {
    ResultsSummary s;
    s.checked = results.size();
    for (const auto& r : results) {
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
    }
    return s;
}

std::string render_results_text(const std::vector<diff::NameResult>& results) {
    std::ostringstream out;
    for (const auto& r : results) {
        out << esc(r.name) << ": " << diff::status_name(r.status);
        if (r.status == diff::Status::error) {
            out << ": " << esc(r.error) << "\n";
        } else if (r.status == diff::Status::unchecked && r.expected_from.empty() &&
                   !r.error.empty()) {
            out << " (no policy domain covers it)\n";
        } else {
            if (r.relevant_name.empty()) {
                out << " (no CAA set up to the root";
            } else {
                out << " (CAA set at " << where(r.relevant_name, r.found_at);
            }
            if (r.expected_from.empty()) {
                out << (r.status == diff::Status::unchecked
                            ? "; no policy domain covers it)\n"
                            : "; no policy domain above it has records)\n");
            } else {
                out << "; policy domain " << esc(r.expected_from) << ")\n";
            }
        }
        for (const auto& m : r.difference.missing) {
            out << "  - " << record_text(m) << "\n";
        }
        for (const auto& u : r.difference.unexpected) {
            out << "  + " << record_text(u) << "\n";
        }
        for (const auto& note : r.notes) {
            out << "  note: " << esc(note) << "\n";
        }
        for (const auto& s : r.servers) {
            out << "  server " << esc(s.server) << " zone " << esc(s.zone.empty() ? "." : s.zone)
                << " serial ";
            if (s.serial) {
                out << *s.serial;
            } else {
                out << "? (" << esc(s.serial_error) << ")";
            }
            out << ": " << diff::status_name(s.status);
            if (s.result.outcome == climb::Outcome::failure) {
                out << ": " << esc(s.result.reason) << "\n";
                continue;
            }
            if (s.result.outcome == climb::Outcome::none) {
                out << ", no CAA set\n";
                continue;
            }
            out << ", set at " << where(s.result.relevant_name, s.result.found_at) << "\n";
            for (const auto& line : sorted_lines(s.result.records)) {
                out << "    " << line << "\n";
            }
        }
    }
    ResultsSummary s = summarize_results(results);
    out << s.checked << (s.checked == 1 ? " name" : " names") << " checked: " << s.ok << " ok, "
        << s.drift << " drift, " << s.unchecked << " unchecked, " << s.error << " error"
        << (s.error == 1 ? "" : "s") << "\n";
    return out.str();
}

std::string render_results_json(const std::vector<diff::NameResult>& results) {
    std::ostringstream out;
    out << "{\"version\":1,\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        out << (i ? ",\n" : "\n") << "{\"name\":" << text::json_string(r.name) << ",\"status\":\""
            << diff::status_name(r.status) << "\""
            << ",\"expected_from\":" << json_or_null(r.expected_from)
            << ",\"relevant_name\":" << json_or_null(r.relevant_name)
            << ",\"found_at\":" << json_or_null(r.found_at) << ",\"expected\":";
        json_records(out, r.expected);
        out << ",\"actual\":";
        json_sourced(out, r.actual);
        out << ",\"missing\":";
        json_records(out, r.difference.missing);
        out << ",\"unexpected\":";
        json_records(out, r.difference.unexpected);
        out << ",\"path\":";
        json_strings(out, r.path);
        out << ",\"notes\":";
        json_strings(out, r.notes);
        out << ",\"servers\":[";
        for (std::size_t j = 0; j < r.servers.size(); ++j) {
            const auto& s = r.servers[j];
            out << (j ? "," : "") << "{\"server\":" << text::json_string(s.server)
                << ",\"zone\":" << text::json_string(s.zone) << ",\"serial\":";
            if (s.serial) {
                out << *s.serial;
            } else {
                out << "null";
            }
            out << ",\"status\":\"" << diff::status_name(s.status) << "\""
                << ",\"found_at\":" << json_or_null(s.result.found_at) << ",\"actual\":";
            json_sourced(out, s.result.records);
            out << ",\"error\":"
                << (s.result.outcome == climb::Outcome::failure ? text::json_string(s.result.reason)
                                                                : "null")
                << "}";
        }
        out << "],\"servers_disagree\":" << (r.servers_disagree ? "true" : "false")
            << ",\"error\":" << (r.error.empty() ? "null" : text::json_string(r.error)) << "}";
    }
    ResultsSummary s = summarize_results(results);
    out << "\n],\"summary\":{\"checked\":" << s.checked << ",\"ok\":" << s.ok
        << ",\"drift\":" << s.drift << ",\"unchecked\":" << s.unchecked << ",\"error\":" << s.error
        << "}}\n";
    return out.str();
}

namespace {
void append_prometheus_label(std::string& out, std::string_view value) {
    bool plain = true;
    for (unsigned char c : value) {
        plain = plain && c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
    }
    if (plain) { // host names, nearly always
        out.append(value);
        return;
    }
    for (unsigned char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c >= 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\\\x%02x", c);
            out += buffer;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}
} // namespace

std::string prometheus_label(std::string_view value) {
    std::string out;
    append_prometheus_label(out, value);
    return out;
}

std::string render_results_prometheus(const std::vector<diff::NameResult>& results,
                                      std::int64_t timestamp) {
    // One pass over the results filling both metrics' lines (not an ostream, not a pass per
    // metric): 200,000 lines for 100,000 names, and the results are far apart in memory.
    std::string lines;
    std::string error_lines;
    lines.reserve(64 * results.size() + 1024);
    error_lines.reserve(72 * results.size() + 1024);
    lines += "# HELP caapol_caa_drift 1 when the live CAA set of the name differs from the "
             "policy.\n# TYPE caapol_caa_drift gauge\n";
    error_lines +=
        "# HELP caapol_caa_lookup_error 1 when the CAA lookup of the name failed (undecided)."
        "\n# TYPE caapol_caa_lookup_error gauge\n";
    for (const auto& r : results) {
        lines += "caapol_caa_drift{name=\"";
        append_prometheus_label(lines, r.name);
        lines += r.status == diff::Status::drift ? "\"} 1\n" : "\"} 0\n";
        error_lines += "caapol_caa_lookup_error{name=\"";
        append_prometheus_label(error_lines, r.name);
        error_lines += r.status == diff::Status::error ? "\"} 1\n" : "\"} 0\n";
    }
    lines += error_lines;
    std::ostringstream out;
    ResultsSummary s = summarize_results(results);
    out << "# HELP caapol_names_checked Names checked by the last run.\n"
           "# TYPE caapol_names_checked gauge\ncaapol_names_checked "
        << s.checked << "\n";
    out << "# HELP caapol_names_drifted Names whose CAA set differs from the policy.\n"
           "# TYPE caapol_names_drifted gauge\ncaapol_names_drifted "
        << s.drift << "\n";
    out << "# HELP caapol_names_unchecked Names that no policy domain covers (no "
           "expectation).\n# TYPE caapol_names_unchecked gauge\ncaapol_names_unchecked "
        << s.unchecked << "\n";
    out << "# HELP caapol_lookup_errors Names whose lookup failed.\n"
           "# TYPE caapol_lookup_errors gauge\ncaapol_lookup_errors "
        << s.error << "\n";
    out << "# HELP caapol_last_run_timestamp_seconds When the last run finished (Unix time).\n"
           "# TYPE caapol_last_run_timestamp_seconds gauge\ncaapol_last_run_timestamp_seconds "
        << timestamp << "\n";
    lines += out.str();
    return lines;
}

} // namespace caapol::output
