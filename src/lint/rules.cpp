#include "caapol/lint/lint.hpp"

namespace caapol::lint {

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = {
        {"syntax", Severity::error, "a record caapol cannot read",
         "The zone file holds a line that is not a valid record or directive (RFC 1035 "
         "section 5, RFC 3597). Servers refuse or misread it. Fix the record at the given "
         "column; quote CAA values that hold spaces."},
        {"include-outside-root", Severity::error, "$INCLUDE leaving the include root (not read)",
         "A zone file may only include files inside the include root (the git work tree by "
         "default). The file was not opened. Move the file inside the repository, or give "
         "--include-root."},
        {"critical-unknown-tag", Severity::error,
         "unknown tag with the critical flag: no CA may issue",
         "RFC 8659 section 4: a CA that does not understand a critical property must not "
         "issue. With an unknown tag and flag 128, no CA can issue. Fix the tag's spelling, or "
         "clear the critical flag (0)."},
        {"flag-reserved-bits", Severity::warning, "flags other than 0 or 128",
         "Only the critical bit (128) is defined. Flag 1 is a common misreading of "
         "\"critical\", and some CAs (Let's Encrypt) treat it as critical. Use 0, or 128 for "
         "critical."},
        {"tag-syntax", Severity::error, "tag outside [A-Za-z0-9]+",
         "RFC 8659 tags are letters and digits only. Fix the tag."},
        {"tag-case", Severity::warning, "tag not lower case",
         "Tags match case-insensitively, but NSD and Unbound refuse to load zones with "
         "upper-case tags such as ISSUE. Write tags in lower case."},
        {"unknown-tag", Severity::warning, "not a known property",
         "The tag is not issue, issuewild, issuemail, issuevmc, iodef, contactemail or "
         "contactphone; CAs ignore it. Check its spelling."},
        {"reserved-tag", Severity::error, "auth, path or policy",
         "RFC 8659 section 4 reserves these tags; they must not be used. Remove the record."},
        {"issuer-syntax", Severity::error, "issuer outside the RFC 8659 grammar",
         "The issuer domain is not a valid domain name (RFC 8659 section 4.2). Such a record "
         "authorises nobody. Write the CA's identifier, e.g. 0 issue \"letsencrypt.org\"."},
        {"parameter-syntax", Severity::error, "parameters outside the RFC 8659 grammar",
         "Parameters are key=value pairs separated by ';' (RFC 8659 section 4.2); a malformed "
         "record authorises nobody. Write e.g. \"ca.example; accounturi=https://...\"."},
        {"unknown-issuer", Severity::warning, "issuer not in the CA identifier table",
         "No known CA uses this identifier; it may be a typo (caapol cas lists the known "
         "ones). A record naming no real CA lets no CA issue."},
        {"issuer-case", Severity::warning, "mixed-case issuer",
         "Let's Encrypt compares the issuer byte for byte with letsencrypt.org: write issuer "
         "domains in lower case."},
        {"parameter-case", Severity::warning, "mixed-case parameter key",
         "Let's Encrypt ignores parameters such as AccountURI= entirely. Write parameter keys "
         "in lower case."},
        {"unknown-validation-method", Severity::warning,
         "validationmethods label not in the ACME registry",
         "RFC 8657 labels are http-01, dns-01, tls-alpn-01 (and dns-account-01), or "
         "CA-specific labels starting with ca-. Fix the label."},
        {"duplicate-parameter", Severity::error, "the same parameter twice",
         "Two accounturi (or other) parameters in one record make it unsatisfiable or "
         "ambiguous (RFC 8657). Keep one, or write one record per account."},
        {"accounturi-syntax", Severity::error, "accounturi is not an absolute URI",
         "RFC 8657 accounturi is the ACME account URL, e.g. "
         "https://acme-v02.api.letsencrypt.org/acme/acct/123456."},
        {"iodef-url", Severity::error, "iodef not a mailto:, http: or https: URL",
         "RFC 8659 section 4.4: iodef is where CAs report refused requests: a mailto: address "
         "or an http(s) URL."},
        {"contactemail-syntax", Severity::error, "contactemail is not one e-mail address",
         "CA/B Baseline Requirements Appendix A: exactly one address, e.g. pki@example.com."},
        {"contactphone-syntax", Severity::error, "contactphone is not a global number",
         "CA/B Baseline Requirements Appendix A: '+', country code and digits, e.g. "
         "+1 555 123 4567; tel: URIs are wrong."},
        {"issuewild-without-issue", Severity::warning,
         "issuewild without issue: non-wildcard issuance is unrestricted",
         "issuewild governs wildcard certificates only; without an issue record any CA may "
         "issue non-wildcard certificates. Add issue records (0 issue \";\" for none)."},
        {"empty-issuer-with-others", Severity::warning, "\";\" beside other issue records",
         "An empty issuer authorises nobody, but other issue records of the set still "
         "authorise their CAs, so the \";\" record does nothing. Remove one or the other."},
        {"no-restriction", Severity::warning, "a CAA set with no issue or issuewild",
         "A set with only iodef, contact or unknown non-critical records restricts nothing: "
         "every CA may issue. Add issue records."},
        {"duplicate-record", Severity::warning, "the same record twice",
         "The record is equivalent to an earlier one of the same name. Remove the duplicate."},
        {"cname-conflict", Severity::error, "CAA at a name that also has a CNAME",
         "A name with a CNAME can have no other data (RFC 1034); servers refuse the zone or "
         "answer with the CNAME, and CAs follow it. Move the CAA records to the target, or "
         "remove the CNAME."},
        {"wildcard-owner", Severity::warning, "CAA at a *. owner",
         "CAA at *.example.com applies only to names synthesized from the wildcard; CAs "
         "checking *.example.com look at example.com (RFC 8659 section 3). Put the records "
         "(issuewild) at the parent."},
        {"policy-missing", Severity::error, "a record the policy requires is missing",
         "The effective CAA set of the name lacks a record its policy domain requires. Add it "
         "(caapol generate prints the records)."},
        {"policy-unexpected", Severity::error, "a record the policy does not allow",
         "The effective CAA set of the name holds a record its policy domain does not list. "
         "Remove it, or add it to the policy."},
        {"policy-inherit", Severity::error, "records at a name that must inherit",
         "The policy says inherit = true for the name, so it must have no CAA records of its "
         "own. Remove them, or give the name its own set in the policy."},
        {"policy-ttl", Severity::note, "TTL differs from the policy",
         "The record's TTL is not the policy's. TTLs are not part of equivalence; this is a "
         "note."},
        {"policy-unchecked", Severity::note,
         "a policy domain the loaded zones cannot answer for (error with --strict)",
         "The name is outside every zone given, below a delegation whose zone is not loaded, "
         "or aliased out of the loaded zones. Give its zone file too."},
        // Signed zone files (lint/dnssec.cpp).
        {"dnssec-no-dnskey", Severity::error, "RRSIGs without a DNSKEY RRset at the apex",
         "The file is signed but holds no DNSKEY RRset, so no signature can be checked and "
         "validating resolvers find no keys. Keep the DNSKEY records in the signed zone."},
        {"dnssec-unsigned", Severity::error,
         "a CAA or NSEC/NSEC3 RRset without RRSIG in a signed zone",
         "Validating CAs (BR 3.2.2.8.1) see an unsigned RRset of a signed zone as bogus and "
         "refuse to issue. Re-sign the zone."},
        {"dnssec-signature-invalid", Severity::error,
         "the RRset does not match its RRSIG (edited after signing)",
         "The records were changed after the zone was signed: validating CAs see them as "
         "bogus. Re-sign the zone after editing."},
        {"dnssec-signature-expired", Severity::error, "the RRSIG has expired",
         "Validating CAs see the RRset as bogus. Re-sign the zone (and make re-signing "
         "automatic)."},
        {"dnssec-signature-not-yet-valid", Severity::error,
         "the RRSIG's inception is in the future",
         "The signer's clock or the -i date is wrong: validating CAs see the RRset as bogus "
         "until then. Re-sign with a correct inception."},
        {"dnssec-signature-expiring", Severity::warning,
         "the RRSIG expires within --dnssec-expiry-warn days",
         "When it expires, validating CAs will refuse to issue. Re-sign the zone before then."},
    };
    return table;
}

const Rule* find_rule(std::string_view id) {
    for (const auto& rule : rules()) {
        if (id == rule.id) {
            return &rule;
        }
    }
    return nullptr;
}

} // namespace caapol::lint
