// caapol cas (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_cas(const Arguments&) {
    std::cerr << "caapol cas: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
