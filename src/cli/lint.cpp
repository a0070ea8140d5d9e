// caapol lint (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_lint(const Arguments&) {
    std::cerr << "caapol lint: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
