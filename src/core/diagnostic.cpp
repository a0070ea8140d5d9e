#include "caapol/core/diagnostic.hpp"

#include "caapol/core/text.hpp"

#include <algorithm>
#include <unordered_set>

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
    auto same_place = [](const Location& a, const Location& b) {
        return a.file == b.file && a.line == b.line && a.column == b.column;
    };
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.location.file != b.location.file) {
            return a.location.file < b.location.file;
        }
        if (a.location.line != b.location.line) {
            return a.location.line < b.location.line;
        }
        return a.location.column < b.location.column;
    });
    // Exact repeats (the same finding reached twice, e.g. through two loaded zones that both
    // hold a name) are dropped: the first is kept.
    std::vector<Diagnostic> kept;
    kept.reserve(items_.size());
    std::unordered_set<std::string> seen; // severity, rule and message within one location
    Location place; // of the group being read (items are moved away once kept)
    for (std::size_t i = 0; i < items_.size(); ++i) {
        Diagnostic& d = items_[i];
        if (i == 0 || !same_place(d.location, place)) {
            seen.clear();
            place = d.location;
        }
        std::string key =
            std::to_string(static_cast<int>(d.severity)) + '\0' + d.rule + '\0' + d.message;
        if (seen.insert(std::move(key)).second) {
            kept.push_back(std::move(d));
        }
    }
    items_ = std::move(kept);
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
