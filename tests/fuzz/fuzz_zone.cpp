// Fuzzes the zone reader on in-memory text (includes disabled) and the zone source over what
// it read: every problem is a located diagnostic; climbing any name ends with a result.
#include "caapol/climb/climb.hpp"
#include "caapol/climb/zone_source.hpp"
#include "caapol/core/diagnostic.hpp"
#include "caapol/zone/zone.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    caapol::zone::LoadOptions options;
    options.origin = "fuzz.test";
    options.allow_include = false;
    caapol::zone::ZoneSet zones;
    caapol::Diagnostics diagnostics;
    caapol::zone::load_zone_text(input, "fuzz.zone", options, zones, diagnostics);
    for (const auto& d : diagnostics.all()) {
        if (d.location.file != "fuzz.zone" || d.rule.empty()) {
            std::abort();
        }
    }
    caapol::climb::ZoneSource source(zones);
    for (const char* name : {"fuzz.test", "www.fuzz.test", "a.b.fuzz.test", "*.fuzz.test"}) {
        auto result = caapol::climb::climb(source, name);
        if (result.outcome == caapol::climb::Outcome::failure && result.reason.empty()) {
            std::abort();
        }
    }
    return 0;
}
