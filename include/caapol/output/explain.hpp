// Rendering of `caapol explain` results: text for people, JSON for programs. Everything that
// came from DNS or files is escaped (text::escape_for_terminal, text::json_string).
#pragma once

#include "caapol/climb/climb.hpp"
#include "caapol/decide/decide.hpp"
#include "caapol/diff/diff.hpp"

#include <optional>
#include <string>
#include <vector>

namespace caapol::output {

struct Explanation {
    climb::Result climb;
    decide::Request request;
    decide::Decision decision;
    // explain --policy: the policy's verdict of the name (diff::compare, as lint and verify
    // give it): ok with the policy domain it comes from, or unchecked when none covers it.
    std::optional<diff::Status> policy_status;
    std::string expected_from;
};

// One block per name, separated by blank lines.
std::string render_explain_text(const std::vector<Explanation>& explanations);

// {"version":1,"results":[...]} followed by a newline.
std::string render_explain_json(const std::vector<Explanation>& explanations);

// One line describing what a lookup gave: "CAA set (2 records)", "empty", "NXDOMAIN",
// "alias -> target", "failure: reason". Not escaped.
std::string describe_answer(const climb::Answer& answer);

} // namespace caapol::output
