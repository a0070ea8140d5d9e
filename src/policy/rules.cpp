#include "caapol/policy/rules.hpp"

namespace caapol::policy {

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = {
        {"toml-syntax", Severity::error, "the file is not TOML (or not UTF-8)"},
        {"nesting-too-deep", Severity::error, "tables and arrays nest more than 64 levels"},
        {"unknown-key", Severity::error, "a key the policy format does not have"},
        {"wrong-type", Severity::error, "a value of the wrong TOML type"},
        {"missing-version", Severity::error, "no version key"},
        {"unsupported-version", Severity::error, "a version other than 1"},
        {"domain-name", Severity::error, "an invalid domain name"},
        {"duplicate-domain", Severity::error, "a domain defined twice"},
        {"inherit-with-records", Severity::error, "inherit = true together with a record key"},
        {"inherit-in-defaults", Severity::error, "inherit in [defaults]"},
        {"missing-key", Severity::error, "an entry without its required key"},
        {"issuer-syntax", Severity::error, "an issuer outside the RFC 8659 grammar"},
        {"none-in-list", Severity::error, "\"none\" inside a list"},
        {"parameter-syntax", Severity::error, "an invalid parameter name or value"},
        {"duplicate-parameter", Severity::error, "accounturi or validationmethods inside params"},
        {"validation-method", Severity::error, "an unknown or empty validation method"},
        {"account-uri", Severity::error, "an accounturi that is not an absolute URI"},
        {"iodef-url", Severity::error, "an iodef that is not a mailto:, http: or https: URL"},
        {"contact-email", Severity::error, "a contactemail not in the CA/B form"},
        {"contact-phone", Severity::error, "a contactphone not in the CA/B form"},
        {"forbidden-character", Severity::error, "a character the value cannot hold"},
        {"property-tag", Severity::error, "a property tag other than letters and digits"},
        {"reserved-tag", Severity::error, "the reserved tags auth, path and policy"},
        {"property-tag-has-key", Severity::error, "a property tag that has its own key"},
        {"ttl-range", Severity::error, "a TTL outside 0 to 2147483647"},
        {"record-too-long", Severity::error, "RDATA over 65535 octets"},
        {"unknown-issuer", Severity::warning, "an issuer not in the CA table"},
        {"issuer-case", Severity::warning, "an issuer with upper-case letters"},
        {"property-tag-case", Severity::warning, "a property tag with upper-case letters"},
        {"issuewild-without-issue", Severity::warning, "issuewild without issue"},
        {"issue-missing", Severity::warning, "issuemail or issuevmc without issue"},
        {"redundant-issuewild", Severity::warning, "issuewild with exactly issue's entries"},
        {"no-issue-type", Severity::warning, "a domain that restricts no CA"},
        {"inherit-without-parent", Severity::warning, "inherit with nothing above to inherit"},
        {"no-domains", Severity::warning, "a policy without domains"},
        {"duplicate-issuer", Severity::warning, "the same issuer entry twice in one list"},
        {"accounturi-http", Severity::warning, "an http:// account URI (ACME uses https)"},
        {"accounturi-other-ca", Severity::warning,
         "an account URI on a host that is not the issuer's ACME server"},
        {"accounturi-staging", Severity::note,
         "only staging accounts of a CA: its production refuses"},
        {"accounturi-production-only", Severity::note,
         "only production accounts of a CA that has a staging directory: staging refuses"},
    };
    return table;
}

} // namespace caapol::policy
