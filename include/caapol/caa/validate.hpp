// Checks of property values beyond the issue grammar (RFC 8657, RFC 8659 iodef, CA/B BR
// Appendix A). Each returns an empty string when the value is fine, else a sentence saying
// what is wrong (without the rule id; callers attach their own).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace caapol::caa {

// Labels of the IANA "ACME Validation Methods" registry that CAA validationmethods may name.
const std::vector<std::string>& acme_validation_methods();

// RFC 8657 section 4 label syntax: 1*(ALPHA / DIGIT / "-"). The one label check of decide,
// explain's --method and lint.
bool is_validation_method_label(std::string_view label);

// A registry label, or a CA-specific label starting with "ca-".
bool is_known_validation_method(std::string_view label);

// RFC 8657 accounturi: an absolute URI (RFC 3986 scheme ":" ...), no spaces or controls.
std::string check_account_uri(std::string_view uri);

// RFC 8659 §4.4 iodef: "mailto:" with an address, or an "http:"/"https:" URL with a host.
std::string check_iodef_url(std::string_view url);

// CA/B BR Appendix A contactemail: exactly one e-mail address (local@domain).
std::string check_contact_email(std::string_view value);

// CA/B BR Appendix A contactphone: a global number: '+', country code, digits and visual
// separators (space, '-', '.', '(', ')'). "tel:" URIs are wrong.
std::string check_contact_phone(std::string_view value);

// Issuer domain syntax inside an issue value (RFC 8659 issuer-domain-name), trailing dot
// tolerated. The sentence starts with "it ..." so callers can name the issuer first.
std::string check_issuer_domain(std::string_view issuer);

} // namespace caapol::caa
