// caapol generate (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_generate(const Arguments&) {
    std::cerr << "caapol generate: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
