// caapol cas [PATTERN]: the built-in table of CAs and their CAA issuer identifiers.
#include "caapol/caa/ca_table.hpp"
#include "caapol/cli/cli.hpp"
#include "caapol/core/text.hpp"

#include <iostream>

namespace caapol::cli {

int run_cas(const Arguments& args) {
    po::options_description options("Options");
    options.add_options()("format", po::value<std::string>()->default_value("text"),
                          "output format: text or json")(
        "pattern", po::value<std::string>()->value_name("PATTERN"),
        "keep CAs whose name or an identifier contains PATTERN (the same as a plain argument)");
    po::positional_options_description positional;
    positional.add("pattern", 1);
    po::variables_map values;
    const std::string usage =
        "usage: caapol cas [--format text|json] [PATTERN]\n\n"
        "Lists the certificate authorities caapol knows and the CAA issuer identifiers each\n"
        "recognises. PATTERN keeps the CAs whose name or an identifier contains it (ignoring\n"
        "case). Exit status: 0 when something is listed, 1 when nothing matches.";
    if (!parse_arguments("cas", usage, options, positional, args, values)) {
        return exit_ok;
    }
    const std::string format = values["format"].as<std::string>();
    if (format != "text" && format != "json") {
        throw UsageError{"cas", "unknown format '" + format + "' (use text or json)"};
    }
    const std::string pattern =
        values.count("pattern") > 0 ? text::to_lower(values["pattern"].as<std::string>()) : "";

    std::vector<const caa::CertificateAuthority*> matches;
    for (const auto& ca : caa::ca_table()) {
        bool match = pattern.empty() || text::to_lower(ca.name).find(pattern) != std::string::npos;
        for (const auto& id : ca.identifiers) {
            match = match || id.find(pattern) != std::string::npos;
        }
        if (match) {
            matches.push_back(&ca);
        }
    }
    if (format == "json") {
        std::cout << "{\"version\":1,\"cas\":[";
        for (std::size_t i = 0; i < matches.size(); ++i) {
            std::cout << (i > 0 ? "," : "") << "{\"name\":" << text::json_string(matches[i]->name)
                      << ",\"identifiers\":[";
            for (std::size_t k = 0; k < matches[i]->identifiers.size(); ++k) {
                std::cout << (k > 0 ? "," : "") << text::json_string(matches[i]->identifiers[k]);
            }
            std::cout << "]}";
        }
        std::cout << "]}\n";
    } else {
        for (const auto* ca : matches) {
            std::string name = ca->name;
            if (name.size() < 24) {
                name.resize(24, ' ');
            } else {
                name += ' ';
            }
            std::cout << name;
            for (std::size_t k = 0; k < ca->identifiers.size(); ++k) {
                std::cout << (k > 0 ? " " : "") << ca->identifiers[k];
            }
            std::cout << "\n";
        }
    }
    if (matches.empty()) {
        std::cerr << "caapol cas: no known CA matches '" << text::escape_for_terminal(pattern)
                  << "'\n";
        return exit_findings;
    }
    return exit_ok;
}

} // namespace caapol::cli
