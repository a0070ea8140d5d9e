// Fuzzes CAA RDATA decoding (bytes from DNS answers): decode, re-encode, present.
#include "caapol/caa/record.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string rdata(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto record = caapol::caa::from_rdata(rdata, &error);
    if (!record) {
        if (error.empty()) {
            std::abort();
        }
        return 0;
    }
    if (caapol::caa::to_rdata(*record) != rdata) {
        std::abort();
    }
    std::string shown = caapol::caa::to_presentation(*record);
    for (char c : shown) {
        // Presentation form is one printable line whatever the bytes were.
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            std::abort();
        }
    }
    return 0;
}
