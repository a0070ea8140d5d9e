#!/usr/bin/env python3
"""generate --split on a policy spanning several zones: one file per zone, DIR/ZONE.caa, with
names relative to the zone. Each file, included in a zone ($INCLUDE), is accepted by
nsd-checkzone; the records BIND's named-checkzone reads from the zones are exactly those of
generate --format json (absolute names); and importing the zones gives back the same records.
In the zone and rfc3597 formats.

Usage: test_split.py CAAPOL TESTS_DIR
"""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import estate  # noqa: E402

CAAPOL, TESTS = sys.argv[1], sys.argv[2]
POLICY = os.path.join(TESTS, "data", "import", "multi.toml")
failures = []


def caapol(*args):
    proc = subprocess.run([CAAPOL, *args], capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"caapol {args}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


expected = estate.json_sets(caapol("generate", "--format", "json", POLICY))
with tempfile.TemporaryDirectory(prefix="caapol-split-") as tmp:
    for fmt in ("zone", "rfc3597"):
        out = os.path.join(tmp, fmt)
        os.makedirs(out)
        caapol("generate", "--format", fmt, "--split", out, POLICY)
        caa_files = sorted(glob.glob(os.path.join(out, "*.caa")))
        origins = [os.path.basename(f)[:-4] for f in caa_files]
        if origins != ["example.com", "example.net"]:
            failures.append(f"{fmt}: files for {origins}, expected example.com and example.net")
            continue
        zones = []
        for origin, caa in zip(origins, caa_files):
            zone = os.path.join(out, "db." + origin)
            with open(zone, "w") as f:
                f.write(f"$ORIGIN {origin}.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 "
                        f"1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n"
                        f"$INCLUDE {os.path.basename(caa)}\n")
            check = subprocess.run(["nsd-checkzone", origin, zone], capture_output=True,
                                   text=True, cwd=out)
            if check.returncode != 0:
                failures.append(f"{fmt}: nsd-checkzone {origin}: {check.stdout}{check.stderr}")
            zones.append(zone)
        got = estate.caa_sets(zones)
        if got != expected:
            failures.append(f"{fmt}: the zones hold other records: {sorted(got ^ expected)[:4]}")
        imported = os.path.join(out, "imported.toml")
        caapol("import", "-o", imported, *zones)
        back = estate.json_sets(caapol("generate", "--format", "json", imported))
        if back != expected:
            failures.append(f"{fmt}: import of the split zones differs: {sorted(back ^ expected)[:4]}")
        else:
            print(f"ok {fmt}: {len(zones)} zones, {len(expected)} records")

for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
