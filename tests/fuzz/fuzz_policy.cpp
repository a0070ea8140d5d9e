// Fuzzes the policy loader: any bytes as a policy file give diagnostics or a policy, never a
// crash, a hang or unbounded recursion; every diagnostic is located in the file. Where the
// fast reader accepts the bytes, its reading must be exactly toml++'s (the reference).
#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string describe(const caapol::policy::Policy& policy, const caapol::Diagnostics& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics.all()) {
        out += caapol::format_diagnostic(d) + caapol::severity_name(d.severity) + "\n";
    }
    for (const auto& domain : policy.domains) {
        out += domain.name + caapol::format_location(domain.location) + std::to_string(domain.ttl) +
               (domain.inherit ? "i\n" : "\n");
        for (const auto& r : domain.records) {
            out += std::to_string(r.record.flags) + r.record.tag + "=" + r.record.value +
                   caapol::format_location(r.location) + "\n";
        }
    }
    return out;
}

} // namespace

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
    caapol::Diagnostics fast_diagnostics;
    auto fast = caapol::policy::load_from_string(input, "fuzz.toml", fast_diagnostics,
                                                 caapol::policy::Reader::fast_only);
    if (fast) {
        caapol::Diagnostics toml_diagnostics;
        auto reference = caapol::policy::load_from_string(input, "fuzz.toml", toml_diagnostics,
                                                          caapol::policy::Reader::toml_only);
        if (describe(*fast, fast_diagnostics) != describe(*reference, toml_diagnostics)) {
            std::abort(); // the fast reader read something otherwise than toml++
        }
    }
    return 0;
}
