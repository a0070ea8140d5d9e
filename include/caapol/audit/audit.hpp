// The verdict on one (certificate, name): may the certificate's CA issue for the name under
// the policy? Decided by the same code as `caapol explain --policy`: climb::climb over a
// climb::PolicySource (RFC 8659 section 3 over what DNS holds when it matches the policy),
// then decide::decide for each CAA identifier domain of the issuer.
#pragma once

#include "caapol/audit/certificate.hpp"
#include "caapol/policy/policy.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace caapol::audit {

enum class Verdict {
    authorised,     // one of the issuer's CAA domains may issue for the name
    unauthorised,   // none may: the policy forbids this CA for the name
    unknown_issuer, // the issuer maps to no CAA domain and the policy restricts the name
    unchecked,      // no policy domain covers the name
};
const char* verdict_name(Verdict verdict);

// What the policy says about one (name, issuer): shared by every finding with the same
// relevant policy domain, kind (wildcard or not) and issuer CAA domains.
struct Outcome {
    Verdict verdict = Verdict::unchecked;
    std::string rule;           // decide's rule id (e.g. issuer-not-listed), or "unknown-issuer"
    std::string reason;         // one sentence
    std::string policy_domain;  // the policy domain whose records decide ("" when none)
    Location policy_location;   // the deciding policy record (or the domain's header)
    std::string caa_domain;     // the issuer's CAA domain that was decisive ("" when none)
    bool not_checkable = false; // the policy restricts by RFC 8657 parameters a certificate
                                // does not show (accounturi, validationmethods)
};

// One (certificate, name). The pointers are valid until the next Auditor::audit call.
struct Finding {
    const Certificate* certificate = nullptr;
    const Name* name = nullptr;
    const Outcome* outcome = nullptr;
    bool expired = false; // not_after is before `now`
};

class Auditor {
public:
    // `policy` must outlive the auditor. `now` (Unix seconds) decides `expired`.
    Auditor(const policy::Policy& policy, std::int64_t now);
    ~Auditor();
    Auditor(const Auditor&) = delete;
    Auditor& operator=(const Auditor&) = delete;
    // One finding per name of the certificate, in the certificate's order. The vector is
    // reused by the next call.
    const std::vector<Finding>& audit(const Certificate& certificate);
    // Changes whenever outcomes are freed (the caches are bounded): outcome pointers of an
    // earlier generation may then be reused for others.
    std::uint64_t generation() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace caapol::audit

namespace caapol::audit {

struct Summary {
    std::size_t certificates = 0; // audited (after merging)
    std::size_t duplicates = 0;   // precertificate/certificate pairs merged
    std::size_t ca_skipped = 0;
    std::size_t sources = 0;
    std::size_t findings = 0;
    std::size_t authorised = 0, unauthorised = 0, unknown_issuer = 0, unchecked = 0;
    std::size_t not_checkable = 0;
    std::size_t errors = 0; // input errors (diagnostics)
    void count(const Finding& finding);
};

} // namespace caapol::audit
