// caapol: keeps a domain's DNS CAA records true to a written policy.
#include "caapol/cli/cli.hpp"
#include "caapol/core/text.hpp"

#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

void print_usage(std::ostream& out) {
    out << "usage: caapol COMMAND [OPTIONS] [ARGS...]\n"
           "       caapol help [COMMAND] | --help | --version\n\n"
           "Keeps DNS CAA records (RFC 8659) true to a written policy.\n\n"
           "Commands:\n";
    for (const auto& command : caapol::cli::commands()) {
        std::string name = command.name;
        name.resize(10, ' ');
        out << "  " << name << command.summary << "\n";
    }
    out << "\nRun 'caapol help COMMAND' (or 'caapol COMMAND --help') for a command's options;\n"
           "'man caapol' for the policy format, every lint rule and the exit statuses.\n"
           "Exit status: 0 clean, 1 findings, 2 usage or input error, 3 lookup failure.\n";
}

} // namespace

int main(int argc, char** argv) {
    using namespace caapol::cli;
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_input;
    }
    std::string first = argv[1];
    Arguments args(argv + 2, argv + argc);
    if (first == "help" && !args.empty()) {
        // caapol help CMD: CMD's own help, as 'caapol CMD --help' prints it.
        first = args[0];
        args = {"--help"};
        if (first == "help" || first == "--help" || first == "-h") {
            print_usage(std::cout);
            return exit_ok;
        }
    } else if (first == "--help" || first == "-h" || first == "help") {
        print_usage(std::cout);
        return exit_ok;
    }
    if (first == "--version" || first == "-V") {
        std::cout << "caapol " << CAAPOL_VERSION << "\n";
        return exit_ok;
    }
    for (const auto& command : commands()) {
        if (first != command.name) {
            continue;
        }
        try {
            return command.run(args);
        } catch (const UsageError& e) {
            std::cerr << "caapol " << e.command
                      << ": error: " << caapol::text::escape_unprintable(e.message) << "\n"
                      << "Run 'caapol " << e.command << " --help' for usage.\n";
            return exit_input;
        } catch (const caapol::InputError& e) {
            std::cerr << "caapol " << command.name
                      << ": error: " << caapol::text::escape_unprintable(e.message) << "\n";
            return exit_input;
        } catch (const std::bad_alloc&) {
            std::cerr << "caapol " << command.name << ": error: out of memory\n";
            return exit_input;
        } catch (const std::exception& e) {
            std::cerr << "caapol " << command.name
                      << ": internal error: " << caapol::text::escape_unprintable(e.what()) << "\n";
            return exit_input;
        }
    }
    std::vector<std::string> names;
    for (const auto& command : commands()) {
        names.emplace_back(command.name);
    }
    std::cerr << "caapol: error: unknown command '" << caapol::text::escape_for_terminal(first)
              << "'";
    if (auto guess = caapol::text::did_you_mean(first, names)) {
        std::cerr << "; did you mean '" << *guess << "'?";
    }
    std::cerr << "\nRun 'caapol --help' for the list of commands.\n";
    return exit_input;
}
