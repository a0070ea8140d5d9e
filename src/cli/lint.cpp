// caapol lint [--policy FILE]... [--origin NAME] [--include-root DIR] [--format F] [--strict]
// PATH...: reads zone files, checks every CAA record and RRset, and (with policies) the
// effective CAA set of every name against the policy.
#include "caapol/lint/lint.hpp"

#include "caapol/cli/cli.hpp"
#include "caapol/cli/dnssec_options.hpp"
#include "caapol/cli/inputs.hpp"
#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"
#include "caapol/output/diagnostics.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/policy/rules.hpp"
#include "caapol/zone/zone.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace caapol::cli {

namespace {

namespace fs = std::filesystem;

std::vector<output::RuleHelp> rule_help() {
    std::vector<output::RuleHelp> out;
    for (const auto& rule : lint::rules()) {
        out.push_back(output::RuleHelp{rule.id, rule.severity, rule.summary, rule.help});
    }
    // The policy's own findings reach lint's output too (with --policy).
    for (const auto& rule : policy::rules()) {
        if (lint::find_rule(rule.id) == nullptr) {
            out.push_back(output::RuleHelp{rule.id, rule.severity, rule.summary,
                                           "Policy rule: " + std::string(rule.summary) +
                                               ". See man caapol, Policy rules."});
        }
    }
    return out;
}

int finish(const Diagnostics& diagnostics, const std::string& format, bool strict,
           const std::vector<diff::NameResult>* verdicts, const std::string& summary_prefix) {
    if (format == "json") {
        std::cout << (verdicts != nullptr ? output::render_json(diagnostics, *verdicts)
                                          : output::render_json(diagnostics));
    } else if (format == "sarif") {
        std::cout << output::render_sarif(diagnostics, rule_help(), "caapol", CAAPOL_VERSION);
    } else {
        std::cerr << output::render_text(diagnostics);
        std::cerr << summary_prefix << summarize(diagnostics) << '\n';
    }
    bool failed = diagnostics.has_errors() || (strict && diagnostics.count(Severity::warning) > 0);
    return failed ? exit_findings : exit_ok;
}

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

int run_lint(const Arguments& args) {
    const std::string usage =
        "usage: caapol lint [OPTIONS] PATH...\n"
        "       caapol lint --policy FILE...\n\n"
        "Checks zone files: every CAA record against RFC 8659/8657/9495 and the CA/B rules,\n"
        "and, with --policy, the effective CAA set of every name against the policy (climbing\n"
        "the loaded zones as CAs climb DNS). PATH is a zone file or a directory, searched for\n"
        "*.zone, *.db, db.* and names ending in a dot. With only --policy, validates the\n"
        "policy like 'caapol check'.\n"
        "Findings: FILE:LINE:COL: severity: message [rule-id] on standard error (text), or\n"
        "JSON / SARIF 2.1.0 on standard output; with --policy, the JSON also lists each name's\n"
        "verdict (ok, drift, unchecked: no policy domain covers it, error), the same verdict\n"
        "verify gives over live DNS. Rules: man caapol, LINT RULES.\n"
        "Exit status: 0 no errors (warnings allowed unless --strict), 1 errors, 2 unreadable\n"
        "path, invalid policy or bad usage.";
    po::options_description options("Options");
    options.add_options()("policy,p", po::value<std::vector<std::string>>(),
                          "policy file to compare the zones with (repeatable)")(
        "origin", po::value<std::string>(),
        "origin of the zone files given (default: $ORIGIN, else the file name: db.NAME, "
        "NAME.zone, NAME.db, or NAME when the file starts with its SOA)")(
        "include-root", po::value<std::string>(),
        "directory $INCLUDE may read from (default: the git work tree holding the file, else "
        "the directory given)")("format,f", po::value<std::string>()->default_value("text"),
                                "text, json or sarif")(
        "strict", "warnings make the exit status 1; unchecked policy domains are errors")(
        "names", po::value<std::string>()->value_name("FILE"),
        "with --policy: also judge the names in FILE (one per line, '#' comments), as verify "
        "--names does over live DNS")(
        "glob", po::value<std::vector<std::string>>(),
        "in directories, read files whose name matches this pattern instead of the defaults "
        "(repeatable)")("now", po::value<std::string>()->value_name("TIME"),
                        "check signed zones' signatures at TIME (Unix seconds or "
                        "YYYY-MM-DD[THH:MM:SSZ]; default SOURCE_DATE_EPOCH, else the clock)")(
        "dnssec-expiry-warn", po::value<unsigned>()->value_name("DAYS")->default_value(7),
        "in signed zones, warn about signatures expiring within DAYS days")(
        "path", po::value<std::vector<std::string>>(),
        "zone file or directory (the same as a plain argument)");
    po::positional_options_description positional;
    positional.add("path", -1);
    po::variables_map values;
    if (!parse_arguments("lint", usage, options, positional, args, values)) {
        return exit_ok;
    }
    const std::string format = values["format"].as<std::string>();
    if (format != "text" && format != "json" && format != "sarif") {
        throw UsageError{"lint", "unknown --format '" + text::escape_for_terminal(format) +
                                     "' (text, json or sarif)"};
    }
    const bool strict = values.count("strict") > 0;
    auto list = [&](const char* key) {
        return values.count(key) > 0 ? values[key].as<std::vector<std::string>>()
                                     : std::vector<std::string>{};
    };
    const std::vector<std::string> paths = list("path");
    const std::vector<std::string> policy_paths = list("policy");
    const std::vector<std::string> globs = list("glob");
    if (paths.empty() && policy_paths.empty()) {
        throw UsageError{"lint", "no zone file or directory given"};
    }

    try {
        Diagnostics diagnostics;
        policy::Policy policy;
        if (!policy_paths.empty()) {
            policy = policy::load(policy_paths, diagnostics);
            if (paths.empty()) {
                diagnostics.sort_by_location();
                return finish(diagnostics, format, strict, nullptr,
                              "checked " + plural(policy.domains.size(), "domain") + " in " +
                                  plural(policy_paths.size(), "file") + ": ");
            }
            if (diagnostics.has_errors()) {
                diagnostics.sort_by_location();
                std::cerr << output::render_text(diagnostics);
                std::cerr << "caapol lint: error: the policy has errors; fix them first "
                             "(caapol check)\n";
                return exit_input;
            }
        }

        zone::LoadOptions load_options;
        if (values.count("origin") > 0) {
            load_options.origin = values["origin"].as<std::string>();
            if (load_options.origin.empty()) {
                throw UsageError{"lint", "--origin needs a domain name"};
            }
        }
        if (values.count("include-root") > 0) {
            load_options.include_root = values["include-root"].as<std::string>();
            std::error_code ec;
            if (!fs::is_directory(load_options.include_root, ec)) {
                throw InputError{load_options.include_root +
                                 ": the include root is not a directory"};
            }
        }
        std::vector<zone::ZoneFile> files =
            zone_files(paths, globs, load_options.include_root); // InputError
        for (const auto& domain : policy.domains) {
            load_options.names_of_interest.push_back(domain.name);
        }
        zone::ZoneSet zones = zone::load_zone_files(files, load_options, diagnostics);
        lint::check_records(zones, diagnostics);
        lint::SignatureOptions signatures;
        signatures.now = validation_time("lint", values);
        signatures.expiry_warn_seconds =
            static_cast<std::int64_t>(values["dnssec-expiry-warn"].as<unsigned>()) * 86400;
        lint::check_signatures(zones, signatures, diagnostics);
        std::vector<diff::NameResult> verdicts;
        if (!policy_paths.empty()) {
            lint::DriftOptions drift;
            drift.strict = strict;
            if (values.count("names") > 0) {
                drift.names = read_names(values["names"].as<std::string>());
            }
            verdicts = lint::check_policy(zones, policy, drift, diagnostics);
        } else if (values.count("names") > 0) {
            throw UsageError{"lint", "--names needs --policy (names are judged against it)"};
        }
        diagnostics.sort_by_location();
        return finish(diagnostics, format, strict, policy_paths.empty() ? nullptr : &verdicts,
                      "checked " + plural(files.size(), "file") + ", " +
                          plural(zones.zones.size(), "zone") + ", " +
                          plural(zones.record_count(), "record") + ": ");
    } catch (const InputError& e) {
        std::cerr << "caapol lint: error: " << text::escape_for_terminal(e.message) << '\n';
        return exit_input;
    }
}

} // namespace caapol::cli
