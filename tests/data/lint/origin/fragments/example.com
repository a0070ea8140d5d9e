; named like a domain, but no SOA: a fragment whose origin the name does not tell
www      3600 IN CAA   0 issue "letsencrypt.org"
