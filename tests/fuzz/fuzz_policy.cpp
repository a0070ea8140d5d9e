// Fuzzes the policy loader: any bytes as a policy file give diagnostics or a policy, never a
// crash, a hang or unbounded recursion; every diagnostic is located in the file.
#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    caapol::Diagnostics diagnostics;
    caapol::policy::Policy policy =
        caapol::policy::load_from_string(input, "fuzz.toml", diagnostics);
    for (const auto& d : diagnostics.all()) {
        if (d.location.file != "fuzz.toml" || d.rule.empty()) {
            std::abort();
        }
        (void)caapol::format_diagnostic(d);
    }
    if (!diagnostics.has_errors()) {
        for (const auto& domain : policy.domains) {
            (void)policy.expected_for(domain.name);
        }
    }
    return 0;
}
