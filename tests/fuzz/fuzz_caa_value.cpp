// Fuzzes the RFC 8659 issue-value grammar and everything built on it: parsing, rendering,
// equivalence and set comparison must never crash, and must agree with each other.
#include "caapol/caa/issue_value.hpp"
#include "caapol/caa/record.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto parsed = caapol::caa::parse_issue_value(input);
    if (parsed.value) {
        // Rendering a parsed value and parsing it again must give the same value.
        std::string rendered = caapol::caa::render_issue_value(*parsed.value, false);
        auto again = caapol::caa::parse_issue_value(rendered);
        if (!again.value || again.value->parameters != parsed.value->parameters ||
            again.value->issuer != parsed.value->issuer) {
            std::abort();
        }
    } else if (parsed.error.offset > size || parsed.error.rule.empty()) {
        std::abort();
    }
    caapol::caa::Record record{0, "issue", std::string(input)};
    caapol::caa::Record canonical = caapol::caa::canonical(record);
    if (!caapol::caa::equivalent(record, canonical)) {
        std::abort();
    }
    (void)caapol::caa::to_presentation(record);
    return 0;
}
