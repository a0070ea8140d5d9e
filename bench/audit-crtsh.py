#!/usr/bin/env python3
"""Writes a crt.sh-style JSON export of N certificates (bench/audit): usage OUT N.

Names under the policy's domains and one it does not cover (30,000 distinct, 1-3 per
certificate, some wildcards); issuers mostly allowed ones (Let's Encrypt, DigiCert), some
Sectigo (allowed only under shop.example.com) and one organisation no table knows, so every
verdict occurs (about 1 name in 10 unauthorised); every 10th certificate also appears as its
precertificate, as in crt.sh."""
import random
import sys

out, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(8659)
issuers = [
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (16418, "C=US, O=Let's Encrypt, CN=R3"),
    (1191, "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1"),
    (1191, "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1"),
    (1397, 'C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Domain Validation Secure Server CA'),
    (99999, "C=ZZ, O=Nobody Trust, CN=Nobody CA 1"),
]
zones = ["example.com", "example.net", "shop.example.com", "example.com", "example.net", "other.org"]
names = ["host%d.%s" % (i, zones[i % len(zones)]) for i in range(30000)]
with open(out, "w") as f:
    f.write("[")
    written = 0
    i = 0
    while written < count:
        ca_id, issuer = issuers[rng.randrange(len(issuers))]
        k = rng.randrange(1, 4)
        cert_names = [names[rng.randrange(len(names))] for _ in range(k)]
        if rng.randrange(20) == 0:
            cert_names[0] = "*." + cert_names[0].split(".", 1)[1]
        serial = "%032x" % rng.getrandbits(128)
        copies = 2 if i % 10 == 0 else 1
        for _ in range(copies):
            if written == count:
                break
            f.write('%s{"issuer_ca_id":%d,"issuer_name":"%s","common_name":"%s","name_value":"%s",'
                    '"id":%d,"entry_timestamp":"2024-03-01T10:00:00.123","not_before":'
                    '"2024-03-01T09:00:00","not_after":"2024-05-30T09:00:00","serial_number":"%s",'
                    '"result_count":2}' % ("," if written else "", ca_id, issuer, cert_names[0],
                                           "\\n".join(cert_names), 10000000 + written, serial))
            written += 1
        i += 1
    f.write("]\n")
