// Findings as data: every module reports problems as Diagnostic values into a sink; only cli/
// decides how to render them and which exit status follows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace caapol {

struct Location {
    std::string file;         // as given by the user; empty when there is no file (e.g. live DNS)
    std::uint32_t line = 0;   // 1-based; 0 = unknown
    std::uint32_t column = 0; // 1-based; 0 = unknown
};

enum class Severity { note, warning, error };

const char* severity_name(Severity severity);

struct Diagnostic {
    Severity severity = Severity::error;
    std::string rule; // stable rule id, e.g. "issuer-syntax"
    Location location;
    std::string message;
};

// Collects diagnostics in the order they are found.
class Diagnostics {
public:
    void add(Severity severity, std::string rule, Location location, std::string message);
    void error(std::string rule, Location location, std::string message) {
        add(Severity::error, std::move(rule), std::move(location), std::move(message));
    }
    void warning(std::string rule, Location location, std::string message) {
        add(Severity::warning, std::move(rule), std::move(location), std::move(message));
    }
    void note(std::string rule, Location location, std::string message) {
        add(Severity::note, std::move(rule), std::move(location), std::move(message));
    }
    void append(const Diagnostics& other);

    const std::vector<Diagnostic>& all() const { return items_; }
    std::size_t count(Severity severity) const;
    bool has_errors() const { return count(Severity::error) > 0; }
    bool empty() const { return items_.empty(); }

    // Stable sort by file, line, column (keeps discovery order for equal positions); exact
    // repeats (same severity, rule, location and message) are dropped.
    void sort_by_location();

private:
    std::vector<Diagnostic> items_;
};

// "FILE:LINE:COL: severity: message [rule]" (parts that are unknown are left out).
// The message is escaped for a terminal: no control characters pass through.
std::string format_diagnostic(const Diagnostic& diagnostic);

// "FILE:LINE:COL" (or shorter when line/column are unknown).
std::string format_location(const Location& location);

// Thrown only when a command cannot continue (unreadable input, bad usage).
// cli/ turns it into exit status 2.
struct InputError {
    std::string message;
};

} // namespace caapol
