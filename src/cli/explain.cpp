// caapol explain (placeholder until its issue lands).
#include "caapol/cli/cli.hpp"

#include <iostream>

namespace caapol::cli {

int run_explain(const Arguments&) {
    std::cerr << "caapol explain: error: not implemented yet\n";
    return exit_input;
}

} // namespace caapol::cli
