// Fuzzes the certificate readers of `caapol audit` on in-memory input: the detected kind's
// reader (JSON through the SAX handler, PEM, DER), every problem a located diagnostic, every
// certificate's names valid DNS names; then the verdict of each name over a small policy.
#include "caapol/audit/audit.hpp"
#include "caapol/audit/certificate.hpp"
#include "caapol/audit/issuers.hpp"
#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

const caapol::policy::Policy& fuzz_policy() {
    static const caapol::policy::Policy policy = [] {
        caapol::Diagnostics d;
        return caapol::policy::load_from_string(
            "version = 1\n[domain.\"example.com\"]\nissue = [\"letsencrypt.org\"]\n"
            "issuewild = []\n",
            "fuzz.toml", d);
    }();
    return policy;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    caapol::Diagnostics diagnostics;
    static caapol::audit::IssuerTable issuers = [] {
        caapol::audit::IssuerTable t;
        t.add_builtin();
        return t;
    }();
    caapol::audit::Auditor auditor(fuzz_policy(), 0);
    auto check = [&](caapol::audit::Certificate& c) {
        for (const auto& name : c.names) {
            caapol::audit::Name again;
            if (!caapol::audit::parse_name(name.name, again).empty()) {
                std::abort();
            }
        }
        auto r = issuers.resolve(c);
        if (r.caa_domains != nullptr) {
            c.caa_domains = *r.caa_domains;
        }
        for (const auto& f : auditor.audit(c)) {
            if (f.outcome == nullptr || f.outcome->rule.empty()) {
                std::abort();
            }
        }
    };
    switch (caapol::audit::detect_kind(input)) {
    case caapol::audit::SourceKind::der:
        caapol::audit::read_der(input, "fuzz", check, diagnostics);
        break;
    case caapol::audit::SourceKind::pem:
        caapol::audit::read_pem(input, "fuzz", check, diagnostics);
        break;
    case caapol::audit::SourceKind::unknown:
        return 0;
    default:
        caapol::audit::read_json(input, "fuzz", check, diagnostics);
        break;
    }
    for (const auto& d : diagnostics.all()) {
        if (d.location.file != "fuzz" || d.rule.empty()) {
            std::abort();
        }
    }
    return 0;
}
