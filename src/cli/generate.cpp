// caapol generate: the policy's CAA records in a server's or provider's format.
#include "caapol/output/generate.hpp"

#include "caapol/cli/cli.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/policy/policy.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace caapol::cli {

namespace {

std::string usage_text() {
    std::string usage =
        "usage: caapol generate [--format F] [--origin ZONE | --zone ZONE] [-o FILE] POLICY...\n"
        "       caapol generate [--format F] --split DIR [--zone ZONE]... POLICY...\n"
        "\n"
        "Writes the CAA records of the policy files in format F to standard\n"
        "output, or atomically to FILE. Diagnostics go to standard error; when\n"
        "a policy has errors nothing is written (exit 2).\n"
        "--zone ZONE writes only the domains at or below ZONE, named relative to it.\n"
        "--split DIR writes one file per zone, DIR/ZONE.caa (each atomically): the zones\n"
        "given with --zone, else each policy domain that has no policy domain above it;\n"
        "a domain goes to the deepest zone holding it.\n"
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

// The zone of each domain: the deepest of `zones` at or above it ("" for none).
const std::string* zone_of(const std::string& name, const std::vector<std::string>& zones) {
    const std::string* best = nullptr;
    for (const auto& zone : zones) {
        if (dns_name::is_at_or_below(name, zone) &&
            (best == nullptr || zone.size() > best->size())) {
            best = &zone;
        }
    }
    return best;
}

// --zone and --split: the domains of each zone, named relative to it; with --split one file
// per zone, each atomic, and nothing written unless every zone renders.
int generate_zones(output::Format format, const policy::Policy& policy,
                   output::GenerateOptions options, std::vector<std::string> zones,
                   const std::string& split_dir) {
    if (zones.empty()) {
        // Every domain with no policy domain above it (the domains are in canonical order, so
        // an ancestor comes first).
        for (const auto& domain : policy.domains) {
            bool below = std::any_of(zones.begin(), zones.end(), [&](const std::string& z) {
                return dns_name::is_at_or_below(domain.name, z);
            });
            if (!below) {
                zones.push_back(domain.name);
            }
        }
    }
    std::sort(zones.begin(), zones.end(), [](const std::string& a, const std::string& b) {
        return dns_name::canonical_compare(a, b) < 0;
    });
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    std::vector<std::vector<policy::Domain>> parts(zones.size());
    std::size_t outside = 0;
    std::string first_outside;
    for (const auto& domain : policy.domains) {
        const std::string* zone = zone_of(domain.name, zones);
        if (zone == nullptr) {
            if (outside++ == 0) {
                first_outside = domain.name;
            }
            continue;
        }
        parts[static_cast<std::size_t>(zone - zones.data())].push_back(domain);
    }
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < zones.size(); ++i) {
        options.origin = zones[i];
        try {
            texts.push_back(output::render(format, parts[i], options));
        } catch (const output::GenerateError& e) {
            std::cerr << "caapol generate: error: zone " << dns_name::absolute(zones[i]) << ": "
                      << e.message << "; nothing written\n";
            return exit_input;
        }
    }
    if (outside > 0) {
        std::cerr << "caapol generate: note: " << outside
                  << (outside == 1 ? " domain lies" : " domains lie")
                  << " outside the zones given and " << (outside == 1 ? "is" : "are")
                  << " not written (" << dns_name::absolute(first_outside)
                  << (outside > 1 ? ", ..." : "") << ")\n";
    }
    if (split_dir.empty()) {
        std::cout << texts[0] << std::flush;
        if (!std::cout) {
            std::cerr << "caapol generate: error: cannot write to standard output\n";
            return exit_input;
        }
        return exit_ok;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(split_dir, ec)) {
        throw InputError{split_dir + ": not a directory (--split DIR must exist)"};
    }
    for (std::size_t i = 0; i < zones.size(); ++i) {
        // Names are host names (checked by the policy loader): safe as file names.
        write_file_atomically(split_dir + "/" + zones[i] + ".caa", texts[i]); // InputError
    }
    return exit_ok;
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
        ("zone", po::value<std::vector<std::string>>()->value_name("ZONE"),
         "only the domains at or below ZONE, names relative to it; with --split: a zone to "
         "write (repeatable)") //
        ("split", po::value<std::string>()->value_name("DIR"),
         "one file per zone: DIR/ZONE.caa, each written atomically") //
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

    std::vector<std::string> zones;
    try {
        if (values.count("zone") > 0) {
            for (const auto& zone : values["zone"].as<std::vector<std::string>>()) {
                zones.push_back(output::parse_origin(zone));
            }
        }
    } catch (const output::GenerateError& e) {
        throw UsageError{"generate", "--zone: " + e.message};
    }
    const bool split = values.count("split") > 0;
    const std::string split_dir = split ? values["split"].as<std::string>() : "";
    if ((!zones.empty() || split) && generate_options.origin) {
        throw UsageError{"generate", "--origin cannot be combined with --zone or --split (the "
                                     "zone gives the origin)"};
    }
    if (split && values.count("output") > 0) {
        throw UsageError{"generate", "--split writes DIR/ZONE.caa files: -o does not apply"};
    }
    if (!split && zones.size() > 1) {
        throw UsageError{"generate", "several --zone need --split DIR (one file per zone)"};
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
    if (!zones.empty() || split) {
        return generate_zones(format, policy, generate_options, zones, split_dir);
    }
    // Standard output is checked at exit (main); a file is written atomically (InputError:
    // exit 2, the old file untouched). Opened at the first piece of text, which comes after
    // every GenerateError; the zone formats come in pieces (a million domains need not be
    // held as one string).
    const std::string target =
        values.count("output") > 0 ? values["output"].as<std::string>() : "-";
    std::optional<Output> out;
    try {
        output::render_to(format, policy.domains, generate_options, [&](std::string_view piece) {
            if (!out) {
                out.emplace(target);
            }
            out->write(piece);
        });
    } catch (const output::GenerateError& e) {
        std::cerr << "caapol generate: error: " << e.message << "; nothing written\n";
        return exit_input;
    }
    if (!out) {
        out.emplace(target);
    }
    out->finish();
    // Left to the OS at exit: freeing a million domains piece by piece took a tenth of the run.
    keep_until_exit(std::make_unique<policy::Policy>(std::move(policy)));
    return exit_ok;
}

} // namespace caapol::cli
