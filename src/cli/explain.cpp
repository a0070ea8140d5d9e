// caapol explain: may this CA issue for this name, and why?
#include "caapol/output/explain.hpp"

#include "caapol/caa/ca_table.hpp"
#include "caapol/caa/validate.hpp"
#include "caapol/cli/cli.hpp"
#include "caapol/cli/dnssec_options.hpp"
#include "caapol/climb/climb.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/climb/policy_source.hpp"
#include "caapol/climb/zone_source.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/decide/decide.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/dns/server.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/zone/zone.hpp"

#include <iostream>
#include <memory>

namespace caapol::cli {

namespace {

const char* const explain_usage =
    "usage: caapol explain [--ca IDENTIFIER [--account-uri URI] [--method METHOD]]\n"
    "                      [--resolver ADDR[@PORT]]... | [--zone FILE]... | [--policy FILE]...\n"
    "                      [--format text|json] [-o FILE] [--dnssec validate|require|off]\n"
    "                      [--trust-anchor FILE]... [--dnssec-expiry-warn DAYS] [--now TIME]\n"
    "                      NAME...\n\n"
    "Shows how a CA finds the relevant CAA record set of each NAME (RFC 8659 section 3),\n"
    "which issuers it authorises for non-wildcard and wildcard certificates, and, with --ca,\n"
    "whether that CA may issue and which rule decided. NAME may be a wildcard (*.example.com).\n"
    "The data comes from live DNS (default; --resolver), zone files (--zone) or policy files\n"
    "(--policy): exactly one kind.\n"
    "Live answers are validated with DNSSEC from the trust anchors (CA/B BR 3.2.2.8.1): each\n"
    "climb step shows [secure], [insecure], [indeterminate] or [bogus: why]; a bogus answer or\n"
    "a failed DS/DNSKEY lookup denies with rule dnssec-bogus (exit 3).\n"
    "-o FILE writes the explanation to FILE atomically, whatever the exit status.\n"
    "Exit status: 0 the CA may issue (without --ca: every lookup succeeded), 1 it may not,\n"
    "3 a lookup failed (a CA must not issue), 2 usage or input error; with several NAMEs the\n"
    "worst wins (3 over 1 over 0).";

void warn(const std::string& message) {
    std::cerr << "caapol explain: warning: " << text::escape_for_terminal(message) << "\n";
}

std::string check_request_name(const std::string& raw) {
    std::string_view name = raw;
    if (name.rfind("*.", 0) == 0) {
        name.remove_prefix(2);
    }
    if (name.empty() || name == ".") {
        return "a name below the root is needed";
    }
    return dns_name::check_hostname(name);
}

// --method: RFC 8657 label syntax, then a warning when it is not a known method.
void check_method(const std::string& method) {
    if (!caa::is_validation_method_label(method)) {
        throw UsageError{"explain", "--method '" + text::escape_for_terminal(method) +
                                        "' is not a validation method label (letters, digits, "
                                        "'-')"};
    }
    if (!caa::is_known_validation_method(method)) {
        warn("--method '" + method +
             "' is neither an ACME validation method nor a CA-specific 'ca-' label");
    }
}

void check_ca(const std::string& ca) {
    std::string problem = caa::check_issuer_domain(ca);
    if (!problem.empty()) {
        throw UsageError{"explain", "--ca '" + text::escape_for_terminal(ca) +
                                        "' is not an issuer domain name: " + problem};
    }
    if (caa::find_ca(ca) == nullptr) {
        std::string message = "--ca '" + ca + "' is not a CAA identifier caapol knows";
        if (auto nearest = caa::nearest_issuer(ca)) {
            message += "; did you mean '" + *nearest + "'?";
        } else {
            message += " (see 'caapol cas')";
        }
        warn(message);
    }
}

int exit_for(decide::Verdict verdict) {
    switch (verdict) {
    case decide::Verdict::permit:
    case decide::Verdict::undecided:
        return exit_ok;
    case decide::Verdict::deny:
        return exit_findings;
    case decide::Verdict::error:
        return exit_lookup;
    }
    return exit_lookup;
}

// 3 over 1 over 0.
int worse(int a, int b) {
    auto rank = [](int status) { return status == exit_lookup ? 2 : status; };
    return rank(a) >= rank(b) ? a : b;
}

} // namespace

int run_explain(const Arguments& args) {
    po::options_description options("Options");
    options.add_options() //
        ("ca", po::value<std::string>()->value_name("IDENTIFIER"),
         "the CA's CAA issuer identifier (e.g. letsencrypt.org): decide for it") //
        ("account-uri", po::value<std::string>()->value_name("URI"),
         "the ACME account URI of the request (RFC 8657 accounturi)") //
        ("method", po::value<std::string>()->value_name("METHOD"),
         "the validation method of the request (RFC 8657 validationmethods, e.g. dns-01)") //
        ("resolver", po::value<std::vector<std::string>>()->value_name("ADDR[@PORT]"),
         "ask this DNS server (repeatable; default: the system's resolvers)") //
        ("zone", po::value<std::vector<std::string>>()->value_name("FILE"),
         "answer from zone files instead of live DNS (repeatable)") //
        ("policy", po::value<std::vector<std::string>>()->value_name("FILE"),
         "answer from policy files: what DNS holds when it matches the policy (repeatable)") //
        ("format", po::value<std::string>()->default_value("text")->value_name("text|json"),
         "output format") //
        ("output,o", po::value<std::string>()->value_name("FILE"),
         "write to FILE atomically instead of standard output, whatever the exit status; "
         "through a symbolic link, its target is replaced") //
        ("name", po::value<std::vector<std::string>>()->value_name("NAME"),
         "a name to explain (NAMEs may also follow the options)");
    add_dnssec_options(options);
    po::positional_options_description positional;
    positional.add("name", -1);
    po::variables_map values;
    if (!parse_arguments("explain", explain_usage, options, positional, args, values)) {
        return exit_ok;
    }
    const DnssecSettings dnssec = dnssec_settings("explain", values);

    const std::string format = values["format"].as<std::string>();
    if (format != "text" && format != "json") {
        throw UsageError{"explain", "--format must be text or json, not '" +
                                        text::escape_for_terminal(format) + "'"};
    }
    if (values.count("name") == 0) {
        throw UsageError{"explain", "no NAME given"};
    }
    const int kinds = static_cast<int>(values.count("resolver") > 0) +
                      static_cast<int>(values.count("zone") > 0) +
                      static_cast<int>(values.count("policy") > 0);
    if (kinds > 1) {
        throw UsageError{"explain", "--resolver, --zone and --policy are exclusive: give one kind"};
    }

    decide::Request base;
    if (values.count("ca") > 0) {
        base.ca = values["ca"].as<std::string>();
        check_ca(*base.ca);
    }
    if (values.count("account-uri") > 0) {
        if (!base.ca) {
            throw UsageError{"explain", "--account-uri needs --ca"};
        }
        base.account_uri = values["account-uri"].as<std::string>();
        std::string problem = caa::check_account_uri(*base.account_uri);
        if (!problem.empty()) {
            throw UsageError{"explain", "--account-uri: " + problem};
        }
    }
    if (values.count("method") > 0) {
        if (!base.ca) {
            throw UsageError{"explain", "--method needs --ca"};
        }
        base.method = values["method"].as<std::string>();
        check_method(*base.method);
    }

    const auto names = values["name"].as<std::vector<std::string>>();
    for (const auto& name : names) {
        std::string problem = check_request_name(name);
        if (!problem.empty()) {
            throw UsageError{"explain", "'" + text::escape_for_terminal(name) +
                                            "' is not a name caapol can explain: " + problem};
        }
    }

    Output out(values.count("output") > 0 ? values["output"].as<std::string>() : "-");

    // The source of DNS data.
    policy::Policy policy;
    zone::ZoneSet zones;
    std::unique_ptr<climb::Source> source;
    std::unique_ptr<diff::Expectations> expectations; // --policy: the policy's verdict too
    if (values.count("policy") > 0) {
        Diagnostics diagnostics;
        policy = policy::load(values["policy"].as<std::vector<std::string>>(), diagnostics);
        if (diagnostics.has_errors()) {
            print_diagnostics(diagnostics, std::cerr);
            std::cerr << "caapol explain: error: the policy has errors (" << summarize(diagnostics)
                      << "); run 'caapol check'\n";
            return exit_input;
        }
        source = std::make_unique<climb::PolicySource>(policy);
        expectations = std::make_unique<diff::Expectations>(policy);
    } else if (values.count("zone") > 0) {
        Diagnostics diagnostics;
        zones = zone::load_zones(values["zone"].as<std::vector<std::string>>(), {}, diagnostics);
        print_diagnostics(diagnostics, std::cerr);
        if (diagnostics.has_errors()) {
            // A record lost to a syntax error could change the answer: refuse to guess.
            std::cerr << "caapol explain: error: the zone files have errors ("
                      << summarize(diagnostics) << "); run 'caapol lint'\n";
            return exit_input;
        }
        source = std::make_unique<climb::ZoneSource>(zones);
    } else {
        std::vector<dns::Server> servers;
        if (values.count("resolver") > 0) {
            for (const auto& text : values["resolver"].as<std::vector<std::string>>()) {
                std::string error;
                auto server = dns::parse_server(text, 53, &error);
                if (!server) {
                    throw UsageError{"explain", "--resolver '" + text::escape_for_terminal(text) +
                                                    "': " + error};
                }
                servers.push_back(*server);
            }
        } else {
            servers = dns::read_resolv_conf();
            if (servers.empty()) {
                throw InputError{"no name server in /etc/resolv.conf: give --resolver, --zone or "
                                 "--policy"};
            }
        }
        auto live = std::make_unique<climb::LiveSource>(servers);
        if (dnssec.enabled()) {
            try {
                live->enable_dnssec(dnssec.options);
            } catch (const std::runtime_error& e) {
                throw InputError{std::string("--trust-anchor: ") + e.what()};
            }
        }
        source = std::move(live);
    }

    std::vector<output::Explanation> explanations;
    int status = exit_ok;
    for (const auto& name : names) {
        output::Explanation e;
        e.request = base;
        e.climb = climb::climb(*source, name);
        e.request.wildcard = e.climb.name.rfind("*.", 0) == 0;
        e.decision = decide::decide(e.climb, e.request);
        e.dnssec_warning = expiry_warning(dnssec, e.climb.dnssec);
        if (!e.dnssec_warning.empty()) {
            warn(e.climb.name + ": " + e.dnssec_warning);
        }
        if (expectations) {
            diff::NameResult verdict = diff::compare(*expectations, e.climb, false);
            e.policy_status = verdict.status;
            e.expected_from = verdict.expected_from;
        }
        status = worse(status, exit_for(e.decision.verdict));
        explanations.push_back(std::move(e));
    }
    out.write(format == "json" ? output::render_explain_json(explanations)
                               : output::render_explain_text(explanations));
    out.finish();
    return status;
}

} // namespace caapol::cli
