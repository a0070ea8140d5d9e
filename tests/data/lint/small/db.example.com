$TTL 300
@   IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@   IN CAA 0 issue "letsencrypt.org"
@   IN CAA 0 iodef "security@example.com"
www IN CAA 0 issuewild "pki.goog"
