#include "caapol/core/diagnostic.hpp"

#include "caapol/core/text.hpp"

#include <algorithm>

namespace caapol {

const char* severity_name(Severity severity) {
    switch (severity) {
    case Severity::note:
        return "note";
    case Severity::warning:
        return "warning";
    case Severity::error:
        return "error";
    }
    return "error";
}

void Diagnostics::add(Severity severity, std::string rule, Location location, std::string message) {
    items_.push_back(
        Diagnostic{severity, std::move(rule), std::move(location), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::size_t Diagnostics::count(Severity severity) const {
    return static_cast<std::size_t>(std::count_if(
        items_.begin(), items_.end(), [&](const Diagnostic& d) { return d.severity == severity; }));
}

void Diagnostics::sort_by_location() {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.location.file != b.location.file) {
            return a.location.file < b.location.file;
        }
        if (a.location.line != b.location.line) {
            return a.location.line < b.location.line;
        }
        return a.location.column < b.location.column;
    });
}

std::string format_location(const Location& location) {
    std::string out = text::escape_for_terminal(location.file);
    if (location.line > 0) {
        out += ':' + std::to_string(location.line);
        if (location.column > 0) {
            out += ':' + std::to_string(location.column);
        }
    }
    return out;
}

std::string format_diagnostic(const Diagnostic& diagnostic) {
    std::string out;
    std::string where = format_location(diagnostic.location);
    if (!where.empty()) {
        out += where + ": ";
    }
    out += severity_name(diagnostic.severity);
    out += ": ";
    out += text::escape_for_terminal(diagnostic.message);
    if (!diagnostic.rule.empty()) {
        out += " [" + diagnostic.rule + "]";
    }
    return out;
}

} // namespace caapol
