// RFC 8659 §4.2 issue-type value grammar, with RFC 8657 parameters.
//   issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
//   parameters  = (parameter *WSP ";" *WSP parameters) / parameter
//   parameter   = tag *WSP "=" *WSP value      ; tag = 1*(ALPHA / DIGIT)
//   value       = *(%x21-3A / %x3C-7E)
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::caa {

struct Parameter {
    std::string key;
    std::string value;
    bool operator==(const Parameter&) const = default;
};

struct IssueValue {
    std::string issuer; // as written (may be empty: ";" authorises nobody); trailing dot kept
    std::vector<Parameter> parameters; // in written order
};

struct IssueValueError {
    std::string rule;       // "issuer-syntax" or "parameter-syntax"
    std::size_t offset = 0; // byte offset in the value where the problem starts
    std::string message;
};

struct IssueValueParse {
    std::optional<IssueValue> value; // set when the value is inside the grammar
    IssueValueError error;           // set when it is not
};

IssueValueParse parse_issue_value(std::string_view text);

// Issuer for comparisons: lower case, trailing dot removed.
std::string normalize_issuer(std::string_view issuer);

// "issuer; k=v; k=v" (issuer normalized when `normalize` is true), or ";" / "; k=v" for an empty
// issuer.
std::string render_issue_value(const IssueValue& value, bool normalize);

} // namespace caapol::caa
