// caapol verify (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_verify(const Arguments&) {
    std::cerr << "caapol verify: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
