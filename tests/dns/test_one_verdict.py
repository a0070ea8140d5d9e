#!/usr/bin/env python3
"""One verdict per name, whatever the command and the source (issue: "one verdict").

The estate in tests/data/verdict/ (wildcards, an empty non-terminal, a CNAME, a DNAME, a
delegation to a child zone inside the zone, inherit domains, names no policy domain covers, an
owner written in upper case, issuers in other case, RFC 8657 lists in another order) is judged
by
  - lint --policy --names over the zone files (offline),
  - verify through Unbound in front of NSD serving the same files,
  - verify --authoritative at NSD,
and every name must get the same status (ok / drift / unchecked / error) and the same expected
domain from all three; explain --zone and explain --resolver must give the same decision. Any
disagreement is listed by name.

Then the repair: BIND named serves the same zones and takes dynamic updates; the script of
verify --fix nsupdate is applied with the real nsupdate; afterwards verify says ok for every
name it fixed, the unfixable ones (aliases) are still drift and were only commented, and an
AXFR of each zone shows that nothing else changed: example.net (no policy domain covers it) is
byte-identical, and in example.org only the fixed owners' CAA records (and the SOA serial, which
every update bumps) differ.

Usage: test_one_verdict.py CAAPOL DATA_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CAAPOL = DATA = None
ZONES = {"example.org": "example.org.zone", "child.example.org": "child.example.org.zone",
         "example.net": "example.net.zone"}
# What the estate is: the verdicts every source must agree on (a change of the data that
# changes them is a change of this test).
EXPECTED = {
    "example.org": "ok", "shop.example.org": "drift", "blog.example.org": "ok",
    "news.example.org": "drift", "case.example.org": "ok", "vm.example.org": "ok",
    "child.example.org": "ok", "x.dev.example.org": "drift", "y.dev.example.org": "drift",
    "www.example.org": "drift", "a.b.empty.example.org": "ok",
    "x.old.example.org": "drift", "upper.example.org": "drift", "sub.child.example.org": "ok",
    "example.net": "unchecked", "www.example.net": "unchecked",
}
# Names --fix can repair (their set lives at an owner the update can change) and those it must
# leave alone (the set comes through an alias).
FIXABLE = {"shop.example.org", "news.example.org", "x.dev.example.org", "y.dev.example.org",
           "upper.example.org"}
UNFIXABLE = {"www.example.org", "x.old.example.org"}


def data(name):
    return os.path.join(DATA, "verdict", name)


def run(*args, check_status=None):
    p = subprocess.run([CAAPOL, *args], capture_output=True, text=True, timeout=120)
    if check_status is not None and p.returncode not in check_status:
        raise AssertionError(f"caapol {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


def lint_verdicts():
    p = run("lint", "--policy", data("policy.toml"), "--names", data("names.txt"),
            "--format", "json", *[data(f) for f in ZONES.values()], check_status=(0, 1))
    return {v["name"]: v for v in json.loads(p.stdout)["verdicts"]}


def verify_results(*extra, fmt="json"):
    p = run("verify", "--dnssec", "off", "--names", data("names.txt"), "--format", fmt, *extra,
            data("policy.toml"), check_status=(0, 1))
    if fmt == "jsonl":
        # One object per name, then the summary object.
        entries = [json.loads(line) for line in p.stdout.splitlines()]
        if not entries or "summary" not in entries[-1]:
            raise AssertionError(f"jsonl ends without its summary: {p.stdout[-300:]}")
        return {r["name"]: r for r in entries[:-1]}
    return {r["name"]: r for r in json.loads(p.stdout)["results"]}


def seen_owner(verdict, name):
    """found_at as every source can know it: zone files name the wildcard that synthesized a
    set, a resolver's answer does not say (it names the name asked)."""
    found_at = verdict.get("found_at") or ""
    return name if found_at.startswith("*.") else found_at


def axfr(server, zone):
    p = subprocess.run(["dig", "@" + server.address, "-p", str(server.port), zone, "AXFR",
                        "+noall", "+answer", "+onesoa", "+nocmd"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0 or not p.stdout.strip():
        raise AssertionError(f"AXFR of {zone} failed: {p.stdout}{p.stderr}")
    return sorted(" ".join(line.split()) for line in p.stdout.splitlines() if line.strip())


class OneVerdict(unittest.TestCase):
    def test_every_source_and_command_agrees(self):
        offline = lint_verdicts()
        with harness.DnsServers() as dns:
            nsd = dns.start_nsd({z: data(f) for z, f in ZONES.items()})
            resolver = dns.start_unbound({z: [nsd.endpoint] for z in ZONES})
            through = verify_results("--resolver", resolver)
            through_jsonl = verify_results("--resolver", resolver, fmt="jsonl")
            direct = verify_results("--resolver", resolver, "--authoritative",
                                    "--port", str(nsd.port))
            explain_live = {}
            for name in EXPECTED:
                p = run("explain", "--dnssec", "off", "--resolver", resolver, "--ca", "letsencrypt.org",
                        "--format", "json", name, check_status=(0, 1, 3))
                explain_live[name] = json.loads(p.stdout)["results"][0]
        explain_zone = {}
        for name in EXPECTED:
            p = run("explain", *sum((["--zone", data(f)] for f in ZONES.values()), []),
                    "--ca", "letsencrypt.org", "--format", "json", name, check_status=(0, 1, 3))
            explain_zone[name] = json.loads(p.stdout)["results"][0]

        disagreements = []
        for name, status in EXPECTED.items():
            views = {"lint": offline.get(name), "verify": through.get(name),
                     "verify --format jsonl": through_jsonl.get(name),
                     "verify --authoritative": direct.get(name)}
            for source, verdict in views.items():
                if verdict is None:
                    disagreements.append(f"{name}: {source} gave no verdict")
                elif verdict["status"] != status:
                    disagreements.append(f"{name}: {source} says {verdict['status']}, "
                                         f"the estate is {status}")
            got = [v for v in views.values() if v is not None]
            if len({v["expected_from"] for v in got}) > 1:
                disagreements.append(f"{name}: expected_from differs: " + ", ".join(
                    f"{s}={v['expected_from']}" for s, v in views.items() if v))
            if status != "unchecked" and len({seen_owner(v, name) for v in got}) > 1:
                disagreements.append(f"{name}: found_at differs: " + ", ".join(
                    f"{s}={v['found_at']}" for s, v in views.items() if v))
            zone_decision = (explain_zone[name]["decision"], explain_zone[name]["rule"])
            live_decision = (explain_live[name]["decision"], explain_live[name]["rule"])
            if zone_decision != live_decision:
                disagreements.append(f"{name}: explain --zone says {zone_decision}, "
                                     f"explain --resolver says {live_decision}")
        # The wildcard owner itself, judged offline, points at the wildcard's own line.
        self.assertEqual(offline["*.dev.example.org"]["status"], "drift")
        self.assertEqual(offline["x.dev.example.org"]["found_at"], "*.dev.example.org")
        self.assertEqual(disagreements, [], "\n" + "\n".join(disagreements))

    def test_fix_applied_to_bind_repairs_and_touches_nothing_else(self):
        # scripts/install-deps installs bind9; a skip would let a broken --fix pass unseen.
        if shutil.which("named") is None and not os.path.exists(harness.NAMED):
            self.fail("BIND named is not installed (scripts/install-deps installs bind9)")
        with harness.DnsServers() as dns:
            named = dns.start_named({z: data(f) for z, f in ZONES.items()})
            before = {z: axfr(named, z) for z in ZONES}
            resolver = dns.start_unbound({z: [named.endpoint] for z in ZONES})
            p = run("verify", "--dnssec", "off", "--resolver", resolver, "--names", data("names.txt"),
                    "--fix", "nsupdate", data("policy.toml"), check_status=(1,))
            script = p.stdout
            # Exactly the drifted, fixable owners change; the header counts them.
            updated = sorted({line.split()[2] for line in script.splitlines()
                              if line.startswith("update ")})
            self.assertEqual(updated, ["*.dev.example.org.", "news.example.org.",
                                       "shop.example.org.", "upper.example.org."], script)
            self.assertIn("; caapol verify --fix nsupdate: 4 names to change, 2 drifted names "
                          "not fixable here", script)
            for name in UNFIXABLE:
                self.assertIn(f"; {name}: not fixable here", script)
            self.assertNotIn("example.net", script)  # outside the policy: never touched
            # The same repair from the authoritative view.
            direct = run("verify", "--dnssec", "off", "--resolver", resolver, "--authoritative", "--port",
                         str(named.port), "--names", data("names.txt"), "--fix", "nsupdate",
                         data("policy.toml"), check_status=(1,))
            def updates(text):
                return [line for line in text.splitlines() if not line.startswith(";")]
            self.assertEqual(updates(direct.stdout), updates(script))
            applied = subprocess.run(["nsupdate", "-t", "10"], capture_output=True, text=True,
                                     input=f"server {named.address} {named.port}\n{script}",
                                     timeout=60)
            self.assertEqual(applied.returncode, 0, applied.stderr)

            after = {z: axfr(named, z) for z in ZONES}
            # Nothing outside the policy changed, not even a serial.
            self.assertEqual(after["example.net"], before["example.net"])
            self.assertEqual(after["child.example.org"], before["child.example.org"])
            changed_owners = {"*.dev.example.org.", "news.example.org.", "shop.example.org.",
                              "upper.example.org."}

            def untouched(lines):
                return [line for line in lines if line.split()[0].lower() not in changed_owners
                        and line.split()[3] != "SOA"]
            self.assertEqual(untouched(after["example.org"]), untouched(before["example.org"]))
            # The wildcard keeps its other data: only its CAA set went.
            self.assertTrue(any(l.startswith("*.dev.example.org. 3600 IN A ")
                                for l in after["example.org"]), after["example.org"])

            # A fresh look (no resolver cache): every fixable name is ok now.
            again = verify_results("--resolver", resolver, "--authoritative",
                                   "--port", str(named.port))
            fresh = dns.start_unbound({z: [named.endpoint] for z in ZONES})
            through = verify_results("--resolver", fresh)
        for results in (again, through):
            for name in FIXABLE:
                self.assertEqual(results[name]["status"], "ok", (name, results[name]))
            for name in UNFIXABLE:
                self.assertEqual(results[name]["status"], "drift", name)
            for name in ("example.net", "www.example.net"):
                self.assertEqual(results[name]["status"], "unchecked", name)


def main():
    global CAAPOL, DATA
    CAAPOL, DATA = sys.argv[1], sys.argv[2]
    del sys.argv[1:]
    unittest.main(verbosity=2)


if __name__ == "__main__":
    main()
