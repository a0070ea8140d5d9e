#include "caapol/audit/issuers.hpp"

#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <cstddef>

extern const char ca_issuers_tsv[];
extern const std::size_t ca_issuers_tsv_size;

namespace caapol::audit {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

struct Attribute {
    std::string type;  // upper case
    std::string value; // unquoted, unescaped, as written
};

// "C=US, O=\"A, B\", CN=X" / "CN=X; O=A; C=US" / "/C=US/O=A/CN=X" -> attributes.
std::vector<Attribute> parse_dn(std::string_view dn) {
    dn = trim(dn);
    char slash_style = !dn.empty() && dn.front() == '/' ? '/' : '\0';
    std::vector<Attribute> out;
    std::string part;
    bool quoted = false;
    auto flush = [&]() {
        std::string_view text = trim(part);
        std::size_t eq = text.find('=');
        if (eq != std::string_view::npos) {
            Attribute a;
            a.type = upper(trim(text.substr(0, eq)));
            if (a.type == "S") {
                a.type = "ST";
            } else if (a.type == "EMAIL" || a.type == "E") {
                a.type = "EMAILADDRESS";
            }
            std::string_view value = trim(text.substr(eq + 1));
            a.value = std::string(value);
            out.push_back(std::move(a));
        }
        part.clear();
    };
    for (std::size_t i = 0; i < dn.size(); ++i) {
        char c = dn[i];
        if (c == '\\' && i + 1 < dn.size()) {
            part += dn[++i];
            continue;
        }
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        bool separator = slash_style ? c == '/' : (c == ',' || c == ';' || c == '+');
        if (separator && !quoted) {
            flush();
            continue;
        }
        part += c;
    }
    flush();
    return out;
}

void add_entry(std::unordered_map<std::string, IssuerEntry>& map, const std::string& key,
               std::vector<std::string> domains, const Location& location) {
    // The first row wins (a report lists an intermediate once; a user table overrides by
    // coming first on the command line).
    map.try_emplace(key, IssuerEntry{std::move(domains), location});
}

} // namespace

std::string dn_key(std::string_view dn) {
    auto attributes = parse_dn(dn);
    std::vector<std::string> parts;
    parts.reserve(attributes.size());
    for (const auto& a : attributes) {
        parts.push_back(a.type + "=" + lower(a.value));
    }
    std::sort(parts.begin(), parts.end());
    std::string key;
    for (const auto& p : parts) {
        if (!key.empty()) {
            key += '\x1f';
        }
        key += p;
    }
    return key;
}

std::string dn_organisation(std::string_view dn) {
    for (const auto& a : parse_dn(dn)) {
        if (a.type == "O") {
            return a.value;
        }
    }
    return {};
}

std::string normalize_key_id(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == ':' || c == ' ' || c == '\t') {
            continue;
        }
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
            out += c;
        } else if (c >= 'A' && c <= 'F') {
            out += static_cast<char>(c - 'A' + 'a');
        } else {
            return {};
        }
    }
    if (out.size() % 2 != 0) {
        return {};
    }
    return out;
}

std::vector<std::string> split_caa_domains(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&]() {
        while (!current.empty() && current.back() == '.') {
            current.pop_back();
        }
        if (!current.empty() && std::find(out.begin(), out.end(), current) == out.end()) {
            out.push_back(current);
        }
        current.clear();
    };
    for (char c : text) {
        if (c == ',' || c == ';' || is_space(c)) {
            flush();
        } else {
            current += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        }
    }
    flush();
    return out;
}

void IssuerTable::load_file(const std::string& path, Diagnostics& diagnostics) {
    std::string text = read_file(path);
    load_text(text, path, diagnostics);
}

void IssuerTable::load_text(std::string_view text, const std::string& name,
                            Diagnostics& diagnostics) {
    Layer layer;
    std::string_view first_line = text.substr(0, text.find('\n'));
    if (first_line.find("Recognized CAA Domains") != std::string_view::npos) {
        load_csv(text, name, diagnostics, layer);
    } else {
        load_table(text, name, diagnostics, layer);
    }
    layers_.push_back(std::move(layer));
}

IssuerTable IssuerTable::with_builtin(const std::vector<std::string>& paths,
                                      Diagnostics& diagnostics) {
    IssuerTable table;
    for (const auto& path : paths) {
        table.load_file(path, diagnostics);
    }
    table.add_builtin();
    return table;
}

void IssuerTable::add_builtin() {
    Diagnostics ignored; // the shipped table is checked by its unit test
    Layer layer;
    layer.builtin = true;
    load_table(std::string_view(ca_issuers_tsv, ca_issuers_tsv_size), "policies/ca-issuers.tsv",
               ignored, layer);
    layers_.push_back(std::move(layer));
}

void IssuerTable::load_table(std::string_view text, const std::string& name,
                             Diagnostics& diagnostics, Layer& layer) {
    std::uint32_t line_number = 0;
    for (auto line : text::split(text, '\n')) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (trim(line).empty() || line.front() == '#') {
            continue;
        }
        Location location{name, line_number, 1};
        auto columns = text::split(line, '\t');
        if (columns.size() != 3) {
            diagnostics.error("issuer-table-syntax", location,
                              "an issuer table line has three tab-separated columns (kind, "
                              "value, CAA domains), not " +
                                  std::to_string(columns.size()));
            continue;
        }
        std::string kind(trim(columns[0]));
        std::string_view value = trim(columns[1]);
        auto domains = split_caa_domains(columns[2]);
        location.column = static_cast<std::uint32_t>(columns[0].size() + columns[1].size() + 3);
        if (domains.empty()) {
            diagnostics.error("issuer-table-syntax", location, "no CAA domain given");
            continue;
        }
        location.column = 1;
        if (kind == "ski") {
            std::string key = normalize_key_id(value);
            if (key.empty()) {
                location.column = static_cast<std::uint32_t>(columns[0].size() + 2);
                diagnostics.error("issuer-table-syntax", location,
                                  "'" + std::string(value) + "' is not a hex key identifier");
                continue;
            }
            add_entry(layer.by_key_id, key, std::move(domains), location);
        } else if (kind == "subject") {
            add_entry(layer.by_dn, dn_key(value), std::move(domains), location);
        } else if (kind == "organisation") {
            add_entry(layer.by_organisation, lower(value), std::move(domains), location);
        } else {
            diagnostics.error("issuer-table-syntax", location,
                              "unknown kind '" + kind + "' (ski, subject or organisation)");
        }
    }
}

// RFC 4180 CSV: quoted fields with "" escapes and line breaks inside quotes.
void IssuerTable::load_csv(std::string_view text, const std::string& name, Diagnostics& diagnostics,
                           Layer& layer) {
    struct Field {
        std::string value;
        std::uint32_t line, column;
    };
    std::vector<Field> row;
    std::vector<std::string> header;
    int subject_column = -1, ski_column = -1, domains_column = -1;
    std::uint32_t line = 1, column = 1;
    std::size_t i = 0;
    bool at_end = text.empty();
    auto finish_row = [&]() {
        if (row.size() == 1 && row[0].value.empty()) {
            row.clear();
            return; // blank line
        }
        if (header.empty()) {
            for (std::size_t c = 0; c < row.size(); ++c) {
                std::string h = lower(trim(row[c].value));
                header.push_back(h);
                if (h == "subject") {
                    subject_column = static_cast<int>(c);
                } else if (h == "subject key identifier (hex)" ||
                           (h == "subject key identifier" && ski_column < 0)) {
                    ski_column = static_cast<int>(c);
                } else if (h == "recognized caa domains") {
                    domains_column = static_cast<int>(c);
                }
            }
            if (domains_column < 0 || (subject_column < 0 && ski_column < 0)) {
                diagnostics.error("issuer-table-syntax", Location{name, 1, 1},
                                  "a CCADB CAA identifiers CSV needs the columns \"Recognized "
                                  "CAA Domains\" and \"Subject\" or \"Subject Key Identifier "
                                  "(Hex)\"");
            }
            row.clear();
            return;
        }
        if (domains_column < 0) {
            row.clear();
            return;
        }
        const Location row_location{name, row.front().line, row.front().column};
        if (static_cast<int>(row.size()) <= domains_column) {
            diagnostics.error("issuer-table-syntax", row_location,
                              "the row has " + std::to_string(row.size()) +
                                  " fields; the header has " + std::to_string(header.size()));
            row.clear();
            return;
        }
        auto domains = split_caa_domains(row[domains_column].value);
        if (domains.empty()) {
            row.clear(); // an intermediate without recognised CAA domains maps to nothing
            return;
        }
        if (ski_column >= 0 && static_cast<int>(row.size()) > ski_column &&
            !trim(row[ski_column].value).empty()) {
            const Field& f = row[ski_column];
            std::string key = normalize_key_id(trim(f.value));
            if (key.empty()) {
                diagnostics.warning("issuer-table-syntax", Location{name, f.line, f.column},
                                    "the Subject Key Identifier " +
                                        text::quote_excerpt(f.value, 80) +
                                        " is not hex; the row is matched by subject only");
            } else {
                add_entry(layer.by_key_id, key, domains, Location{name, f.line, f.column});
            }
        }
        if (subject_column >= 0 && static_cast<int>(row.size()) > subject_column &&
            !trim(row[subject_column].value).empty()) {
            const Field& f = row[subject_column];
            add_entry(layer.by_dn, dn_key(f.value), domains, Location{name, f.line, f.column});
        }
        row.clear();
    };
    while (!at_end) {
        Field field{{}, line, column};
        if (i < text.size() && text[i] == '"') {
            ++i;
            ++column;
            bool closed = false;
            while (i < text.size()) {
                char c = text[i];
                if (c == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field.value += '"';
                        i += 2;
                        column += 2;
                        continue;
                    }
                    ++i;
                    ++column;
                    closed = true;
                    break;
                }
                field.value += c;
                ++i;
                if (c == '\n') {
                    ++line;
                    column = 1;
                } else {
                    ++column;
                }
            }
            if (!closed) {
                diagnostics.error("issuer-table-syntax", Location{name, field.line, field.column},
                                  "quoted field not closed before the end of the file");
                return;
            }
            // Anything up to the separator after a closing quote is a syntax error.
            if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                diagnostics.error("issuer-table-syntax", Location{name, line, column},
                                  "unexpected character after a closing quote");
                while (i < text.size() && text[i] != ',' && text[i] != '\n') {
                    ++i;
                    ++column;
                }
            }
        } else {
            while (i < text.size() && text[i] != ',' && text[i] != '\n') {
                if (text[i] != '\r') {
                    field.value += text[i];
                }
                ++i;
                ++column;
            }
        }
        if (i < text.size() && text[i] == '\r') {
            ++i;
            ++column;
        }
        row.push_back(std::move(field));
        if (i >= text.size()) {
            finish_row();
            at_end = true;
        } else if (text[i] == ',') {
            ++i;
            ++column;
        } else { // '\n'
            ++i;
            ++line;
            column = 1;
            finish_row();
            at_end = i >= text.size();
        }
    }
}

IssuerResolution IssuerTable::resolve(const Certificate& certificate) const {
    IssuerResolution r;
    std::string key_id = certificate.authority_key_id;
    std::string dn = certificate.issuer_dn.empty() ? std::string() : dn_key(certificate.issuer_dn);
    std::string organisation;
    bool organisation_known = false;
    auto try_layer = [&](const Layer& layer) {
        if (!key_id.empty()) {
            auto it = layer.by_key_id.find(key_id);
            if (it != layer.by_key_id.end()) {
                r = {&it->second.caa_domains, IssuerMatch::key_id, it->second.location};
                return true;
            }
        }
        if (!dn.empty()) {
            auto it = layer.by_dn.find(dn);
            if (it != layer.by_dn.end()) {
                r = {&it->second.caa_domains, IssuerMatch::dn, it->second.location};
                return true;
            }
        }
        if (!layer.by_organisation.empty() && !certificate.issuer_dn.empty()) {
            if (!organisation_known) {
                organisation = lower(dn_organisation(certificate.issuer_dn));
                organisation_known = true;
            }
            auto it = layer.by_organisation.find(organisation);
            if (!organisation.empty() && it != layer.by_organisation.end()) {
                r = {&it->second.caa_domains, IssuerMatch::organisation, it->second.location};
                return true;
            }
        }
        return false;
    };
    for (const auto& layer : layers_) {
        if (layer.builtin) {
            // Cert Spotter's own caa_domains come before the built-in fallback.
            if (!certificate.source_caa_domains.empty()) {
                r = {&certificate.source_caa_domains, IssuerMatch::certspotter, {}};
                return r;
            }
        }
        if (try_layer(layer)) {
            return r;
        }
    }
    if (!certificate.source_caa_domains.empty()) {
        r = {&certificate.source_caa_domains, IssuerMatch::certspotter, {}};
    }
    return r;
}

} // namespace caapol::audit
