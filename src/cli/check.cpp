// caapol check (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_check(const Arguments&) {
    std::cerr << "caapol check: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
