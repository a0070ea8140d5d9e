#!/usr/bin/env python3
"""caapol import's contract, on the shipped examples and on a generated estate of 1,000 zones:

  - `import | generate` gives back the input's CAA RRsets (as sets, with TTLs), read from the
    zone files by BIND's named-checkzone and compared in the format's equivalence (estate.py);
  - `caapol lint --policy imported.toml` over the input reports no policy finding at all, and
    its verdict of every name is ok;
  - generate --format json | import --from json | generate --format json is the identity;
  - the imported policy passes `caapol check` without errors.

Usage: test_roundtrip.py CAAPOL TESTS_DIR
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import estate  # noqa: E402

CAAPOL, TESTS = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.abspath(TESTS))
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", LC_ALL="C")
failures = []


def run(*args, check=True, cwd=None):
    proc = subprocess.run([CAAPOL, *args], capture_output=True, env=ENV, cwd=cwd)
    if check and proc.returncode != 0:
        raise RuntimeError(f"caapol {' '.join(args)}: exit {proc.returncode}\n"
                           + proc.stderr.decode(errors="replace")[-3000:])
    return proc


def fail(what, detail):
    failures.append(f"{what}: {detail}")
    print(f"FAIL {what}: {detail}")


def policy_findings(policy, paths):
    proc = run("lint", "--format", "json", "--policy", policy, *paths, check=False)
    report = json.loads(proc.stdout)
    findings = [d for d in report["diagnostics"] if d["rule"].startswith("policy-")]
    # Lint's verdict of each name, the same verify gives: all must be ok.
    verdicts = report.get("verdicts", [])
    if not verdicts:
        findings.append("lint gave no verdicts")
    findings += [v for v in verdicts if v["status"] != "ok"]
    return findings


def check_zone_import(what, zone_files, tmp, oracle_files=None):
    policy = os.path.join(tmp, "imported.toml")
    if os.path.exists(policy):
        os.unlink(policy)
    run("import", "-o", policy, *zone_files)
    expected = estate.caa_sets(oracle_files or zone_files)
    got = estate.json_sets(run("generate", "--format", "json", policy).stdout)
    if got != expected:
        fail(what, f"import | generate differs: missing {sorted(expected - got)[:3]}, "
                   f"extra {sorted(got - expected)[:3]}")
    findings = policy_findings(policy, zone_files)
    if findings:
        fail(what, f"lint --policy imported.toml finds {len(findings)}: {findings[:3]}")
    check = run("check", "-q", policy, check=False)
    if check.returncode != 0:
        fail(what, "caapol check: " + check.stderr.decode(errors="replace")[:500])
    # json round trip
    generated = run("generate", "--format", "json", policy).stdout
    js = os.path.join(tmp, "records.json")
    with open(js, "wb") as f:
        f.write(generated)
    again = os.path.join(tmp, "again.toml")
    run("import", "--from", "json", "-o", again, js)
    if run("generate", "--format", "json", again).stdout != generated:
        fail(what, "generate json | import --from json | generate json is not the identity")
    # The two imports differ only in their comments (sources).
    strip = lambda p: [line for line in open(p) if not line.startswith("#")]  # noqa: E731
    if strip(policy) != strip(again):
        fail(what, "import --from json writes another policy than import --from zone")
    return policy


def shipped_policies(tmp):
    """Each shipped example policy generated into a zone, imported back."""
    paths = sorted(glob.glob(os.path.join(ROOT, "policies", "*.toml")) +
                   glob.glob(os.path.join(TESTS, "data", "generate", "*.toml")) +
                   glob.glob(os.path.join(TESTS, "data", "dns", "*.toml")) +
                   glob.glob(os.path.join(TESTS, "data", "lint", "*", "*.toml")))
    done = 0
    for path in paths:
        if run("check", "-q", path, check=False).returncode != 0:
            continue  # policies with errors on purpose
        split = os.path.join(tmp, "split-" + str(done))
        os.makedirs(split)
        run("generate", "--split", split, path)
        zone_files = []
        for caa in sorted(glob.glob(os.path.join(split, "*.caa"))):
            origin = os.path.basename(caa)[:-4]
            zone = os.path.join(split, "db." + origin)
            with open(zone, "w") as f:
                f.write(f"$ORIGIN {origin}.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n@ 3600 IN NS ns1\n"
                        f"ns1 3600 IN A 192.0.2.1\n$INCLUDE {os.path.basename(caa)}\n")
            zone_files.append(zone)
        imported = check_zone_import(os.path.relpath(path, ROOT), zone_files, tmp)
        # Same records as the original policy, as sets with TTLs.
        original = estate.json_sets(run("generate", "--format", "json", path).stdout)
        back = estate.json_sets(run("generate", "--format", "json", imported).stdout)
        if original != back:
            fail(path, f"the imported policy generates other records: {sorted(original ^ back)[:3]}")
        done += 1
    if done < 5:
        fail("shipped policies", f"only {done} usable policies found")
    print(f"ok shipped policies: {done}")


def shipped_zones(tmp):
    """Shipped zone files that hold only what a policy can: imported, or refused with a place."""
    imported = refused = 0
    for path in sorted(glob.glob(os.path.join(TESTS, "data", "**", "*.zone"), recursive=True) +
                       glob.glob(os.path.join(TESTS, "data", "**", "db.*"), recursive=True)):
        proc = run("import", path, check=False)
        if proc.returncode == 0:
            try:
                estate.caa_sets([path])
            except RuntimeError:
                continue  # BIND refuses the zone: no oracle
            check_zone_import(os.path.relpath(path, ROOT), [path], tmp)
            imported += 1
        else:
            err = proc.stderr.decode(errors="replace")
            first = err.splitlines()[0] if err else ""
            if proc.returncode != 2 or ":" not in first or "error:" not in first:
                fail(path, f"refused without a located error (exit {proc.returncode}): {first}")
            refused += 1
    if imported < 3:
        fail("shipped zones", f"only {imported} imported")
    print(f"ok shipped zones: {imported} imported, {refused} refused with located errors")


def generated_estate(tmp):
    directory = os.path.join(tmp, "estate")
    files = estate.write_estate(directory, 1000)
    policy = check_zone_import("estate of 1,000 zones", [directory], tmp, files)
    text = open(policy).read()
    for wanted in ("inherit = false", "accounturi = ", "validationmethods = [", "params = {",
                   "critical = true", "property = [", "[defaults]", "iodef = []",
                   "ttl = 0", "ttl = 2147483647", '\\"hi\\"', "\\\\slash", "caf\u00e9",
                   "issue = []"):
        if wanted not in text:
            fail("estate", f"the imported policy never says {wanted!r}: the estate misses a case")
    domains = text.count("[domain.")
    names = len({r[0] for r in estate.caa_sets(files)})
    if domains != names:
        fail("estate", f"{domains} domains for {names} names owning CAA")
    print(f"ok estate: {len(files)} zones, {domains} domains")


with tempfile.TemporaryDirectory(prefix="caapol-import-") as tmp:
    for step in (shipped_policies, shipped_zones, generated_estate):
        try:
            step(tmp)
        except Exception as e:  # a crash of one step is a failure, the others still run
            fail(step.__name__, repr(e))
sys.exit(1 if failures else 0)
