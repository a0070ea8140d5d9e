#!/usr/bin/env python3
"""`caapol explain` over real DNS, zone files and a policy, on the same data.

Serves tests/data/explain/{test,example}.zone with NSD behind Unbound on loopback (plus a
stub zone broken.test pointing at a port where nothing listens: SERVFAIL), then asks
`caapol explain --format json` about every scenario through the resolver (--resolver), the
zone files (--zone) and, where a policy can express the data, tests/data/explain/
scenarios.toml (--policy). Asserts the expected decision and rule of each scenario, and that
the sources agree on decision, rule, relevant name and records.

With a third argument "ipv6", NSD and Unbound listen on ::1 only and only the live source is
asked (through "[::1]:PORT"); exit status 77 (skipped, for meson) when ::1 cannot be used.

Usage: test_explain.py CAAPOL_BINARY TESTS_DIR [ipv6]
"""
import json
import os
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DnsServers, free_port, ipv6_unavailable  # noqa: E402

LE = "letsencrypt.org"
ACCOUNT = "https://acme-v02.api.letsencrypt.org/acme/acct/123"

# (name, extra options, decision, rule, relevant name, sources that can express it)
ALL = ("live", "zone")
WITH_POLICY = ("live", "zone", "policy")
SCENARIOS = [
    ("nothing.test", ["--ca", LE], "permit", "no-caa", None, WITH_POLICY),
    ("empty-issuer.test", ["--ca", LE], "deny", "no-issuer", "empty-issuer.test", WITH_POLICY),
    ("deny.test", ["--ca", LE], "deny", "issuer-not-listed", "deny.test", WITH_POLICY),
    ("deny.test", ["--ca", "digicert.com"], "permit", "issuer-authorised", "deny.test",
     WITH_POLICY),
    ("upper.test", ["--ca", LE], "deny", "no-issuer", "upper.test", ALL),
    ("mixed.test", ["--ca", LE], "permit", "issuer-authorised", "mixed.test", ALL),
    ("mixed.test", ["--ca", "digicert.com"], "deny", "issuer-not-listed", "mixed.test", ALL),
    ("iodef-only.test", ["--ca", LE], "permit", "no-issue-property", "iodef-only.test",
     WITH_POLICY),
    ("permissive.test", ["--ca", LE], "permit", "issuer-authorised", "permissive.test",
     WITH_POLICY),
    ("www.strict.permissive.test", ["--ca", LE], "deny", "issuer-not-listed",
     "strict.permissive.test", WITH_POLICY),
    ("crit128.test", ["--ca", LE], "deny", "critical-unknown-tag", "crit128.test", WITH_POLICY),
    ("crit130.test", ["--ca", LE], "deny", "critical-unknown-tag", "crit130.test", ALL),
    ("flag1.test", ["--ca", LE], "deny", "critical-unknown-tag", "flag1.test", ALL),
    ("a.deny.test", ["--ca", LE], "deny", "issuer-not-listed", "deny.test", WITH_POLICY),
    ("a.b.deny.test", ["--ca", LE], "deny", "issuer-not-listed", "deny.test", WITH_POLICY),
    ("*.deny.test", ["--ca", "digicert.com"], "permit", "issuer-authorised", "deny.test",
     WITH_POLICY),
    ("*.wildissue.test", ["--ca", LE], "deny", "issuer-not-listed", "wildissue.test",
     WITH_POLICY),
    ("*.wildissue.test", ["--ca", "digicert.com"], "permit", "issuer-authorised",
     "wildissue.test", WITH_POLICY),
    ("www.wildissue.test", ["--ca", LE], "permit", "issuer-authorised", "wildissue.test",
     WITH_POLICY),
    ("wildonly.test", ["--ca", LE], "permit", "no-issue-property", "wildonly.test",
     WITH_POLICY),
    ("*.wildonly.test", ["--ca", LE], "deny", "no-issuer", "wildonly.test", WITH_POLICY),
    ("cname.test", ["--ca", LE], "deny", "issuer-not-listed", "cname.test", ALL),
    ("cname2.test", ["--ca", LE], "deny", "issuer-not-listed", "cname2.test", ALL),
    ("x.cname.test", ["--ca", LE], "deny", "issuer-not-listed", "cname.test", ALL),
    ("dname.test", ["--ca", LE], "permit", "issuer-authorised", "dname.test", ALL),
    ("www.dname.test", ["--ca", LE], "deny", "issuer-not-listed", "www.dname.test", ALL),
    ("other.dname.test", ["--ca", LE], "permit", "issuer-authorised", "dname.test", ALL),
    ("alias.restricted.test", ["--ca", LE], "deny", "no-issuer", "restricted.test", ALL),
    ("cross.test", ["--ca", LE], "deny", "issuer-not-listed", "cross.test", ALL),
    ("cross-empty.test", ["--ca", LE], "permit", "no-caa", None, ALL),
    ("foo.wild.test", ["--ca", LE], "deny", "issuer-not-listed", "foo.wild.test", ALL),
    ("*.wild.test", ["--ca", LE], "permit", "issuer-authorised", "wild.test", WITH_POLICY),
    ("big.test", ["--ca", LE], "permit", "issuer-authorised", "big.test", ALL),
    ("malformed.test", ["--ca", LE], "deny", "record-malformed", "malformed.test", ALL),
    ("malformed-space.test", ["--ca", LE], "deny", "record-malformed", "malformed-space.test",
     ALL),
    ("boulder.test", ["--ca", LE], "permit", "issuer-authorised", "boulder.test", ALL),
    ("account.test", ["--ca", LE, "--account-uri", ACCOUNT, "--method", "dns-01"], "permit",
     "issuer-authorised", "account.test", WITH_POLICY),
    ("account.test", ["--ca", LE, "--account-uri", ACCOUNT + "9", "--method", "dns-01"], "deny",
     "accounturi-mismatch", "account.test", WITH_POLICY),
    ("account.test", ["--ca", LE, "--account-uri", ACCOUNT, "--method", "tls-alpn-01"], "deny",
     "validationmethods-mismatch", "account.test", WITH_POLICY),
    ("account.test", ["--ca", LE], "permit", "issuer-authorised-restricted", "account.test",
     WITH_POLICY),
    ("www.broken.test", ["--ca", LE], "error", "lookup-failed", None, ("live",)),
]

EXIT_FOR = {"permit": 0, "deny": 1, "error": 3}



def seen_owner(result):
    """found_at as every source can know it: zone files name the wildcard that synthesized a
    set ("*.x"), a resolver's answer does not say (it names the queried name)."""
    found_at = result.get("found_at") or ""
    if found_at.startswith("*.") and found_at != result.get("relevant_name"):
        return result.get("relevant_name")
    return found_at

def explain(binary, source_args, name, options):
    proc = subprocess.run([binary, "explain", "--format", "json"] + source_args + options +
                          [name], capture_output=True, text=True, timeout=120)
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"{name}: not JSON (exit {proc.returncode}):\n{proc.stdout}"
                             f"\n{proc.stderr}")
    if document.get("version") != 1 or len(document.get("results", [])) != 1:
        raise AssertionError(f"{name}: unexpected document {document}")
    return proc.returncode, document["results"][0]


def truncated_over_udp(address, port, name, buffer_size=1232):
    """True when the server sets TC for a CAA query with an EDNS buffer of `buffer_size`."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    wire = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 1)
    for label in name.split("."):
        wire += bytes([len(label)]) + label.encode()
    wire += b"\x00" + struct.pack(">HH", 257, 1)
    wire += b"\x00" + struct.pack(">HHIH", 41, buffer_size, 0, 0)  # OPT
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(wire, (address, port))
        data, _ = s.recvfrom(65535)
    return bool(data[2] & 0x02)


def record_key(record):
    # Policies hold canonical records (lower-case tags): compare tags ignoring case.
    return (record["flags"], record["tag"].lower(), record["value"], record["malformed"])


def main():
    binary, tests_dir = sys.argv[1], sys.argv[2]
    ipv6 = sys.argv[3:] == ["ipv6"]
    if ipv6 and ipv6_unavailable():
        print(f"SKIP: IPv6 tests: {ipv6_unavailable()}")
        return 77  # meson: skipped
    address = "::1" if ipv6 else "127.0.0.1"
    data = os.path.join(tests_dir, "data", "explain")
    zones = {"test": os.path.join(data, "test.zone"), "example": os.path.join(data, "example.zone")}
    failures = []
    with DnsServers() as dns:
        nsd = dns.start_nsd(zones, address=address)
        dead = free_port((address,))
        resolver = dns.start_unbound({"test": [nsd.endpoint], "example": [nsd.endpoint],
                                      "broken.test": [f"{address}@{dead}"]}, address=address)
        if ipv6:
            port = resolver.rsplit("@", 1)[1]
            resolver = f"[::1]:{port}"  # the bracketed form; "::1@PORT" is what errors print
        sources = {
            "live": ["--resolver", resolver],
            "zone": ["--zone", zones["test"], "--zone", zones["example"]],
            "policy": ["--policy", os.path.join(data, "scenarios.toml")],
        }
        for name, options, decision, rule, relevant, kinds in SCENARIOS:
            if ipv6:
                kinds = ("live",)
            label = f"{name} {' '.join(options)}"
            seen = {}
            for kind in kinds:
                try:
                    status, result = explain(binary, sources[kind], name, options)
                except (AssertionError, subprocess.TimeoutExpired) as e:
                    failures.append(f"{label} [{kind}]: {e}")
                    continue
                got = (result["decision"], result["rule"], result["relevant_name"])
                if got != (decision, rule, relevant):
                    failures.append(f"{label} [{kind}]: got {got}, expected "
                                    f"{(decision, rule, relevant)}: {result['reason']}")
                if status != EXIT_FOR[decision]:
                    failures.append(f"{label} [{kind}]: exit {status}, expected "
                                    f"{EXIT_FOR[decision]}")
                seen[kind] = result
            # The sources agree on the same data.
            first = next(iter(seen), None)
            for kind, result in seen.items():
                reference = seen[first]
                for field in ("decision", "rule", "relevant_name", "conditional"):
                    if result[field] != reference[field]:
                        failures.append(f"{label}: {field} {result[field]!r} [{kind}] differs "
                                        f"from {reference[field]!r} [{first}]")
                if sorted(map(record_key, result["records"])) != \
                        sorted(map(record_key, reference["records"])):
                    failures.append(f"{label}: records of [{kind}] differ from [{first}]")
                if kind != "policy" and seen_owner(result) != seen_owner(reference):
                    failures.append(f"{label}: found_at {result['found_at']!r} [{kind}] differs "
                                    f"from {reference['found_at']!r} [{first}]")
        # The large set does not fit caapol's EDNS buffer (1232): it needed TCP, and arrived
        # whole.
        if not truncated_over_udp(nsd.address, nsd.port, "big.test"):
            failures.append("big.test fits in UDP: the TCP scenario tests nothing")
        _, big = explain(binary, sources["live"], "big.test", [])
        if len(big["records"]) != 41:
            failures.append(f"big.test over live DNS: {len(big['records'])} records, expected 41")
        # Several names: the worst outcome wins (3 over 1 over 0).
        proc = subprocess.run([binary, "explain", "--ca", LE] + sources["live"] +
                              ["nothing.test", "deny.test", "www.broken.test", "mixed.test"],
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 3:
            failures.append(f"several names with a failure: exit {proc.returncode}, expected 3")
        if ipv6:
            # The failure names the resolver as errors print it.
            _, broken = explain(binary, sources["live"], "www.broken.test", ["--ca", LE])
            if f"::1@{port}" not in broken["reason"]:
                failures.append(f"www.broken.test over ::1: the reason does not name ::1@{port}: "
                                f"{broken['reason']}")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{len(SCENARIOS)} scenarios, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
