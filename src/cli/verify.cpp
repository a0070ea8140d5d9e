// caapol verify: compare live DNS with the policy, through resolvers or at every
// authoritative server.
#include "caapol/cli/cli.hpp"
#include "caapol/cli/dnssec_options.hpp"
#include "caapol/cli/inputs.hpp"
#include "caapol/cli/progress.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/dns/message.hpp"
#include "caapol/output/generate.hpp"
#include "caapol/output/results.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/verify/authoritative.hpp"
#include "caapol/verify/names.hpp"
#include "caapol/verify/run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace caapol::cli {

namespace {

// The soft limit on open descriptors raised to the hard one, as servers with large outgoing
// socket ranges do: each thread's engine keeps up to 32 UDP sockets per connected server and
// 32 shared ones per address family, besides TCP fallbacks and temporary files, and a soft
// limit of 1,024 is common. Failure changes nothing (the pools then stay smaller).
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

const char* const verify_usage =
    "usage: caapol verify [--resolver ADDR[@PORT]]... [--authoritative [--port N]]\n"
    "                     [--names FILE] [--format text|json|jsonl|prometheus] [--fix nsupdate]\n"
    "                     [--timeout SECONDS] [--retries N] [--max-in-flight N] [--threads N]\n"
    "                     [--shard K/N] [--strict] [--quiet] [-o FILE]\n"
    "                     [--dnssec validate|require|off] [--trust-anchor FILE]...\n"
    "                     [--dnssec-expiry-warn DAYS] [--now TIME] POLICY...\n\n"
    "Looks up the relevant CAA set of every policy domain and every name of --names in live\n"
    "DNS, climbing the tree exactly as a CA does (RFC 8659 section 3), and compares it with\n"
    "the set the policy expects (its closest policy domain). A name that no policy domain\n"
    "covers has no expectation: it is reported as unchecked, never as drift, and --fix never\n"
    "touches it. Through the resolvers given (default: /etc/resolv.conf), or with\n"
    "--authoritative at every address of every NS of each name's zone, without recursion.\n"
    "TTL differences are notes, never drift. --fix nsupdate writes an nsupdate script for the\n"
    "drifted names on standard output (the report then goes to standard error); a name whose\n"
    "set comes through a CNAME or DNAME gets a comment and a warning instead of updates.\n"
    "DNSSEC (CA/B BR 3.2.2.8.1): every answer a climb uses is validated from the trust anchors\n"
    "(DS and DNSKEY fetched through the same servers); each step is secure, insecure (proven\n"
    "unsigned), indeterminate (no anchor covers it) or bogus; bogus, or a failed DS/DNSKEY\n"
    "lookup, makes the name an error, as it makes a CA refuse. A signature expiring within\n"
    "--dnssec-expiry-warn days is a warning.\n"
    "The names may come in any order and repeat: they are sorted in canonical order through\n"
    "temporary files in $TMPDIR (else /tmp), and results are written as they are decided, so\n"
    "memory does not grow with the number of names (except with --fix, which keeps every\n"
    "verdict for its script; --authoritative goes 2,000 names at a time).\n"
    "On a terminal, standard error shows a progress line (names done, names/s, errors) unless\n"
    "--quiet.\n"
    "-o FILE writes what would go to standard output to FILE atomically, whatever the exit\n"
    "status (a monitoring job sees the drift), and leaves no temporary file when killed.\n"
    "Exit status: 0 every name matches (or is unchecked), 1 drift (or, with --strict, an\n"
    "unchecked name), 3 a lookup failed (wins over 1), 2 usage or input error (an output\n"
    "that cannot be written included).";

struct Shard {
    std::size_t index = 0; // 0-based
    std::size_t count = 1;
};

Shard parse_shard(const std::string& text) {
    auto slash = text.find('/');
    auto number = [&](const std::string& s) -> std::size_t {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
            throw UsageError{"verify", "--shard '" + text::escape_for_terminal(text) +
                                           "': expected K/N with 0 <= K < N"};
        }
        return static_cast<std::size_t>(std::stoul(s));
    };
    if (slash == std::string::npos) {
        number("");
    }
    Shard shard{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (shard.count == 0 || shard.index >= shard.count) {
        throw UsageError{"verify", "--shard '" + text::escape_for_terminal(text) +
                                       "': expected K/N with 0 <= K < N"};
    }
    return shard;
}

// The report into the -o file or standard output.
class OutputSink : public verify::Sink {
public:
    explicit OutputSink(Output& out) : out_(out) {}
    void write(std::string_view text) override { out_.write(text); }

private:
    Output& out_;
};

} // namespace

int run_verify(const Arguments& args) {
    po::options_description options("options");
    options.add_options() //
        ("resolver", po::value<std::vector<std::string>>()->value_name("ADDR[@PORT]"),
         "ask this recursive resolver (repeatable, IPv4 or IPv6; tried in order when one "
         "fails; default: the nameservers of /etc/resolv.conf)") //
        ("authoritative", po::bool_switch(),
         "query every address of every NS of each name's zone directly, without recursion") //
        ("port", po::value<unsigned>()->value_name("N")->default_value(53),
         "port of the authoritative servers (--authoritative; for test setups)") //
        ("names", po::value<std::string>()->value_name("FILE"),
         "also check the names in FILE (one per line, '#' comments)") //
        ("format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
         "text, json, jsonl (JSON Lines: one object per name, then the summary) or prometheus "
         "(node_exporter textfile collector)") //
        ("fix", po::value<std::string>()->value_name("FORMAT"),
         "write a script that makes live DNS match the policy for the drifted names: "
         "nsupdate") //
        ("timeout", po::value<double>()->value_name("SECONDS")->default_value(2.0, "2"),
         "wait this long for each answer before retransmitting") //
        ("retries", po::value<unsigned>()->value_name("N")->default_value(2),
         "retransmissions of an unanswered query") //
        ("max-in-flight", po::value<unsigned>()->value_name("N")->default_value(150),
         "queries awaiting an answer at any moment (1-10000)") //
        ("threads", po::value<unsigned>()->value_name("N"),
         "split the sorted names over N threads (1-64), each with its own sockets and cache: an "
         "ancestor shared by two slices is asked once in each (default: 1 with --dnssec off, "
         "else one per core, at most 8)") //
        ("output,o", po::value<std::string>()->value_name("FILE"),
         "write the report (with --fix: the script) to FILE atomically instead of standard "
         "output, whatever the exit status; through a symbolic link, its target is replaced") //
        ("quiet,q", po::bool_switch(),
         "no progress line on standard error (there is none "
         "unless standard error is a terminal)") //
        ("shard", po::value<std::string>()->value_name("K/N"),
         "check only slice K (0 to N-1) of N of the sorted name list") //
        ("strict", po::bool_switch(),
         "names that no policy domain covers (unchecked) make the exit status 1") //
        ("policy", po::value<std::vector<std::string>>()->value_name("FILE"),
         "policy file (same as the POLICY... arguments)");
    add_dnssec_options(options);
    po::positional_options_description positional;
    positional.add("policy", -1);
    po::variables_map values;
    if (!parse_arguments("verify", verify_usage, options, positional, args, values)) {
        return exit_ok;
    }
    const DnssecSettings dnssec = dnssec_settings("verify", values);
    if (dnssec.enabled()) {
        try {
            dnssec::Validator probe(dnssec.options, {}); // the anchors load, or exit 2
        } catch (const std::runtime_error& e) {
            throw InputError{std::string("--trust-anchor: ") + e.what()};
        }
    }
    if (values.count("policy") == 0) {
        throw UsageError{"verify", "a POLICY file is needed"};
    }
    std::string format = values["format"].as<std::string>();
    const std::optional<output::ResultsFormat> results_format =
        output::parse_results_format(format);
    if (!results_format) {
        throw UsageError{"verify", "--format '" + text::escape_for_terminal(format) +
                                       "': expected text, json, jsonl or prometheus"};
    }
    bool fix = false;
    if (values.count("fix") > 0) {
        if (values["fix"].as<std::string>() != "nsupdate") {
            throw UsageError{
                "verify", "--fix '" + text::escape_for_terminal(values["fix"].as<std::string>()) +
                              "': the only fix format is nsupdate"};
        }
        if (format != "text") {
            throw UsageError{"verify", "--fix writes the script on standard output: it cannot be "
                                       "combined with --format " +
                                           format};
        }
        fix = true;
    }
    dns::EngineOptions engine;
    engine.timeout_seconds = values["timeout"].as<double>();
    if (!(engine.timeout_seconds > 0 && engine.timeout_seconds <= 60)) {
        throw UsageError{"verify", "--timeout must be more than 0 and at most 60 seconds"};
    }
    engine.retries = values["retries"].as<unsigned>();
    if (engine.retries > 10) {
        throw UsageError{"verify", "--retries must be at most 10"};
    }
    unsigned in_flight = values["max-in-flight"].as<unsigned>();
    if (in_flight < 1 || in_flight > 10000) {
        throw UsageError{"verify", "--max-in-flight must be between 1 and 10000"};
    }
    engine.max_in_flight = in_flight;
    // With --dnssec off one thread by default: one cache, so every (server, name) is asked
    // once per run. More threads pay only when caapol itself is the limit, and then the
    // resolver is usually on the same machine competing for the cores (on 2 cores with NSD on
    // loopback: 1 thread 0.86 s for 100,001 names, 2 threads 1.15 s). Validating, the
    // signature verifications are the limit (one ECDSA P-256 verification costs several
    // unvalidated names), so one thread per core: on 2 cores with NSD on loopback, 100,001
    // signed names took 10.4 s with 1 thread, 5.5 s with 2.
    std::size_t max_threads = 1;
    if (dnssec.enabled()) {
        max_threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
    }
    if (values.count("threads") > 0) {
        unsigned requested = values["threads"].as<unsigned>();
        if (requested < 1 || requested > 64) {
            throw UsageError{"verify", "--threads must be between 1 and 64"};
        }
        max_threads = requested;
    }
    unsigned port = values["port"].as<unsigned>();
    bool authoritative = values["authoritative"].as<bool>();
    if (!values["port"].defaulted() && !authoritative) {
        throw UsageError{"verify", "--port needs --authoritative (give a resolver's port as "
                                   "--resolver ADDR@PORT)"};
    }
    if (port < 1 || port > 65535) {
        throw UsageError{"verify", "--port must be between 1 and 65535"};
    }
    Shard shard;
    if (values.count("shard") > 0) {
        shard = parse_shard(values["shard"].as<std::string>());
    }
    std::vector<dns::Server> resolvers;
    if (values.count("resolver") > 0) {
        for (const auto& text : values["resolver"].as<std::vector<std::string>>()) {
            std::string error;
            auto server = dns::parse_server(text, 53, &error);
            if (!server) {
                throw UsageError{"verify", "--resolver: " + error};
            }
            resolvers.push_back(*server);
        }
    }

    Diagnostics diagnostics;
    policy::Policy policy =
        policy::load(values["policy"].as<std::vector<std::string>>(), diagnostics);
    // Warnings are printed as check and generate print them; errors stop the run.
    diagnostics.sort_by_location();
    print_diagnostics(diagnostics, std::cerr, Severity::warning);
    if (diagnostics.has_errors()) {
        std::cerr << "caapol verify: error: the policy has errors (" << summarize(diagnostics)
                  << "); run 'caapol check'\n";
        return exit_input;
    }

    // Opened before the lookups: an unwritable FILE fails now, not after the run, and a
    // signal during the run removes the temporary file.
    Output out(values.count("output") > 0 ? values["output"].as<std::string>() : "-");

    // The names in canonical order, each once, sorted in bounded memory (verify/names.hpp):
    // past a chunk they go through temporary files, never all in memory at once.
    verify::NameSorter sorter;
    for (const auto& domain : policy.domains) {
        sorter.add(domain.name);
    }
    if (values.count("names") > 0) {
        for_each_name(values["names"].as<std::string>(),
                      [&sorter](std::string&& name) { sorter.add(std::move(name)); });
    }
    const verify::SortedNames names = sorter.finish();
    // --shard: a contiguous slice of the sorted list (neighbours share ancestors: cache hits).
    const std::size_t first_name = names.size() * shard.index / shard.count;
    const std::size_t name_count = names.size() * (shard.index + 1) / shard.count - first_name;

    if (resolvers.empty()) {
        resolvers = dns::read_resolv_conf();
        if (resolvers.empty() && name_count > 0) {
            std::cerr << "caapol verify: error: no resolver: /etc/resolv.conf names none; give "
                         "--resolver ADDR[@PORT]\n";
            return exit_input;
        }
    }

    raise_open_file_limit();
    // On a terminal: names done / total, names/s, errors so far, erased at the end.
    Progress progress("verify", name_count, !values["quiet"].as<bool>());
    auto lookups_started = std::chrono::steady_clock::now();
    climb::Route resolver_route{resolvers, true};
    // The expectations, built once for the run.
    const diff::Expectations expectations(policy);
    // The fixed clock (--now, SOURCE_DATE_EPOCH) or the system's.
    const output::ResultsStream stream(*results_format, dnssec.options.now, dnssec.enabled());
    std::vector<diff::NameResult> results; // --fix only
    output::ResultsSummary summary;
    std::uint64_t queries_sent = 0;
    std::uint64_t signatures_verified = 0;
    // Both ways run these on each result; results are rendered as they come, so nothing is
    // trimmed from them (with --fix every one is kept for the script).
    const auto count_progress = [&progress](const diff::NameResult& r) {
        progress.done(r.status == diff::Status::error);
    };
    std::function<void(diff::NameResult&)> add_expiry_warning;
    if (dnssec.enabled()) {
        add_expiry_warning = [&dnssec](diff::NameResult& r) {
            r.dnssec_warning = expiry_warning(dnssec, r.dnssec);
        };
    }
    if (authoritative) {
        // A chunk of names at a time: zones, servers and serials, then every (name, server),
        // the chunk's results rendered and dropped (with --fix, kept for the script).
        climb::LiveLookups lookups(engine);
        verify::AuthoritativePlan plan{expectations, names};
        plan.first_name = first_name;
        plan.name_count = name_count;
        plan.resolvers = resolver_route;
        plan.port = static_cast<std::uint16_t>(port);
        plan.dnssec = dnssec.enabled() ? &dnssec.options : nullptr;
        plan.keep_results = fix;
        plan.progress = count_progress;
        plan.complete = add_expiry_warning;
        OutputSink sink(out);
        verify::Outcome run = verify::run_authoritative(plan, stream, lookups, sink);
        summary = run.summary;
        results = std::move(run.results);
        if (fix) {
            verify::find_wildcard_owners(results, lookups, resolver_route);
        }
        queries_sent = lookups.queries_sent();
        signatures_verified = run.signatures_verified;
    } else {
        verify::Plan plan{expectations, names};
        plan.first_name = first_name;
        plan.name_count = name_count;
        plan.max_threads = max_threads;
        plan.max_in_flight = engine.max_in_flight;
        plan.route = resolver_route;
        plan.keep_results = fix;
        plan.progress = count_progress;
        plan.complete = add_expiry_warning;
        OutputSink sink(out);
        verify::Outcome run =
            verify::run(plan, stream,
                        verify::live_climbs(engine, dnssec.enabled() ? &dnssec.options : nullptr,
                                            resolver_route),
                        sink);
        summary = run.summary;
        queries_sent = run.queries_sent;
        signatures_verified = run.signatures_verified;
        results = std::move(run.results);
        if (fix) {
            climb::LiveLookups probes(engine);
            verify::find_wildcard_owners(results, probes, resolver_route);
            queries_sent += probes.queries_sent();
        }
    }

    progress.finish();
    double lookup_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lookups_started).count();
    if (fix) {
        std::ostringstream rendered;
        std::cerr << output::render_results_text(results);
        diff::Fixes fixes = diff::fixes(expectations, results);
        const std::vector<policy::Domain>& domains = fixes.domains;
        output::GenerateOptions generate_options;
        generate_options.header = false;
        rendered << "; caapol verify --fix nsupdate: " << domains.size()
                 << (domains.size() == 1 ? " name" : " names") << " to change";
        if (!fixes.unfixable.empty()) {
            rendered << ", " << fixes.unfixable.size()
                     << (fixes.unfixable.size() == 1 ? " drifted name" : " drifted names")
                     << " not fixable here";
        }
        rendered << "; review, then run with nsupdate -k KEYFILE\n";
        // A name whose set comes through an alias gets no update lines (a server ignores CAA
        // records added at an alias: the script would look like a fix and fix nothing).
        for (const auto& unfixable : fixes.unfixable) {
            std::string line = text::escape_for_terminal(diff::describe(unfixable));
            rendered << "; " << line << "\n";
            std::cerr << "caapol verify: warning: " << line << "\n";
        }
        if (!domains.empty()) {
            try {
                rendered << output::render(output::Format::nsupdate, domains, generate_options);
            } catch (const output::GenerateError& e) {
                std::cerr << "caapol verify: error: " << e.message << "\n";
                return exit_input;
            }
        }
        out.write(rendered.str());
    }
    // (Otherwise the report is already written, result by result.)
    out.finish(); // whatever the exit status: a monitoring job must see the drift
    // For bench/verify: how much DNS work the run took.
    if (const char* stats = std::getenv("CAAPOL_VERIFY_STATS"); stats != nullptr && *stats) {
        std::cerr << "caapol verify: " << name_count << " names, " << queries_sent
                  << " queries sent, " << signatures_verified
                  << " signatures verified, lookups took " << lookup_seconds << " s\n";
    }
    keep_until_exit(std::make_unique<std::vector<diff::NameResult>>(std::move(results)));
    if (summary.error > 0) {
        return exit_lookup;
    }
    bool strict = values["strict"].as<bool>();
    return summary.drift > 0 || (strict && summary.unchecked > 0) ? exit_findings : exit_ok;
}

} // namespace caapol::cli
