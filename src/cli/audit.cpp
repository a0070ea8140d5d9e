// caapol audit: certificates seen in Certificate Transparency (or on disk) against the policy.
#include "caapol/audit/audit.hpp"

#include "caapol/audit/certificate.hpp"
#include "caapol/audit/issuers.hpp"
#include "caapol/cli/cli.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/text.hpp"
#include "caapol/output/audit.hpp"
#include "caapol/policy/policy.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string_view>
#include <unistd.h>

namespace caapol::cli {

namespace {

const char* const audit_usage =
    "usage: caapol audit --policy FILE... [--issuers FILE]... [--format text|json|jsonl]\n"
    "                    [-o FILE] [--strict] [--all] SOURCE...\n"
    "       caapol audit --certspotter-hook --policy FILE... [--issuers FILE]... [--strict]\n\n"
    "Checks certificates against the policy: for each DNS name of each certificate, may its\n"
    "issuer (mapped to CAA identifier domains) issue for the name, decided as 'caapol explain\n"
    "--policy' decides. SOURCE is a PEM or DER certificate, a directory of them (*.pem, *.crt,\n"
    "*.cer, *.der, *.json, recursively), a crt.sh JSON export, a Cert Spotter issuances array\n"
    "or hook JSON file, or - for standard input. A precertificate and its certificate count once.\n"
    "Verdicts: authorised, unauthorised, unknown-issuer (the issuer maps to no CAA domain and\n"
    "the policy restricts the name), unchecked (no policy domain at or above the name\n"
    "publishes records). Text lists unauthorised and unknown-issuer findings (--all: every\n"
    "finding); json and jsonl list all.\n"
    "With --certspotter-hook, the certificate comes from certspotter's script environment\n"
    "(EVENT, CERT_FILENAME, JSON_FILENAME): only unauthorised certificates are reported.\n"
    "Exit status: 0 nothing unauthorised, 1 something unauthorised (or unknown-issuer with\n"
    "--strict), 2 usage or input error (an unreadable or malformed source, a name that is\n"
    "not a DNS name, a policy with errors, a failed write): 2 wins over 1.";

// Output to standard output as it comes (in 64 KiB writes), or to a string written atomically
// at the end.
class Sink {
public:
    explicit Sink(std::string path) : path_(std::move(path)) {}
    void write(std::string_view text) {
        buffer_ += text;
        if (path_ == "-" && buffer_.size() >= (std::size_t{1} << 16)) {
            flush_stdout();
        }
    }
    // Returns false (after printing why) when the output could not be written.
    bool finish() {
        if (path_ == "-") {
            flush_stdout();
            if (!error_.empty()) {
                std::cerr << "caapol audit: error: cannot write standard output: " << error_
                          << "\n";
                return false;
            }
            return true;
        }
        try {
            write_file_atomically(path_, buffer_);
        } catch (const InputError& e) {
            std::cerr << "caapol audit: error: " << text::escape_for_terminal(e.message) << "\n";
            return false;
        }
        return true;
    }

private:
    void flush_stdout() {
        std::size_t done = 0;
        while (error_.empty() && done < buffer_.size()) {
            ssize_t n = ::write(1, buffer_.data() + done, buffer_.size() - done);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                error_ = n < 0 ? std::strerror(errno) : "nothing written";
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        buffer_.clear();
    }
    std::string path_;
    std::string buffer_;
    std::string error_;
};

std::int64_t clock_now() {
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
        char* end = nullptr;
        long long value = std::strtoll(epoch, &end, 10);
        if (end != epoch && *end == '\0') {
            return value;
        }
    }
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

} // namespace

int run_audit(const Arguments& args) {
    po::options_description options("Options");
    options.add_options() //
        ("policy", po::value<std::vector<std::string>>()->value_name("FILE"),
         "policy file (repeatable; required)") //
        ("issuers", po::value<std::vector<std::string>>()->value_name("FILE"),
         "issuer table: a CCADB CAA identifiers CSV or a caapol table (repeatable, consulted "
         "in order before the built-in table)") //
        ("format", po::value<std::string>()->default_value("text")->value_name("text|json|jsonl"),
         "output format") //
        ("output,o", po::value<std::string>()->value_name("FILE"),
         "write to FILE atomically (default: standard output)")                       //
        ("strict", "exit 1 on unknown-issuer findings too")                           //
        ("all", "text: list every finding, not only unauthorised and unknown-issuer") //
        ("certspotter-hook", "run as certspotter's -script hook (see README)")        //
        ("source", po::value<std::vector<std::string>>()->value_name("SOURCE"),
         "certificate source (SOURCEs may also follow the options)");
    po::positional_options_description positional;
    positional.add("source", -1);
    po::variables_map values;
    if (!parse_arguments("audit", audit_usage, options, positional, args, values)) {
        return exit_ok;
    }
    const std::string format = values["format"].as<std::string>();
    if (format != "text" && format != "json" && format != "jsonl") {
        throw UsageError{"audit", "--format must be text, json or jsonl, not '" +
                                      text::escape_for_terminal(format) + "'"};
    }
    if (values.count("policy") == 0) {
        throw UsageError{"audit", "--policy FILE is required"};
    }
    const bool hook = values.count("certspotter-hook") > 0;
    const bool strict = values.count("strict") > 0;
    const bool all = values.count("all") > 0;
    std::vector<std::string> sources;
    if (values.count("source") > 0) {
        sources = values["source"].as<std::vector<std::string>>();
    }
    if (hook && !sources.empty()) {
        throw UsageError{"audit", "--certspotter-hook takes no SOURCE: the certificate comes "
                                  "from certspotter's environment"};
    }
    if (!hook && sources.empty()) {
        throw UsageError{"audit", "no SOURCE given"};
    }

    Diagnostics diagnostics;
    policy::Policy policy =
        policy::load(values["policy"].as<std::vector<std::string>>(), diagnostics);
    if (diagnostics.has_errors()) {
        print_diagnostics(diagnostics, std::cerr);
        std::cerr << "caapol audit: error: the policy has errors (" << summarize(diagnostics)
                  << "); run 'caapol check'\n";
        return exit_input;
    }
    diagnostics = Diagnostics{}; // policy warnings are check's business

    std::vector<std::string> issuer_files;
    if (values.count("issuers") > 0) {
        issuer_files = values["issuers"].as<std::vector<std::string>>();
    }
    audit::IssuerTable issuers = audit::IssuerTable::with_builtin(issuer_files, diagnostics);
    if (diagnostics.has_errors()) {
        print_diagnostics(diagnostics, std::cerr);
        std::cerr << "caapol audit: error: the issuer tables have errors ("
                  << summarize(diagnostics) << ")\n";
        return exit_input;
    }

    // certspotter's script interface (certspotter-script(8), version 0.16).
    std::string hook_issuer_dn;
    if (hook) {
        const std::string event = env("EVENT");
        if (event.empty()) {
            throw UsageError{"audit", "--certspotter-hook: EVENT is not set: run it from "
                                      "certspotter -script"};
        }
        if (event != "discovered_cert") {
            return exit_ok; // malformed_cert, error: certspotter's own notifications
        }
        if (!env("CERT_FILENAME").empty()) {
            sources.push_back(env("CERT_FILENAME"));
        } else if (!env("JSON_FILENAME").empty()) {
            sources.push_back(env("JSON_FILENAME"));
            hook_issuer_dn = env("ISSUER_DN");
        } else {
            std::cerr << "caapol audit: error: --certspotter-hook: neither CERT_FILENAME nor "
                         "JSON_FILENAME is set (certspotter -no_save?): cannot audit the "
                         "certificate "
                      << text::escape_for_terminal(env("CERT_SHA256")) << " for "
                      << text::escape_for_terminal(env("WATCH_ITEM")) << "\n";
            return exit_input;
        }
    }

    Sink sink(values.count("output") > 0 ? values["output"].as<std::string>() : "-");
    audit::Auditor auditor(policy, clock_now());
    output::AuditRenderer renderer(auditor);
    std::string chunk; // output gathered per certificate
    audit::Summary summary;
    bool first = true;
    if (format == "json") {
        sink.write("{\"version\":1,\"findings\":[\n");
    }
    audit::ReadOptions read_options;
    read_options.issuers = &issuers;
    read_options.pipeline = true;
    audit::Certificate patched;
    auto on_certificate = [&](audit::Certificate& certificate) {
        const audit::Certificate* c = &certificate;
        if (!hook_issuer_dn.empty() && certificate.issuer_dn.empty()) {
            // A hook JSON file has no issuer: it is in ISSUER_DN.
            patched = certificate;
            patched.issuer_dn = hook_issuer_dn;
            auto r = issuers.resolve(patched);
            patched.caa_domains =
                r.caa_domains != nullptr ? *r.caa_domains : std::vector<std::string>();
            patched.issuer_match = r.match;
            c = &patched;
        }
        renderer.new_certificate();
        chunk.clear();
        for (const auto& finding : auditor.audit(*c)) {
            summary.count(finding);
            const audit::Verdict verdict = finding.outcome->verdict;
            const bool problem = verdict == audit::Verdict::unauthorised ||
                                 verdict == audit::Verdict::unknown_issuer;
            if (hook && !(verdict == audit::Verdict::unauthorised ||
                          (strict && verdict == audit::Verdict::unknown_issuer))) {
                continue;
            }
            if (format == "text") {
                if (all || problem) {
                    renderer.text(finding, chunk);
                }
            } else if (format == "jsonl") {
                renderer.json(finding, chunk);
                chunk += '\n';
            } else {
                if (!first) {
                    chunk += ",\n";
                }
                renderer.json(finding, chunk);
                first = false;
            }
        }
        sink.write(chunk);
    };
    audit::ReadStats stats =
        audit::read_certificates(sources, read_options, on_certificate, diagnostics);
    summary.certificates = stats.certificates;
    summary.duplicates = stats.duplicates;
    summary.ca_skipped = stats.ca_skipped;
    summary.sources = stats.sources;
    summary.errors = diagnostics.count(Severity::error);

    if (format == "json") {
        sink.write(std::string(first ? "" : "\n") +
                   "],\"summary\":" + output::render_audit_summary_json(summary) + "}\n");
    } else if (format == "text" &&
               !(hook && summary.unauthorised == 0 && !(strict && summary.unknown_issuer > 0))) {
        sink.write(output::render_audit_summary_text(summary));
    }
    print_diagnostics(diagnostics, std::cerr);
    if (!sink.finish()) {
        return exit_input;
    }
    if (diagnostics.has_errors()) {
        return exit_input;
    }
    if (summary.unauthorised > 0 || (strict && summary.unknown_issuer > 0)) {
        return exit_findings;
    }
    return exit_ok;
}

} // namespace caapol::cli
