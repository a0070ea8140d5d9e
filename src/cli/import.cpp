// caapol import: a policy file (format v1) that reproduces the CAA records read from zone
// files, live DNS or generate's JSON output.
#include "caapol/cli/cli.hpp"
#include "caapol/cli/inputs.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"
#include "caapol/dns/server.hpp"
#include "caapol/importer/importer.hpp"
#include "caapol/output/policy_toml.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/zone/zone.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace caapol::cli {

namespace {

const char* const import_usage =
    "usage: caapol import [--from zone|live|json|ct] [--origin ZONE] [--include-root DIR]\n"
    "                     [--glob PATTERN]... [--resolver ADDR[@PORT]]... [--names FILE]\n"
    "                     [-o FILE] INPUT...\n\n"
    "Writes a policy file (format v1) that reproduces the CAA records you already have, for\n"
    "review: every name owning CAA records becomes a [domain.\"...\"] with exactly its records\n"
    "and TTL (names without records of their own inherit and are left out; a name repeating\n"
    "its parent's set keeps it with inherit = false), in DNS canonical order, [defaults] for\n"
    "the most common TTL and iodef list. Records the format cannot hold are refused with\n"
    "their location, and nothing is written.\n"
    "  --from zone   INPUT: zone files or directories, read as 'caapol lint' reads them\n"
    "  --from live   INPUT: names (and --names FILE), looked up as 'caapol verify' does; each\n"
    "                set found becomes the domain where it was found\n"
    "  --from json   INPUT: 'caapol generate --format json' output\n"
    "  --from ct     certificates as 'caapol audit' reads them (not available yet)\n"
    "The header comment names the sources and the date (SOURCE_DATE_EPOCH overrides the\n"
    "clock). Exit status: 0 written, 2 input the policy format cannot hold, unreadable input,\n"
    "failed write or bad usage, 3 a lookup failed (--from live).";

std::string today() {
    std::time_t now = std::time(nullptr);
    if (const char* fixed = std::getenv("SOURCE_DATE_EPOCH"); fixed != nullptr && *fixed) {
        std::string value(fixed);
        if (value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos) {
            throw InputError{"SOURCE_DATE_EPOCH must be a number of seconds, not '" +
                             text::escape_for_terminal(value) + "'"};
        }
        now = static_cast<std::time_t>(std::stoll(value));
    }
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::size_t record_count(const std::vector<output::PolicyEntry>& entries) {
    std::size_t n = 0;
    for (const auto& e : entries) {
        n += e.domain.records.size();
    }
    return n;
}

} // namespace

int run_import(const Arguments& args) {
    po::options_description options("Options");
    options.add_options() //
        ("from", po::value<std::string>()->value_name("SOURCE")->default_value("zone"),
         "zone, live, json or ct") //
        ("origin", po::value<std::string>()->value_name("ZONE"),
         "--from zone: origin of the zone files given (default: $ORIGIN, else the file name)") //
        ("include-root", po::value<std::string>()->value_name("DIR"),
         "--from zone: directory $INCLUDE may read from (default: the git work tree holding "
         "the file, else the directory given)") //
        ("glob", po::value<std::vector<std::string>>()->value_name("PATTERN"),
         "--from zone: in directories, read files matching this pattern (repeatable)") //
        ("resolver", po::value<std::vector<std::string>>()->value_name("ADDR[@PORT]"),
         "--from live: recursive resolver (repeatable; default: /etc/resolv.conf)") //
        ("names", po::value<std::string>()->value_name("FILE"),
         "--from live: names to look up, one per line ('#' comments)") //
        ("output,o", po::value<std::string>()->value_name("FILE"),
         "write the policy to FILE atomically (- for standard output, the default)") //
        ("input", po::value<std::vector<std::string>>(), "an INPUT (the same as an argument)");
    po::positional_options_description positional;
    positional.add("input", -1);
    po::variables_map values;
    if (!parse_arguments("import", import_usage, options, positional, args, values)) {
        return exit_ok;
    }
    const std::string from = values["from"].as<std::string>();
    if (from != "zone" && from != "live" && from != "json" && from != "ct") {
        throw UsageError{"import", "--from '" + text::escape_for_terminal(from) +
                                       "': expected zone, live, json or ct"};
    }
    auto list = [&](const char* key) {
        return values.count(key) > 0 ? values[key].as<std::vector<std::string>>()
                                     : std::vector<std::string>{};
    };
    const std::vector<std::string> inputs = list("input");
    auto only_for = [&](const char* option, const char* source) {
        if (values.count(option) > 0 && from != source) {
            throw UsageError{"import",
                             std::string("--") + option + " applies to --from " + source + " only"};
        }
    };
    only_for("origin", "zone");
    only_for("include-root", "zone");
    only_for("glob", "zone");
    only_for("resolver", "live");
    only_for("names", "live");
    if (from == "ct") {
        std::cerr << "caapol import: error: --from ct is not available yet: it reads "
                     "certificates as 'caapol audit' does, and this caapol has no audit\n";
        return exit_input;
    }
    if (inputs.empty() && !(from == "live" && values.count("names") > 0)) {
        throw UsageError{"import", from == "live" ? "no names given (NAME... or --names FILE)"
                                                  : "no INPUT given"};
    }

#ifdef __GLIBC__
    // Grow the heap in large steps (a large import allocates some 100 MB in small pieces), and
    // no fast bins: consolidating them after the round trip's TOML tree is freed took a tenth
    // of a 100,000-record import (about 1.05 s CPU before, 0.80 s after, on a shared machine).
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_MXFAST, 0);
#endif
    try {
        const std::string date = today();
        Diagnostics diagnostics;
        std::vector<importer::ObservedSet> sets;
        std::vector<std::string> header = {"CAA policy (format v1) written by caapol import on " +
                                           date + " from:"};
        std::size_t lookup_failures = 0;
        if (from == "zone") {
            zone::LoadOptions load_options;
            if (values.count("origin") > 0) {
                load_options.origin = values["origin"].as<std::string>();
                if (load_options.origin.empty()) {
                    throw UsageError{"import", "--origin needs a domain name"};
                }
            }
            if (values.count("include-root") > 0) {
                load_options.include_root = values["include-root"].as<std::string>();
                std::error_code ec;
                if (!std::filesystem::is_directory(load_options.include_root, ec)) {
                    throw InputError{load_options.include_root +
                                     ": the include root is not a directory"};
                }
            }
            std::vector<zone::ZoneFile> files =
                zone_files(inputs, list("glob"), load_options.include_root);
            zone::ZoneSet zones = zone::load_zone_files(files, load_options, diagnostics);
            if (!diagnostics.has_errors()) {
                sets = importer::from_zones(zones, diagnostics);
            }
            // Every domain names its file and line too: the header stays short.
            constexpr std::size_t listed = 50;
            for (std::size_t i = 0; i < zones.files.size() && i < listed; ++i) {
                header.push_back("  zone file " + zones.files[i]);
            }
            if (zones.files.size() > listed) {
                header.push_back("  and " + std::to_string(zones.files.size() - listed) +
                                 " more zone files");
            }
        } else if (from == "json") {
            for (const auto& path : inputs) {
                std::string text = read_file(path); // InputError
                auto more = importer::from_json(text, path, diagnostics);
                std::move(more.begin(), more.end(), std::back_inserter(sets));
                header.push_back("  JSON " + path);
            }
        } else {
            std::vector<std::string> names;
            for (const auto& input : inputs) {
                std::string problem = dns_name::check_name(input, dns_name::Profile::lookup);
                if (!problem.empty()) {
                    throw UsageError{"import", "'" + text::escape_for_terminal(input) +
                                                   "' is not a domain name: " + problem};
                }
                names.push_back(dns_name::normalize(input));
            }
            if (values.count("names") > 0) {
                auto more = read_names(values["names"].as<std::string>());
                names.insert(names.end(), more.begin(), more.end());
            }
            std::sort(names.begin(), names.end());
            names.erase(std::unique(names.begin(), names.end()), names.end());
            std::vector<dns::Server> resolvers;
            for (const auto& text : list("resolver")) {
                std::string error;
                auto server = dns::parse_server(text, 53, &error);
                if (!server) {
                    throw UsageError{"import", "--resolver: " + error};
                }
                resolvers.push_back(*server);
            }
            if (resolvers.empty()) {
                resolvers = dns::read_resolv_conf();
                if (resolvers.empty()) {
                    throw InputError{"no resolver: /etc/resolv.conf names none; give "
                                     "--resolver ADDR[@PORT]"};
                }
            }
            climb::Route route{resolvers, true};
            climb::LiveLookups lookups;
            lookups.expect_names(names.size() + 16);
            std::vector<climb::ClimbRequest> requests;
            requests.reserve(names.size());
            for (const auto& name : names) {
                requests.push_back(climb::ClimbRequest{name, route, "", {}});
            }
            std::vector<climb::Result> results = climb::climb_all(lookups, requests);
            sets = importer::from_climbs(results, diagnostics, lookup_failures);
            std::string through;
            for (const auto& server : resolvers) {
                through += (through.empty() ? "" : ", ") + server.display();
            }
            header.push_back("  live DNS through " + through + ", " + std::to_string(names.size()) +
                             (names.size() == 1 ? " name" : " names"));
        }
        header.push_back("It states what the records say today: review it before it becomes "
                         "the policy.");

        std::vector<output::PolicyEntry> entries;
        output::WrittenPolicy written;
        const std::string target =
            values.count("output") > 0 ? values["output"].as<std::string>() : "-";
        // Every stage runs on what the earlier ones accepted, so that one run names every
        // record the format cannot hold; a zone with syntax errors is not read further.
        const bool unreadable = diagnostics.has_errors() && sets.empty();
        if (!unreadable) {
            entries = importer::derive(std::move(sets), diagnostics);
            output::PolicyWriterOptions writer;
            writer.header = header;
            const bool complete = !diagnostics.has_errors();
            written = output::render_policy(entries, writer, diagnostics);
            importer::check_round_trip(
                written, target == "-" ? "(imported policy)" : target, entries,
                complete && !diagnostics.has_errors(), diagnostics,
                [](std::unique_ptr<policy::Policy> loaded) { keep_until_exit(std::move(loaded)); });
        }
        diagnostics.sort_by_location();
        print_diagnostics(diagnostics, std::cerr);
        if (diagnostics.has_errors()) {
            std::size_t errors = diagnostics.count(Severity::error);
            std::cerr << "caapol import: error: " << errors
                      << (lookup_failures > 0 ? (errors == 1 ? " lookup failed" : " problems")
                                              : (errors == 1 ? " problem" : " problems"))
                      << "; nothing written\n";
            return lookup_failures > 0 ? exit_lookup : exit_input;
        }
        if (target == "-") {
            std::cout << written.text << std::flush;
            if (!std::cout) {
                std::cerr << "caapol import: error: cannot write to standard output\n";
                return exit_input;
            }
        } else {
            write_file_atomically(target, written.text); // InputError: exit 2
        }
        const std::size_t records = record_count(entries);
        std::cerr << "caapol import: " << entries.size()
                  << (entries.size() == 1 ? " domain, " : " domains, ") << records
                  << " records written to "
                  << (target == "-" ? std::string("standard output")
                                    : text::escape_for_terminal(target))
                  << "\n";
        keep_until_exit(std::make_unique<std::vector<output::PolicyEntry>>(std::move(entries)));
        keep_until_exit(std::make_unique<output::WrittenPolicy>(std::move(written)));
        return exit_ok;
    } catch (const InputError& e) {
        std::cerr << "caapol import: error: " << text::escape_for_terminal(e.message) << '\n';
        return exit_input;
    }
}

} // namespace caapol::cli
