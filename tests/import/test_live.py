#!/usr/bin/env python3
"""caapol import --from live against NSD (authoritative) and Unbound (recursive) serving a
generated estate equals caapol import --from zone of the same files: the same policy, comments
aside (domains, order, records, TTLs). Unbound serves the original TTLs (serve-original-ttl)
and keeps the RRset order (rrset-roundrobin: no), so that both readings can be equal.
Then a name the servers fail for makes the import fail (exit 3, nothing written).

Usage: test_live.py CAAPOL TESTS_DIR
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "dns"))
import estate  # noqa: E402
from harness import DnsServers  # noqa: E402

CAAPOL = sys.argv[1]
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", LC_ALL="C")
failures = []


def run(*args):
    return subprocess.run([CAAPOL, *args], capture_output=True, env=ENV, timeout=120)


def body(path):
    with open(path) as f:
        return [line for line in f if not line.startswith("#")]


with tempfile.TemporaryDirectory(prefix="caapol-import-live-") as tmp:
    files = estate.write_estate(os.path.join(tmp, "zones"), 40, includes=False)
    zones = {estate.zone_origin(f): f for f in files}
    from_zone = os.path.join(tmp, "zone.toml")
    proc = run("import", "-o", from_zone, *files)
    if proc.returncode != 0:
        sys.exit("import --from zone failed: " + proc.stderr.decode(errors="replace"))
    oracle = estate.caa_sets(files)
    names = sorted({r[0] for r in oracle})
    # Names without records of their own: they climb to an ancestor or come through an alias.
    extra = []
    for origin in zones:
        extra += [f"c.{origin}", f"b.c.{origin}", f"www.{origin}", f"nx.deep.{origin}",
                  f"*.shop.{origin}"]
    names_file = os.path.join(tmp, "names.txt")
    with open(names_file, "w") as f:
        f.write("# names to import\n" + "\n".join(names + extra) + "\n")

    with DnsServers() as dns:
        nsd = dns.start_nsd(zones)
        resolver = dns.start_unbound({z: [nsd.endpoint] for z in zones},
                                     extra=["serve-original-ttl: yes", "rrset-roundrobin: no",
                                            "cache-max-ttl: 2147483647", "cache-min-ttl: 0"])
        from_live = os.path.join(tmp, "live.toml")
        proc = run("import", "--from", "live", "--resolver", resolver, "--names", names_file,
                   "-o", from_live)
        if proc.returncode != 0:
            failures.append("import --from live failed: " + proc.stderr.decode(errors="replace"))
        else:
            a, b = body(from_zone), body(from_live)
            if a != b:
                import difflib
                diff = "".join(list(difflib.unified_diff(a, b, "zone", "live"))[:40])
                failures.append("import --from live differs from import --from zone:\n" + diff)
            got = estate.json_sets(run("generate", "--format", "json", from_live).stdout)
            if got != oracle:
                failures.append(f"live import generates other records: {sorted(got ^ oracle)[:4]}")
            else:
                print(f"ok live import of {len(names) + len(extra)} names equals the zone import "
                      f"({len(oracle)} records)")

        # A zone the resolver refuses (local-zone "." refuse): a failed lookup is never "no CAA".
        target = os.path.join(tmp, "failed.toml")
        proc = run("import", "--from", "live", "--resolver", resolver, "-o", target,
                   names[0], "www.not-served.example")
        err = proc.stderr.decode(errors="replace")
        if proc.returncode != 3 or os.path.exists(target) or "www.not-served.example." not in err:
            failures.append(f"a failed lookup: exit {proc.returncode}, "
                            f"written {os.path.exists(target)}: {err}")
        else:
            print("ok a failed lookup fails the import (exit 3, nothing written)")

for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
