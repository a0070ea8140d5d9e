// Every rule id a policy check can report (policy::load and the advice pass), for SARIF's
// rule table and the tests that keep it complete. Documented in man/caapol.1, "Policy rules".
#pragma once

#include "caapol/core/diagnostic.hpp"

#include <vector>

namespace caapol::policy {

struct Rule {
    const char* id;
    Severity severity;
    const char* summary;
};

const std::vector<Rule>& rules();

// RFC 8657 advice over a loaded policy (the account URI and the issuer of each entry, the
// entries of each list): warnings and notes, never errors. policy::load runs it.
struct Policy;
void advise(const Policy& policy, Diagnostics& diagnostics);

} // namespace caapol::policy
