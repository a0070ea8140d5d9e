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
        {"tag-case", Severity::error, "tag not lower case: NSD refuses the zone",
         "RFC 8659 allows upper-case tags (they match case-insensitively), but NSD 4.6.1 "
         "refuses to load a zone with a tag such as ISSUE written as text, so none of its "
         "records is served (Knot, BIND and Unbound 1.17 load it). Write tags in lower case. "
         "(In RFC 3597 generic form, TYPE257, NSD loads it: then this is a warning.)"},
        {"tag-length", Severity::error, "tag longer than 15 characters: NSD refuses the zone",
         "RFC 8659 sets no upper limit on the tag length (RFC 6844 said 15), but NSD 4.6.1 "
         "refuses to load a zone with a longer tag. No property has such a tag: fix its "
         "spelling."},
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
        {"parameter-hyphen", Severity::warning, "parameter tag with a hyphen",
         "RFC 8659 allows inner hyphens in parameter tags, but Let's Encrypt refuses such a "
         "record as malformed: it authorises nobody there. Use a tag without hyphens."},
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
        {"cname-conflict", Severity::error, "a CNAME beside CAA or any other data",
         "A name with a CNAME can have no other data (RFC 1034 section 3.6.2): not CAA, DNAME, "
         "NS, nor the apex's SOA; NSD, Knot and BIND refuse the zone, and CAs follow the CNAME. "
         "Move the other records to the target, or remove the CNAME."},
        {"duplicate-alias", Severity::error, "two CNAMEs, or two DNAMEs, at one name",
         "A name has at most one CNAME (RFC 1034 section 3.6.2) and one DNAME (RFC 6672 "
         "section 2.4); NSD, Knot and BIND refuse the zone. Keep one."},
        {"data-below-dname", Severity::error, "records below a DNAME: servers refuse the zone",
         "A DNAME redirects every name below its owner (RFC 6672 section 2.3), so no name below "
         "it may own records; NSD and Knot refuse the zone, and CAs never see CAA records "
         "there. Move the records to the DNAME's target, or remove the DNAME."},
        {"dname-at-delegation", Severity::error, "a DNAME beside NS records at a delegation",
         "At a delegation point the parent serves only the referral, so the DNAME is never "
         "answered; Knot refuses the zone. Put the DNAME in the child zone, or remove the "
         "delegation."},
        {"occluded-data", Severity::warning, "CAA at or below a delegation: dead data",
         "Below a delegation (NS records at a name other than the apex) the parent zone only "
         "refers to the child zone: servers load these records but never answer them, and CAs "
         "see the child zone's CAA set. Move the records to the child zone's file."},
        {"duplicate-soa", Severity::error, "a second SOA record in one zone file",
         "A zone has exactly one SOA record, at its apex; NSD and BIND refuse a zone with two "
         "(even two equal ones). Remove the second."},
        {"record-class", Severity::error, "a record of a class other than IN",
         "NSD, Knot and BIND load only class IN records into an IN zone and refuse the whole "
         "zone otherwise. Write IN or leave the class out."},
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
