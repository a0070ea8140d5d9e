// Diagnostics rendered for people, programs and GitHub code scanning: text, JSON, SARIF 2.1.0.
// Every string is escaped for where it goes (core/text.hpp): nothing from a zone file or a
// policy can inject terminal controls or break the JSON.
#pragma once

#include "caapol/core/diagnostic.hpp"
#include "caapol/diff/diff.hpp"

#include <string>
#include <vector>

namespace caapol::output {

// What SARIF tells about a rule (GitHub shows it beside each alert).
struct RuleHelp {
    std::string id;
    Severity severity = Severity::error;
    std::string summary; // one line
    std::string help;    // what is wrong and the fix
};

// "FILE:LINE:COL: severity: message [rule]" per line.
std::string render_text(const Diagnostics& diagnostics);

// {"version":1,"diagnostics":[{"file","line","column","severity","rule","message"}, ...]}
// (one diagnostic per line; "line"/"column" are 0 when unknown).
std::string render_json(const Diagnostics& diagnostics);
// The same with "verdicts":[{"name","status","expected_from","found_at","missing","unexpected",
// "error"}, ...] after the diagnostics: lint's verdict per name (lint --policy).
std::string render_json(const Diagnostics& diagnostics,
                        const std::vector<diff::NameResult>& verdicts);

// SARIF 2.1.0, one run of the tool `tool_name` `tool_version`, describing `rules` and the
// results with their locations (file paths as URIs relative to the working directory when
// they are relative).
std::string render_sarif(const Diagnostics& diagnostics, const std::vector<RuleHelp>& rules,
                         const std::string& tool_name, const std::string& tool_version);

// A relative path as a URI reference ("dir/a b.zone" -> "dir/a%20b.zone"); an absolute path
// as a file: URI.
std::string path_to_uri(const std::string& path);

} // namespace caapol::output
