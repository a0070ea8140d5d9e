#!/usr/bin/env python3
"""A generated DNS estate for the import tests and bench/import, and an independent oracle.

write_estate(dir, zones=1000) writes one zone file per zone (db.NAME) holding every kind of CAA
data a policy can hold: inherit chains (names without records below names with records), names
repeating their parent's set, RFC 8657 parameters, other parameters, critical flags, unknown
tags, every TTL from 0 to 2^31-1, escaped values (quotes, backslashes, ';', non-ASCII), issuers
in odd case, deny (";") sets, iodef lists shared by most names (for [defaults]) and not by
others, $INCLUDE files, and around them what climbing meets: wildcards, CNAMEs, a DNAME, a
delegation without CAA data below it. Deterministic (seeded).

caa_sets(zone files) reads the CAA RRsets back with BIND's named-checkzone (not caapol's
reader) and canonical() puts a record in the form the policy format's equivalence compares
(lower-case tag; issuer lower case without trailing dot and parameters as "k=v" in a set), so
that the tests judge caapol with code of their own.
"""
import os
import random
import re
import subprocess

TTLS = [3600, 3600, 3600, 300, 60, 86400, 0, 2147483647]
ISSUERS = ["letsencrypt.org", "digicert.com", "sectigo.com", "pki.goog", "amazon.com",
           "globalsign.com", "buypass.com"]
METHODS = ["dns-01", "http-01", "tls-alpn-01"]


def q(value):
    """A zone-file character-string: quotes and backslashes escaped, non-ASCII as \\DDD."""
    out = []
    for b in value.encode():
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\%03d" % b)
    return '"' + "".join(out) + '"'


def issue_value(rng, i):
    issuer = rng.choice(ISSUERS)
    kind = i % 9
    if kind == 0:
        return issuer.upper() if i % 2 else issuer + "."  # case and trailing dot
    if kind == 1:
        return f"{issuer}; accounturi=https://acme.example/acct/{i}"
    if kind == 2:
        return f"{issuer};validationmethods={','.join(rng.sample(METHODS, 2))}"
    if kind == 3:
        return (f"{issuer}; accounturi=https://acme.example/acct/{i}; "
                f"validationmethods=dns-01; ca{i % 5}=x{i}")
    if kind == 4:
        return f"{issuer} ;  policy=ev"
    return issuer


def rrset(rng, i, iodef_default):
    """Records (flags, tag, value) of one name."""
    records = []
    if i % 17 == 0:
        records.append((0, "issue", ";"))
    else:
        for k in range(1 + i % 3):
            records.append((128 if (i + k) % 11 == 0 else 0, "issue", issue_value(rng, i + k)))
    if i % 4 == 0:
        records.append((0, "issuewild", ";" if i % 8 == 0 else rng.choice(ISSUERS)))
    if i % 13 == 0:
        records.append((0, "issuemail", rng.choice(ISSUERS)))
    if i % 19 == 0:
        records.append((0, "issuevmc", "digicert.com"))
    if i % 5 != 1:
        records.append((0, "iodef", iodef_default))
    elif i % 10 == 1:
        records.append((128 if i % 20 == 1 else 0, "iodef", f"https://report.example/{i}"))
    if i % 7 == 0:
        records.append((0, "contactemail", f"pki{i}@example.org"))
    if i % 14 == 0:
        records.append((0, "contactphone", "+1 555 010 %04d" % i))
    if i % 6 == 0:
        value = ['say "hi"', "back\\slash", "semi;colon=1", "caf\u00e9 \u2713", "  spaced  "][i % 5]
        tag = ["tbs", "Tbs", "x509", "custom1"][i % 4]
        records.append((128 if i % 12 == 0 else 0, tag, value))
    # No record twice: servers keep one (an RRset is a set), lint counts both.
    return list(dict.fromkeys(records))


def write_estate(directory, zones=1000, seed=8657, includes=True):
    rng = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    files = []
    n = 0
    for z in range(zones):
        origin = f"zone{z:04d}.test"
        iodef_default = "mailto:security@example.org"
        lines = [f"$ORIGIN {origin}.", f"$TTL {rng.choice([3600, 300])}",
                 f"@ 3600 IN SOA ns1 hostmaster {z + 1} 7200 3600 1209600 300",
                 "@ 3600 IN NS ns1", "ns1 3600 IN A 192.0.2.53", "* 300 IN A 192.0.2.1"]

        def caa(owner, i, ttl=None):
            ttl = rng.choice(TTLS) if ttl is None else ttl
            return [f"{owner} {ttl} IN CAA {f} {t} {q(v)}" for f, t, v in rrset(rng, i,
                                                                                iodef_default)]

        n += 1
        apex_ttl = rng.choice(TTLS)
        apex = caa("@", n, apex_ttl)
        lines += apex
        # An inherit chain: a.b.c has records, b.c and c none (they inherit the apex's).
        n += 1
        lines += caa("a.b.c", n)
        lines.append("c 300 IN TXT \"no CAA here\"")
        # A name repeating its parent's set exactly: kept with inherit = false.
        if z % 3 == 0:
            lines += [line.replace("@ ", "same ", 1) for line in apex]
        # Owner in upper case, written relative and absolute.
        n += 1
        lines += caa("Shop", n)
        n += 1
        lines += caa(f"api.shop.{origin}.", n)
        lines.append(f"www 300 IN CNAME shop.{origin}.")
        if z % 10 == 0:
            lines.append(f"legacy 300 IN DNAME shop.{origin}.")
            lines.append(f"delegated 300 IN NS ns.elsewhere.example.")
        if includes and z % 25 == 0:
            inc = f"inc-{origin}.caa"
            n += 1
            with open(os.path.join(directory, inc), "w") as f:
                f.write("\n".join(caa(f"included.{origin}.", n)) + "\n")
            lines.append(f"$INCLUDE {inc}")
        for k in range(z % 4):
            n += 1
            lines += caa(f"host{k}.dept", n)
        path = os.path.join(directory, f"db.{origin}")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        files.append(path)
    return files


def _unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if text[i + 1:i + 4].isdigit():
                out.append(int(text[i + 1:i + 4]))
                i += 4
                continue
            out += text[i + 1].encode()
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


_CAA = re.compile(r'^(\S+)\s+(\d+)\s+IN\s+CAA\s+(\d+)\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*$')


def zone_origin(path):
    with open(path) as f:
        for line in f:
            if line.startswith("$ORIGIN"):
                return line.split()[1].rstrip(".")
    name = os.path.basename(path)
    return name[3:] if name.startswith("db.") else name


def caa_sets(files):
    """{(name, ttl, flags, tag, value)} of every CAA record, read by named-checkzone -D."""
    records = set()
    for path in files:
        path = os.path.abspath(path)
        origin = zone_origin(path)
        out = subprocess.run(["named-checkzone", "-D", "-o", "-", origin, path],
                             capture_output=True, text=True, cwd=os.path.dirname(path) or ".")
        if out.returncode != 0:
            raise RuntimeError(f"named-checkzone {path}: {out.stdout}{out.stderr}")
        for line in out.stdout.splitlines():
            m = _CAA.match(line)
            if m:
                name, ttl, flags, tag, value = m.groups()
                records.add(canonical((name.rstrip(".").lower(), int(ttl), int(flags), tag,
                                       _unescape(value))))
    return records


ISSUE_TAGS = {"issue", "issuewild", "issuemail", "issuevmc"}


def canonical(record):
    """The record in the form equivalence compares (values as bytes)."""
    name, ttl, flags, tag, value = record
    tag = tag.lower()
    if tag in ISSUE_TAGS:
        text = value.decode("latin-1")
        issuer, _, rest = text.partition(";")
        params = []
        for part in rest.split(";"):
            if part.strip():
                key, _, val = part.partition("=")
                params.append((key.strip(), val.strip()))
        issuer = issuer.strip().lower().rstrip(".")
        value = (issuer + "".join(f"; {k}={v}" for k, v in sorted(params))).encode("latin-1")
        if value == b"":
            value = b";"
    return (name, ttl, flags, tag, value)


def json_sets(text):
    """The same set from caapol generate --format json output."""
    import json
    records = set()
    for r in json.loads(text)["records"]:
        records.add(canonical((r["name"].rstrip(".").lower(), r["ttl"], r["flags"], r["tag"],
                               r["value"].encode())))
    return records


if __name__ == "__main__":
    import sys
    print("\n".join(write_estate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)))
