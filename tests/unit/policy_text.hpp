// Test helper: a policy from TOML text, which must load without errors.
#pragma once

#include "caapol/core/diagnostic.hpp"
#include "caapol/policy/policy.hpp"

#include <doctest/doctest.h>

namespace caapol::testing {

inline policy::Policy load_policy(const char* text) {
    Diagnostics diagnostics;
    policy::Policy p = policy::load_from_string(text, "p.toml", diagnostics);
    REQUIRE_FALSE(diagnostics.has_errors());
    return p;
}

} // namespace caapol::testing
