// A Source that answers from a policy: what DNS would hold if it matched the policy exactly.
// A policy domain with records answers with them (each carrying its file:line:col); an inherit
// domain, or a name the policy does not mention, answers "empty" so the climb goes on to the
// parent, as it would over DNS.
#pragma once

#include "caapol/climb/source.hpp"
#include "caapol/policy/policy.hpp"

namespace caapol::climb {

class PolicySource : public Source {
public:
    // `policy` must outlive the source.
    explicit PolicySource(const policy::Policy& policy) : policy_(policy) {}
    Answer lookup(const std::string& name) override;

private:
    const policy::Policy& policy_;
};

} // namespace caapol::climb
