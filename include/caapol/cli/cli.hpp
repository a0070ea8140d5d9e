// Command-line plumbing shared by the subcommands (one file per subcommand in src/cli/).
// Only cli/ prints to stdout/stderr and chooses exit statuses.
#pragma once

#include "caapol/core/diagnostic.hpp"

#include <boost/program_options.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace caapol {
class AtomicFile;
}

namespace caapol::cli {

namespace po = boost::program_options;

enum ExitStatus : int {
    exit_ok = 0,       // success, clean
    exit_findings = 1, // policy errors, lint errors, drift, a CA denied
    exit_input = 2,    // usage or input error
    exit_lookup = 3,   // a DNS lookup failed and the answer could not be decided
};

using Arguments = std::vector<std::string>; // the words after the subcommand

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const Arguments& args);
};

const std::vector<Command>& commands();

int run_generate(const Arguments& args);
int run_check(const Arguments& args);
int run_cas(const Arguments& args);
int run_lint(const Arguments& args);
int run_verify(const Arguments& args);
int run_explain(const Arguments& args);
int run_audit(const Arguments& args);
int run_import(const Arguments& args);

// Thrown for bad usage (unknown option, missing argument); main prints it with a hint to
// --help and exits 2.
struct UsageError {
    std::string command;
    std::string message;
};

// Parses `args` for `command`. Adds --help itself. Returns false when --help was given (the
// usage has then been printed to stdout and the caller returns exit_ok). Throws UsageError.
bool parse_arguments(const std::string& command, const std::string& usage,
                     const po::options_description& options,
                     const po::positional_options_description& positional, const Arguments& args,
                     po::variables_map& values);

// Where a command's output goes: standard output ("-"), or FILE written atomically (-o FILE,
// through symbolic links). The file is opened at once, before the command's work, so that an
// unwritable FILE fails first and a signal during a long run leaves no temporary file; the
// target is replaced only by finish(). Failures throw InputError (exit 2); standard output is
// checked by main at exit.
class Output {
public:
    explicit Output(const std::string& target);
    ~Output();
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    void write(std::string_view text);
    void finish();
    bool to_file() const { return file_ != nullptr; }

private:
    std::unique_ptr<AtomicFile> file_;
};

// Prints diagnostics to `out`, one per line, "FILE:LINE:COL: severity: message [rule]"; those
// below `least` are left out (generate, verify and explain show a policy's errors and
// warnings; its notes are advice that check and lint show).
void print_diagnostics(const Diagnostics& diagnostics, std::ostream& out,
                       Severity least = Severity::note);

// "N errors, M warnings" style summary ("" when there are none).
std::string summarize(const Diagnostics& diagnostics);

// Hands a large object to the operating system at exit instead of freeing it piece by
// piece: freeing 100,000 results one by one took about a sixth of a verify run. Reachable
// from a static pointer, so leak checkers do not report it.
template <typename T>
void keep_until_exit(std::unique_ptr<T> object) {
    static std::mutex mutex;
    static auto* kept = new std::vector<std::unique_ptr<T>>();
    std::lock_guard<std::mutex> lock(mutex);
    kept->push_back(std::move(object));
}

// A --names file: one name per line, '#' comments, blank lines skipped; names normalized.
// Throws InputError naming FILE:LINE for a line that is no name to look up
// (dns_name::Profile::lookup) and when the file cannot be read.
std::vector<std::string> read_names(const std::string& path);
// The same names handed to `each` one at a time, the file read a piece at a time: a list of
// millions of names is never held whole (verify).
void for_each_name(const std::string& path, const std::function<void(std::string&&)>& each);

} // namespace caapol::cli
