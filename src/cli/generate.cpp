// caapol generate: the policy's CAA records in a server's or provider's format.
#include "caapol/output/generate.hpp"

#include "caapol/cli/cli.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/policy.hpp"

#include <iostream>

namespace caapol::cli {

namespace {

std::string usage_text() {
    std::string usage = "usage: caapol generate [--format F] [--origin ZONE] [-o FILE] POLICY...\n"
                        "\n"
                        "Writes the CAA records of the policy files in format F to standard\n"
                        "output, or atomically to FILE. Diagnostics go to standard error; when\n"
                        "a policy has errors nothing is written (exit 2).\n"
                        "\n"
                        "Formats:";
    for (const auto& info : output::formats()) {
        std::string name = info.name;
        name.resize(12, ' ');
        usage += std::string("\n  ") + name + info.description;
    }
    return usage;
}

output::Format format_option(const std::string& word) {
    if (auto format = output::parse_format(word)) {
        return *format;
    }
    std::vector<std::string> names;
    std::string list;
    for (const auto& info : output::formats()) {
        names.emplace_back(info.name);
        list += (list.empty() ? "" : ", ") + names.back();
    }
    std::string message = "unknown format '" + text::escape_for_terminal(word) + "'";
    if (auto guess = text::did_you_mean(word, names)) {
        message += " (did you mean '" + *guess + "'?)";
    }
    throw UsageError{"generate", message + "; formats: " + list};
}

} // namespace

int run_generate(const Arguments& args) {
    po::options_description options("Options");
    options.add_options() //
        ("format,f", po::value<std::string>()->default_value("zone"),
         "output format (see above)") //
        ("origin", po::value<std::string>(),
         "zone origin: every domain must lie at or below it; zone, rfc3597, octodns and "
         "dnscontrol write names relative to it (@ for the origin itself)") //
        ("output,o", po::value<std::string>(),
         "write to FILE atomically instead of standard output (- for standard output); "
         "through a symbolic link, the link's target is replaced") //
        ("policy", po::value<std::vector<std::string>>(),
         "policy file (same as the POLICY... arguments)");
    po::positional_options_description positional;
    positional.add("policy", -1);
    po::variables_map values;
    if (!parse_arguments("generate", usage_text(), options, positional, args, values)) {
        return exit_ok;
    }
    if (values.count("policy") == 0) {
        throw UsageError{"generate", "no policy file given"};
    }
    output::Format format = format_option(values["format"].as<std::string>());
    output::GenerateOptions generate_options;
    try {
        if (values.count("origin") > 0) {
            generate_options.origin = output::parse_origin(values["origin"].as<std::string>());
        }
    } catch (const output::GenerateError& e) {
        throw UsageError{"generate", e.message};
    }

    const auto& paths = values["policy"].as<std::vector<std::string>>();
    Diagnostics diagnostics;
    policy::Policy policy = policy::load(paths, diagnostics);
    diagnostics.sort_by_location();
    print_diagnostics(diagnostics, std::cerr, Severity::warning); // notes: caapol check
    if (diagnostics.has_errors()) {
        std::cerr << "caapol generate: error: the policy has errors (" << summarize(diagnostics)
                  << "); nothing written\n";
        return exit_input;
    }

    generate_options.source_files = policy.files; // "<stdin>" for "-"
    std::string text;
    try {
        text = output::render(format, policy.domains, generate_options);
    } catch (const output::GenerateError& e) {
        std::cerr << "caapol generate: error: " << e.message << "; nothing written\n";
        return exit_input;
    }

    // Standard output is checked at exit (main); a file is written atomically (InputError:
    // exit 2, the old file untouched).
    Output out(values.count("output") > 0 ? values["output"].as<std::string>() : "-");
    out.write(text);
    out.finish();
    return exit_ok;
}

} // namespace caapol::cli
