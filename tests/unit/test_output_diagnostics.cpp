#include "caapol/output/diagnostics.hpp"

#include <doctest/doctest.h>
#include <map>
#include <memory>

using namespace caapol;

namespace {

// A small strict JSON reader (RFC 8259) for checking the output's structure.
struct Json {
    enum Kind { null, boolean, number, string, array, object } kind = null;
    std::string text; // string value, or number text
    std::vector<Json> items;
    std::map<std::string, Json> members;
    const Json& operator[](const std::string& key) const {
        static const Json missing;
        auto it = members.find(key);
        return it == members.end() ? missing : it->second;
    }
};

struct JsonReader {
    std::string_view s;
    std::size_t i = 0;
    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) {
            ++i;
        }
    }
    void expect(char c) {
        ws();
        if (i >= s.size() || s[i] != c) {
            throw std::runtime_error(std::string("expected ") + c + " at " + std::to_string(i));
        }
        ++i;
    }
    std::string str() {
        expect('"');
        std::string out;
        while (true) {
            if (i >= s.size()) {
                throw std::runtime_error("unterminated string");
            }
            auto c = static_cast<unsigned char>(s[i++]);
            if (c == '"') {
                return out;
            }
            if (c < 0x20) {
                throw std::runtime_error("control character in string");
            }
            if (c == '\\') {
                char e = s.at(i++);
                if (e == 'u') {
                    out += "\\u" + std::string(s.substr(i, 4));
                    i += 4;
                } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                    throw std::runtime_error("bad escape");
                } else {
                    const std::string_view from = "\"\\/bfnrt";
                    const std::string_view to = "\"\\/\b\f\n\r\t";
                    out += to[from.find(e)];
                }
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    Json value() {
        ws();
        Json v;
        if (i >= s.size()) {
            throw std::runtime_error("unexpected end");
        }
        char c = s[i];
        if (c == '{') {
            v.kind = Json::object;
            ++i;
            ws();
            if (s.at(i) == '}') {
                ++i;
                return v;
            }
            while (true) {
                std::string key = str();
                expect(':');
                v.members[key] = value();
                ws();
                if (s.at(i) == ',') {
                    ++i;
                    continue;
                }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v.kind = Json::array;
            ++i;
            ws();
            if (s.at(i) == ']') {
                ++i;
                return v;
            }
            while (true) {
                v.items.push_back(value());
                ws();
                if (s.at(i) == ',') {
                    ++i;
                    continue;
                }
                expect(']');
                return v;
            }
        }
        if (c == '"') {
            v.kind = Json::string;
            v.text = str();
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            v.kind = Json::number;
            while (i < s.size() && (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))) {
                v.text += s[i++];
            }
            return v;
        }
        for (const char* word : {"true", "false", "null"}) {
            if (s.substr(i, std::string_view(word).size()) == word) {
                i += std::string_view(word).size();
                v.kind = word[0] == 'n' ? Json::null : Json::boolean;
                return v;
            }
        }
        throw std::runtime_error("unexpected character at " + std::to_string(i));
    }
};

Json parse(const std::string& text) {
    JsonReader reader{text};
    Json v = reader.value();
    reader.ws();
    if (reader.i != text.size()) {
        throw std::runtime_error("trailing data");
    }
    return v;
}

Diagnostics sample() {
    Diagnostics d;
    d.error("iodef-url", Location{"zones/db.example.com", 4, 1}, "bad \"url\"\n\x1b[31m");
    d.warning("tag-case", Location{"zones/a b.zone", 7, 0}, "tag \xff");
    d.note("policy-unchecked", Location{"policy.toml", 0, 0}, "outside");
    return d;
}

} // namespace

TEST_SUITE("output") {
    TEST_CASE("diagnostics as text: one escaped line each") {
        CHECK(output::render_text(sample()) ==
              "zones/db.example.com:4:1: error: bad \"url\"\\x0a\\x1b[31m [iodef-url]\n"
              "zones/a b.zone:7: warning: tag \\xff [tag-case]\n"
              "policy.toml: note: outside [policy-unchecked]\n");
        CHECK(output::render_text(Diagnostics{}) == "");
    }

    TEST_CASE("diagnostics as JSON: valid, versioned, every field") {
        std::string text = output::render_json(sample());
        Json j = parse(text);
        CHECK(j["version"].text == "1");
        REQUIRE(j["diagnostics"].items.size() == 3);
        const Json& first = j["diagnostics"].items[0];
        CHECK(first["file"].text == "zones/db.example.com");
        CHECK(first["line"].text == "4");
        CHECK(first["column"].text == "1");
        CHECK(first["severity"].text == "error");
        CHECK(first["rule"].text == "iodef-url");
        CHECK(first["message"].text == "bad \"url\"\n\\u001b[31m");
        CHECK(output::render_json(Diagnostics{}) == "{\"version\":1,\"diagnostics\":[]}\n");
    }

    TEST_CASE("diagnostics as SARIF 2.1.0: rules with help, results with locations") {
        std::vector<output::RuleHelp> rules = {
            {"iodef-url", Severity::error, "iodef not a URL", "Write a mailto: URL."},
            {"tag-case", Severity::warning, "tag case", "Lower case."},
        };
        Json j = parse(output::render_sarif(sample(), rules, "caapol", "9.9"));
        CHECK(j["version"].text == "2.1.0");
        CHECK(j["$schema"].kind == Json::string);
        REQUIRE(j["runs"].items.size() == 1);
        const Json& run = j["runs"].items[0];
        const Json& driver = run["tool"]["driver"];
        CHECK(driver["name"].text == "caapol");
        CHECK(driver["version"].text == "9.9");
        REQUIRE(driver["rules"].items.size() == 2);
        CHECK(driver["rules"].items[0]["id"].text == "iodef-url");
        CHECK(driver["rules"].items[0]["help"]["text"].text == "Write a mailto: URL.");
        CHECK(driver["rules"].items[1]["defaultConfiguration"]["level"].text == "warning");
        const auto& results = run["results"].items;
        REQUIRE(results.size() == 3);
        CHECK(results[0]["ruleId"].text == "iodef-url");
        CHECK(results[0]["ruleIndex"].text == "0");
        CHECK(results[0]["level"].text == "error");
        const Json& location = results[0]["locations"].items.at(0)["physicalLocation"];
        CHECK(location["artifactLocation"]["uri"].text == "zones/db.example.com");
        CHECK(location["region"]["startLine"].text == "4");
        CHECK(location["region"]["startColumn"].text == "1");
        const Json& second = results[1]["locations"].items.at(0)["physicalLocation"];
        CHECK(second["artifactLocation"]["uri"].text == "zones/a%20b.zone");
        CHECK(second["region"]["startColumn"].kind == Json::null);
        CHECK(results[2]["level"].text == "note");
        CHECK(results[2]["ruleIndex"].kind == Json::null);
        // Line 0 (unknown): no region, which GitHub would reject.
        CHECK(results[2]["locations"].items.at(0)["physicalLocation"]["region"].kind == Json::null);
    }

    TEST_CASE("paths as URIs") {
        CHECK(output::path_to_uri("zones/db.example.com") == "zones/db.example.com");
        CHECK(output::path_to_uri("/srv/dns/a b#c") == "file:///srv/dns/a%20b%23c");
    }
}
