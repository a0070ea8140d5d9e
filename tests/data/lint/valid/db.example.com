; Valid syntax of many kinds (BIND and Knot load it): none of it may be reported.
$TTL 1h
@ IN SOA ns1.example.com. hostmaster.example.com. (
        2026112601 ; serial
        2h         ; refresh
        1H         ; retry
        2w         ; expire
        300 )      ; minimum
        IN NS ns1
        IN NS ns2.example.net.
        IN MX 10 mail
        IN TXT "v=spf1 mx -all" "second \"quoted\" part; with semicolon" \059escaped
        IN CAA 0 issue letsencrypt.org
        IN CAA 0 issuewild ";"
        IN TYPE257 \# 15 0005697373756570 6b692e676f6f67
ns1     IN A 192.0.2.1
        IN AAAA 2001:db8::1
IN 300 A 192.0.2.99
mail 300 IN A 192.0.2.2
www IN 60 CNAME @
_sip._tcp IN SRV 10 60 5060 sip
sip IN NAPTR 100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
host IN SSHFP 1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac
_443._tcp.www IN TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
sub IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
sub IN NS ns.sub
ns.sub IN A 192.0.2.3
hinfo IN HINFO "PC" "Linux"
loc IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
rp IN RP hostmaster.example.com. .
ab IN A 192.0.2.4
*.wild IN A 192.0.2.5
unknown IN TYPE65534 \# 3 010203
empty IN TYPE65533 \# 0
key IN DNSKEY 256 3 8 AwEAAcFcGsaxxdgiuuGmCkVImy4h99CqT7jwY3pexPGcnUFtR2Fh36BponcwtkZ4cAgtvd4Qs8PkxUdp6p/DlUmObdk= 
spf IN SPF "v=spf1 -all"
ptr IN PTR host
dn IN DNAME example.net.
https IN HTTPS 1 . alpn="h2,h3" port=443
svc IN SVCB 0 www
