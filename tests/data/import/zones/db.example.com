; An existing zone with hand-written CAA records (caapol import's CLI tests).
$ORIGIN example.com.
$TTL 3600
@       IN SOA ns1 hostmaster 2026120201 7200 3600 1209600 300
@       IN NS  ns1
ns1     IN A   192.0.2.53
@       IN CAA 0 issue "letsencrypt.org"
@       IN CAA 128 issue "Sectigo.com."
@       IN CAA 0 issuewild ";"
@       IN CAA 0 iodef "mailto:security@example.com"
www     IN CNAME example.com.
blog    IN A 192.0.2.80
shop    300 IN CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123456; validationmethods=dns-01,http-01"
shop    300 IN CAA 0 iodef "mailto:security@example.com"
api.shop 300 IN CAA 0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123456;validationmethods=dns-01,http-01"
api.shop 300 IN CAA 0 iodef "mailto:security@example.com"
mail    IN CAA 0 issue ";"
mail    IN CAA 0 issuemail "digicert.com"
mail    IN CAA 0 contactemail "pki@example.com"
mail    IN CAA 128 tbs "say \"hi\"; back\\slash caf\195\169"
legacy  IN CAA 0 issue "letsencrypt.org"
legacy  IN CAA 128 issue "Sectigo.com."
legacy  IN CAA 0 issuewild ";"
legacy  IN CAA 0 iodef "mailto:security@example.com"
