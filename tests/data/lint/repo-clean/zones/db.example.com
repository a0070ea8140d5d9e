$ORIGIN example.com.
$TTL 3600
@        IN SOA   ns1 hostmaster 2026112601 7200 3600 1209600 300
@        IN NS    ns1
ns1      IN A     192.0.2.1
@        IN CAA   0 issue letsencrypt.org
@        IN CAA   0 issuewild ";"
@        IN CAA   0 iodef "mailto:security@example.com"
www      IN A     192.0.2.10
blog     IN CNAME www
shop 300 IN CAA   0 issue "sectigo.com; validationmethods=dns-01"
shop 300 IN CAA   0 iodef "mailto:security@example.com"
