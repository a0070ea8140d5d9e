#!/usr/bin/env python3
"""Writes a zone of about N records (default 1,000,000) for bench/lint.
Profiles:
  mixed  mixed types (A, AAAA, MX, TXT, SRV, CNAME, NS delegations with glue, CAA): about 20%
         of the host names own CAA records (issue and issuewild, sometimes iodef).
  caa20  exactly 20% of all owner names (hosts, glue, SRV names) own a CAA set of 2 to 5
         records, with RFC 8657 parameters (accounturi, validationmethods), several CAs,
         issuewild ";" and iodef: the CAA-heavy estate of issue 10.
Usage: lint-zone.py OUTPUT [RECORDS] [PROFILE]"""
import random
import sys

out_path = sys.argv[1]
target = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
profile = sys.argv[3] if len(sys.argv) > 3 else "mixed"
if profile not in ("mixed", "caa20"):
    sys.exit(f"unknown profile {profile} (mixed or caa20)")
rng = random.Random(8659)
cas = ["letsencrypt.org", "digicert.com", "sectigo.com", "pki.goog", "amazon.com"]
written = 0
with open(out_path, "w") as f:
    f.write("$ORIGIN bench.example.\n$TTL 3600\n")
    f.write("@ IN SOA ns1 hostmaster 2026112601 7200 3600 1209600 300\n")
    f.write("@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.1\nns2 IN A 192.0.2.2\n")
    f.write('@ IN CAA 0 issue "letsencrypt.org"\n@ IN CAA 0 iodef "mailto:security@bench.example"\n')
    written = 7
    i = 0
    names = caa_names = 0
    while profile == "caa20" and written < target:
        i += 1
        name = f"host{i}" if i % 7 else f"www.dept{i // 7}"
        names += 1
        r = rng.random()
        if r < 0.05:
            f.write(f"{name} 300 IN CNAME host{max(1, i - 1)}\n")
            written += 1
            continue
        if r < 0.06:
            f.write(f"{name} IN NS ns1.{name}\nns1.{name} IN A 198.51.100.{i % 250 + 1}\n")
            names += 1
            written += 2
            continue
        f.write(f"{name} IN A 198.51.100.{i % 250 + 1}\n")
        written += 1
        if rng.random() < 0.5:
            f.write(f"  IN AAAA 2001:db8::{i % 65536:x}\n")
            written += 1
        if rng.random() < 0.2:
            f.write(f'  IN TXT "v=spf1 -all" "id {i}"\n')
            written += 1
        if rng.random() < 0.05:
            f.write(f"_https._tcp.{name} IN SRV 0 1 443 {name}\n")
            names += 1
            written += 1
        # CAA at this name while fewer than 20% of the names so far own CAA (randomised within
        # that bound, so the owners are spread out rather than every fifth name).
        if caa_names < 0.2 * names and (rng.random() < 0.4 or caa_names < 0.2 * names - 20):
            caa_names += 1
            for ca in rng.sample(cas, rng.choice([1, 1, 2, 3])):
                params = []
                if rng.random() < 0.4:
                    params.append(f"accounturi=https://acme.{ca}/acct/{rng.randrange(10**8)}")
                if rng.random() < 0.3:
                    params.append("validationmethods=" + rng.choice(["dns-01", "http-01,dns-01",
                                                                      "tls-alpn-01"]))
                value = ca + ("; " + "; ".join(params) if params else "")
                f.write(f'{name} IN CAA 0 issue "{value}"\n')
                written += 1
            if rng.random() < 0.5:
                f.write(f'{name} IN CAA 0 issuewild ";"\n')
                written += 1
            if rng.random() < 0.4:
                f.write(f'{name} IN CAA 0 iodef "mailto:pki@{name}.bench.example"\n')
                written += 1
    while profile == "mixed" and written < target:
        i += 1
        name = f"host{i}" if i % 7 else f"www.dept{i // 7}"
        names += 1
        r = rng.random()
        if r < 0.05:
            f.write(f"{name} 300 IN CNAME host{max(1, i - 1)}\n")
            written += 1
            continue
        if r < 0.06:
            f.write(f"{name} IN NS ns1.{name}\nns1.{name} IN A 198.51.100.{i % 250 + 1}\n")
            names += 1
            written += 2
            continue
        f.write(f"{name} IN A 198.51.100.{i % 250 + 1}\n")
        written += 1
        if rng.random() < 0.5:
            f.write(f"  IN AAAA 2001:db8::{i % 65536:x}\n")
            written += 1
        if rng.random() < 0.1:
            f.write(f"  IN MX 10 mail.{name}\n")
            written += 1
        if rng.random() < 0.2:
            f.write(f'  IN TXT "v=spf1 -all" "id {i}"\n')
            written += 1
        if rng.random() < 0.02:
            f.write(f"_https._tcp.{name} IN SRV 0 1 443 {name}\n")
            names += 1
            written += 1
        if rng.random() < 0.2:
            caa_names += 1
            ca = rng.choice(cas)
            f.write(f'{name} IN CAA 0 issue "{ca}"\n')
            # Quoted: ldns 1.8.3 (ldns-read-zone) rejects unquoted values caapol accepts.
            f.write(f'{name} IN CAA 0 issuewild "{ca}"\n')
            written += 2
            if rng.random() < 0.3:
                f.write(f'{name} IN CAA 0 iodef "mailto:pki@{name}.bench.example"\n')
                written += 1
share = f", {caa_names} of {names} names own CAA ({100 * caa_names / names:.1f}%)" if names else ""
print(f"{out_path}: {written} records{share}", file=sys.stderr)
