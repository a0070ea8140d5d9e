#include "caapol/output/diagnostics.hpp"

#include "caapol/core/text.hpp"

namespace caapol::output {

namespace {

const char* sarif_level(Severity severity) {
    switch (severity) {
    case Severity::error:
        return "error";
    case Severity::warning:
        return "warning";
    case Severity::note:
        return "note";
    }
    return "error";
}

} // namespace

std::string render_text(const Diagnostics& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics.all()) {
        out += format_diagnostic(d);
        out += '\n';
    }
    return out;
}

std::string render_json(const Diagnostics& diagnostics) {
    std::string out = "{\"version\":1,\"diagnostics\":[";
    bool first = true;
    for (const auto& d : diagnostics.all()) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "{\"file\":" + text::json_string(d.location.file) +
               ",\"line\":" + std::to_string(d.location.line) +
               ",\"column\":" + std::to_string(d.location.column) +
               ",\"severity\":" + text::json_string(severity_name(d.severity)) +
               ",\"rule\":" + text::json_string(d.rule) +
               ",\"message\":" + text::json_string(d.message) + "}";
    }
    out += first ? "]}\n" : "\n]}\n";
    return out;
}

std::string render_json(const Diagnostics& diagnostics,
                        const std::vector<diff::NameResult>& verdicts) {
    std::string out = render_json(diagnostics);
    out.resize(out.size() - 2); // the closing "}\n": the verdicts come before it
    out += ",\"verdicts\":[";
    auto records = [](const std::vector<caa::Record>& list) {
        std::string text = "[";
        for (std::size_t i = 0; i < list.size(); ++i) {
            text += (i ? "," : "") + text::json_string(caa::to_presentation(list[i]));
        }
        return text + "]";
    };
    auto or_null = [](const std::string& s) { return s.empty() ? "null" : text::json_string(s); };
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        const auto& v = verdicts[i];
        out += (i ? ",\n" : "\n");
        out += "{\"name\":" + text::json_string(v.name) + ",\"status\":\"" +
               diff::status_name(v.status) + "\",\"expected_from\":" + or_null(v.expected_from) +
               ",\"found_at\":" + or_null(v.found_at) +
               ",\"missing\":" + records(v.difference.missing) +
               ",\"unexpected\":" + records(v.difference.unexpected) +
               ",\"error\":" + or_null(v.error) + "}";
    }
    out += verdicts.empty() ? "]}\n" : "\n]}\n";
    return out;
}

std::string path_to_uri(const std::string& path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = path.empty() || path[0] != '/' ? "" : "file://";
    for (unsigned char c : path) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string render_sarif(const Diagnostics& diagnostics, const std::vector<RuleHelp>& rules,
                         const std::string& tool_name, const std::string& tool_version) {
    std::string out;
    out += "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n";
    out += "  \"version\": \"2.1.0\",\n";
    out += "  \"runs\": [\n    {\n";
    out += "      \"tool\": {\n        \"driver\": {\n";
    out += "          \"name\": " + text::json_string(tool_name) + ",\n";
    out += "          \"version\": " + text::json_string(tool_version) + ",\n";
    out += "          \"rules\": [";
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const RuleHelp& rule = rules[i];
        out += i == 0 ? "\n" : ",\n";
        out += "            {\"id\": " + text::json_string(rule.id) +
               ", \"shortDescription\": {\"text\": " + text::json_string(rule.summary) +
               "}, \"fullDescription\": {\"text\": " + text::json_string(rule.help) +
               "}, \"help\": {\"text\": " + text::json_string(rule.help) +
               "}, \"defaultConfiguration\": {\"level\": \"" + sarif_level(rule.severity) + "\"}}";
    }
    out += rules.empty() ? "]\n" : "\n          ]\n";
    out += "        }\n      },\n";
    out += "      \"results\": [";
    bool first = true;
    for (const auto& d : diagnostics.all()) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "        {\"ruleId\": " + text::json_string(d.rule);
        for (std::size_t i = 0; i < rules.size(); ++i) {
            if (rules[i].id == d.rule) {
                out += ", \"ruleIndex\": " + std::to_string(i);
                break;
            }
        }
        out += std::string(", \"level\": \"") + sarif_level(d.severity) + "\"";
        out += ", \"message\": {\"text\": " + text::json_string(d.message) + "}";
        if (!d.location.file.empty()) {
            out += ", \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": " +
                   text::json_string(path_to_uri(d.location.file)) + "}";
            if (d.location.line > 0) {
                out += ", \"region\": {\"startLine\": " + std::to_string(d.location.line);
                if (d.location.column > 0) {
                    out += ", \"startColumn\": " + std::to_string(d.location.column);
                }
                out += "}";
            }
            out += "}}]";
        }
        out += "}";
    }
    out += first ? "]\n" : "\n      ]\n";
    out += "    }\n  ]\n}\n";
    return out;
}

} // namespace caapol::output
