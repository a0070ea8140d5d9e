// Fuzzes DNS answer handling: wire bytes in, one climb step's result out. Whatever a server
// sends, the answer is classified (failure with a reason when it is not usable) and the
// climber takes it without crashing.
#include "caapol/climb/climb.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/dns/message.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view wire(reinterpret_cast<const char*>(data), size);
    std::string error;
    (void)caapol::dns::parse_message(wire, &error);
    auto interpreted =
        caapol::climb::from_dns(caapol::dns::interpret_caa(wire, "a.fuzz.test", "127.0.0.1@53"));
    const auto& answer = interpreted.answer;
    if (answer.kind == caapol::climb::AnswerKind::failure && answer.reason.empty()) {
        std::abort();
    }
    caapol::climb::Climber climber("a.fuzz.test");
    climber.feed(answer);
    if (climber.done() && climber.result().outcome == caapol::climb::Outcome::failure &&
        climber.result().reason.empty()) {
        std::abort();
    }
    return 0;
}
