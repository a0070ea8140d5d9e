#include "caapol/cli/cli.hpp"

#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace caapol::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"generate", "write CAA records from a policy, in a server's or provider's format",
         run_generate},
        {"check", "validate policy files", run_check},
        {"lint", "check zone files against the RFCs and the policy", run_lint},
        {"verify", "compare live DNS with the policy", run_verify},
        {"explain", "may this CA issue for this name, and why?", run_explain},
        {"import", "write a policy from existing CAA records (zone files, live DNS, JSON)",
         run_import},
        {"audit", "check certificates (Certificate Transparency) against the policy", run_audit},
        {"cas", "list known certificate authorities and their CAA identifiers", run_cas},
    };
    return table;
}

bool parse_arguments(const std::string& command, const std::string& usage,
                     const po::options_description& options,
                     const po::positional_options_description& positional, const Arguments& args,
                     po::variables_map& values) {
    po::options_description all;
    all.add(options);
    all.add_options()("help,h", "show this help and exit");
    try {
        auto parsed = po::command_line_parser(args)
                          .options(all)
                          .positional(positional)
                          .style(po::command_line_style::default_style &
                                 ~po::command_line_style::allow_guessing)
                          .run();
        po::store(parsed, values);
        if (values.count("help") > 0) {
            std::cout << usage << "\n\n" << all << "\n";
            return false;
        }
        po::notify(values);
    } catch (const po::unknown_option& e) {
        // A misspelt long option gets the nearest one: --fromat -> --format.
        std::string message = e.what();
        const std::string word = e.get_option_name();
        if (word.rfind("--", 0) == 0) {
            std::vector<std::string> names;
            for (const auto& option : all.options()) {
                if (!option->long_name().empty()) {
                    names.push_back("--" + option->long_name());
                }
            }
            std::string bare = word.substr(0, word.find('='));
            if (auto guess = text::did_you_mean(bare, names)) {
                message += "; did you mean '" + *guess + "'?";
            }
        }
        throw UsageError{command, message};
    } catch (const po::error& e) {
        throw UsageError{command, e.what()};
    }
    return true;
}

Output::Output(const std::string& target) {
    if (target != "-") {
        file_ = std::make_unique<AtomicFile>(target);
    }
}

Output::~Output() = default;

void Output::write(std::string_view text) {
    if (file_) {
        file_->write(text);
    } else {
        std::cout << text;
    }
}

void Output::finish() {
    if (file_) {
        file_->commit();
    } else {
        std::cout.flush();
    }
}

void print_diagnostics(const Diagnostics& diagnostics, std::ostream& out, Severity least) {
    for (const auto& d : diagnostics.all()) {
        if (static_cast<int>(d.severity) < static_cast<int>(least)) {
            continue;
        }
        out << format_diagnostic(d) << '\n';
    }
}

std::string summarize(const Diagnostics& diagnostics) {
    auto plural = [](std::size_t n, const char* word) {
        return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    std::size_t errors = diagnostics.count(Severity::error);
    std::size_t warnings = diagnostics.count(Severity::warning);
    std::size_t notes = diagnostics.count(Severity::note);
    std::string out = plural(errors, "error") + ", " + plural(warnings, "warning");
    if (notes > 0) {
        out += ", " + plural(notes, "note");
    }
    return out;
}

namespace {

// One line of a --names file: its name, normalized, into `name` ("" for a blank or comment
// line). Into a buffer the caller keeps: no allocation per line when the callee copies.
void name_of_line(std::string_view line, const std::string& path, std::size_t number,
                  std::string& name) {
    name.clear();
    if (auto hash = line.find('#'); hash != std::string_view::npos) {
        line = line.substr(0, hash);
    }
    line = text::trim(text::trim(line));
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
        line = text::trim(line);
    }
    if (line.empty()) {
        return;
    }
    std::string problem = dns_name::check_name(line, dns_name::Profile::lookup);
    if (!problem.empty()) {
        throw InputError{path + ":" + std::to_string(number) + ": '" +
                         text::escape_for_terminal(line) + "' is not a domain name: " + problem};
    }
    dns_name::normalize_into(name, line);
}

} // namespace

void for_each_name(const std::string& path, const std::function<void(std::string&&)>& each) {
    const std::string shown = input_display_name(path);
    InputFd in = open_input(path); // "-": standard input; InputError when unreadable
    struct Closer {
        const InputFd& in;
        ~Closer() {
            if (in.owned) {
                ::close(in.fd);
            }
        }
    } closer{in};
    std::string pending; // the unfinished last line of what was read so far
    std::size_t line_number = 0;
    std::string name;
    char buffer[65536];
    for (bool end = false; !end;) {
        ssize_t n = ::read(in.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw InputError{"cannot read " + shown + ": " + std::strerror(errno)};
        }
        end = n == 0;
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t at = 0;
        while (true) {
            std::size_t newline = pending.find('\n', at);
            if (newline == std::string::npos && !(end && at < pending.size())) {
                break;
            }
            std::size_t stop = newline == std::string::npos ? pending.size() : newline;
            name_of_line(std::string_view(pending).substr(at, stop - at), path, ++line_number,
                         name);
            if (!name.empty()) {
                each(std::move(name));
            }
            at = newline == std::string::npos ? pending.size() : newline + 1;
        }
        pending.erase(0, at);
    }
}

std::vector<std::string> read_names(const std::string& path) {
    std::vector<std::string> names;
    for_each_name(path, [&names](std::string&& name) { names.push_back(std::move(name)); });
    return names;
}

} // namespace caapol::cli
