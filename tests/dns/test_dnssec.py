#!/usr/bin/env python3
"""DNSSEC validation of `caapol explain` and `caapol verify` against a validating Unbound.

Zones are signed here with ldns-keygen/ldns-signzone (signed_zones.py), served by NSD on
loopback, and resolved by an Unbound that validates from the same local trust anchor (the
oracle): for every case, the state caapol gives each climb step must be the one Unbound's
answer implies (AD bit: secure; SERVFAIL: bogus; neither: insecure), and it must be the
expected one. Every disagreement is printed. caapol asks the same Unbound with CD set, so it
sees the bogus data itself. A proxy in front of Unbound that refuses DS and DNSKEY queries
checks that a failed key lookup is an error, never insecure. Nothing leaves loopback
(Unbound's `local-zone: "." refuse`).

Usage: test_dnssec.py CAAPOL_BINARY
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DnsServers, free_port  # noqa: E402
import signed_zones  # noqa: E402

CAAPOL = sys.argv[1]

# name -> (expected state of each climb step, in order; the explain rule, exit status)
CASES = {
    "example": (["secure"], "issuer-authorised", 0),
    "www.example": (["secure", "secure"], "issuer-authorised", 0),
    "nx.example": (["secure", "secure"], "issuer-authorised", 0),
    "n3.example": (["secure"], "issuer-authorised", 0),
    "www.n3.example": (["secure", "secure"], "issuer-authorised", 0),
    "nx.n3.example": (["secure", "secure"], "issuer-authorised", 0),
    "optout.example": (["secure"], "issuer-authorised", 0),
    "ins.optout.example": (["insecure"], "issuer-authorised", 0),
    "nx.optout.example": (["insecure", "secure"], "issuer-authorised", 0),
    "nods.example": (["insecure"], "issuer-authorised", 0),
    "wrongds.example": (["bogus"], "dnssec-bogus", 3),
    "expired.example": (["bogus"], "dnssec-bogus", 3),
    "future.example": (["bogus"], "dnssec-bogus", 3),
    "changed.example": (["bogus"], "dnssec-bogus", 3),
    "missing.example": (["bogus"], "dnssec-bogus", 3),
    "expiring.example": (["secure"], "issuer-authorised", 0),
    "alias.example": (["bogus"], "dnssec-bogus", 3),
    "host.wild.example": (["secure"], "issuer-authorised", 0),
    "www.dname.example": (["secure", "secure", "secure"], "issuer-authorised", 0),
}
# Words the reason must hold.
REASONS = {
    "wrongds.example": "no DS matches DNSKEY",
    "expired.example": "signature expired",
    "future.example": "signature not yet valid",
    "changed.example": "signature does not verify",
    "missing.example": "has no RRSIG",
    "alias.example": "CAA RRset of changed.example",
}

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def unbound_state(resolver, name):
    """(state, detail) from a validating query (DO, no CD) to Unbound."""
    address, port = resolver.split("@")
    out = subprocess.run(["dig", "-p", port, "@" + address, "+dnssec", "+norec" if False else
                          "+rec", "+time=5", "+tries=1", name, "CAA"],
                         capture_output=True, text=True).stdout
    status = flags = ede = ""
    for line in out.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(",")[0].strip()
        if line.startswith(";; flags:"):
            flags = line.split(";; flags:")[1].split(";")[0].split()
        if "EDE:" in line:
            ede = line.split("EDE:", 1)[1].strip()
    if status == "SERVFAIL":
        return "bogus", "SERVFAIL " + ede
    if status in ("NOERROR", "NXDOMAIN"):
        return ("secure" if "ad" in flags else "insecure"), status
    return "unknown", out[-300:]


def explain(resolver, anchor, name, extra=()):
    run = subprocess.run([CAAPOL, "explain", "--resolver", resolver, "--trust-anchor", anchor,
                          "--ca", "ca.example", "--format", "json", *extra, name],
                         capture_output=True, text=True)
    try:
        data = json.loads(run.stdout)["results"][0]
    except (ValueError, KeyError, IndexError):
        fail(f"{name}: explain printed no JSON (exit {run.returncode}): {run.stderr}")
        return None, run
    return data, run


class DsBlocker:
    """A UDP proxy to `upstream` answering SERVFAIL to DS and DNSKEY queries."""

    def __init__(self, upstream):
        address, port = upstream.split("@")
        self.upstream = (address, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.port = free_port()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def qtype(self, data):
        at = 12
        while at < len(data) and data[at] != 0:
            at += 1 + data[at]
        return int.from_bytes(data[at + 1:at + 3], "big")

    def serve(self):
        while self.running:
            try:
                data, client = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if self.qtype(data) in (43, 48):
                reply = bytearray(data[:12])
                reply[2] |= 0x80
                reply[3] = (reply[3] & 0xF0) | 2
                self.sock.sendto(bytes(reply) + data[12:], client)
                continue
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.settimeout(3)
            try:
                up.sendto(data, self.upstream)
                answer, _ = up.recvfrom(65535)
                self.sock.sendto(answer, client)
            except OSError:
                pass
            finally:
                up.close()

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def threads_agree(work, dns):
    """Validating, verify runs a thread per core by default: over 12,001 signed names (slices
    of 5,000 or more) one thread, two and the default give the same results, in the same
    order, a broken signature in the second slice included."""
    now = signed_zones.time.time()
    key = signed_zones.keygen(work, "many.test", "ECDSAP256SHA256")
    body = "@ CAA 0 issue \"ca.example\"\n" + "".join(
        f"h{i} CAA 0 issue \"{'other' if i % 3 == 0 else 'ca'}.example\"\n" for i in range(12000))
    path = signed_zones.write(os.path.join(work, "many.test"),
                              signed_zones.zone_text("many.test", body))
    lines = signed_zones.sign(work, "many.test", path, key, now - 86400, now + 30 * 86400)
    # h9000's CAA set edited after signing: bogus.
    lines = [l.replace('"other.example"', '"evil.example"')
             if l.split()[:1] == ["h9000.many.test."] and l.split()[3:4] == ["CAA"] else l
             for l in lines]
    if not any('"evil.example"' in l for l in lines):
        fail("many.test: h9000's CAA record was not found in the signed zone")
    signed_zones.write(path + ".signed", "\n".join(lines) + "\n")
    anchor = signed_zones.write(os.path.join(work, "many.ds"), signed_zones.ds_line(key) + "\n")
    policy = signed_zones.write(os.path.join(work, "many.toml"),
                                'version = 1\n[domain."many.test"]\nissue = ["ca.example"]\n')
    names = signed_zones.write(os.path.join(work, "many.txt"),
                               "".join(f"h{i}.many.test\n" for i in range(12000)))
    nsd = dns.start_nsd({"many.test": path + ".signed"})
    reports = {}
    for label, extra in (("1 thread", ["--threads", "1"]), ("2 threads", ["--threads", "2"]),
                         ("the default", [])):
        run = subprocess.run([CAAPOL, "verify", "--resolver", nsd.endpoint, "--trust-anchor",
                              anchor, "--format", "json", "--names", names, *extra, policy],
                             capture_output=True, text=True)
        if run.returncode != 3:
            fail(f"verify many.test with {label}: exit {run.returncode}: {run.stderr[-500:]}")
            return
        results = json.loads(run.stdout)["results"]
        reports[label] = [(r["name"], r["status"], [s["dnssec"]["state"] for s in r["steps"]])
                          for r in results]
    one = reports["1 thread"]
    statuses = {}
    for _, status, _ in one:
        statuses[status] = statuses.get(status, 0) + 1
    if statuses != {"ok": 8000 + 1, "drift": 3999, "error": 1} or \
            ("h9000.many.test", "error", ["bogus"]) not in one:
        fail(f"verify many.test: {statuses}")
    for label in ("2 threads", "the default"):
        if reports[label] != one:
            fail(f"verify many.test with {label} differs from one thread")
    print(f"ok many.test: 12,001 names, the same with 1 thread, 2 and the default: {statuses}")


def main():
    with tempfile.TemporaryDirectory(prefix="caapol-dnssec-") as work, DnsServers() as dns:
        built = signed_zones.build(work)
        anchor = built["anchor"]
        nsd = dns.start_nsd(built["zones"])
        stubs = {zone: [nsd.endpoint] for zone in built["zones"]}
        # The oracle validates; caapol asks a non-validating Unbound (iterator only) that
        # passes every answer through as the servers sent it (a validating one answers
        # SERVFAIL even with CD to an answer stripped of its RRSIGs: "DNSSEC lame").
        oracle = dns.start_unbound(stubs, trust_anchor=anchor)
        resolver = dns.start_unbound(stubs, raw=True)

        for name, (states, rule, status) in CASES.items():
            data, run = explain(resolver, anchor, name)
            if data is None:
                continue
            got = [step.get("dnssec", {}).get("state") for step in data["climb"]]
            if got != states:
                fail(f"{name}: caapol's step states {got}, expected {states}")
            for step in data["climb"]:
                oracle_state, detail = unbound_state(oracle, step["name"])
                mine = step.get("dnssec", {}).get("state")
                if oracle_state != mine:
                    fail(f"{name}: step {step['name']}: caapol says {mine}, Unbound says "
                         f"{oracle_state} ({detail}); caapol: {step.get('dnssec')}")
            if data["rule"] != rule or run.returncode != status:
                fail(f"{name}: rule {data['rule']} exit {run.returncode}, expected {rule} exit "
                     f"{status}: {data['reason']}")
            if name in REASONS and REASONS[name] not in data["reason"]:
                fail(f"{name}: the reason lacks '{REASONS[name]}': {data['reason']}")
            if states[-1] == "bogus" and resolver not in data["reason"]:
                fail(f"{name}: the reason does not name the server: {data['reason']}")
            print(f"ok {name}: {got} {data['rule']}")

        # The expiring signature: a warning with its date; none with a shorter warning period.
        data, run = explain(resolver, anchor, "expiring.example")
        if data and not (data["dnssec"]["warning"] and "expires" in data["dnssec"]["warning"]
                         and "warning:" in run.stderr):
            fail(f"expiring.example: no expiry warning: {data['dnssec']} {run.stderr}")
        data, run = explain(resolver, anchor, "expiring.example", ["--dnssec-expiry-warn", "1"])
        if data and data["dnssec"]["warning"] is not None:
            fail(f"expiring.example: a warning within 1 day: {data['dnssec']}")
        # A fixed clock past the expiry: the same signature is expired.
        data, run = explain(resolver, anchor, "expiring.example",
                            ["--now", str(built["now"] + 3 * 86400)])
        if data and (data["rule"] != "dnssec-bogus" or "signature expired" not in data["reason"]):
            fail(f"expiring.example with --now 3 days on: {data['rule']} {data['reason']}")

        # No anchor covers the name: indeterminate (an error only with --dnssec require).
        other = os.path.join(work, "other.ds")
        with open(anchor) as f:
            text = f.read()
        with open(other, "w") as f:
            f.write(text.replace("example.", "elsewhere.", 1))
        data, run = explain(resolver, other, "example")
        if data and (data["climb"][0]["dnssec"]["state"] != "indeterminate" or
                     run.returncode != 0):
            fail(f"example under another anchor: {data['climb'][0].get('dnssec')} exit "
                 f"{run.returncode}")
        data, run = explain(resolver, other, "example", ["--dnssec", "require"])
        if data and (data["rule"] != "dnssec-bogus" or run.returncode != 3):
            fail(f"example with --dnssec require: {data['rule']} exit {run.returncode}")

        # Blocked DS/DNSKEY lookups: an error, never insecure.
        blocker = DsBlocker(resolver)
        try:
            for name in ("example", "n3.example", "nods.example"):
                data, run = explain(f"127.0.0.1@{blocker.port}", anchor, name,
                                    ["--timeout", "1"] if False else [])
                if data and (run.returncode != 3 or data["decision"] != "error" or
                             "DNSKEY lookup of" not in data["reason"]):
                    fail(f"{name} with DS/DNSKEY blocked: {data['decision']} exit "
                         f"{run.returncode}: {data['reason']}")
                else:
                    print(f"ok {name} blocked: {data['reason'] if data else ''}")
        finally:
            blocker.stop()

        # verify: text, JSON and Prometheus.
        policy = os.path.join(work, "policy.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n\n[domain."example"]\nissue = ["ca.example"]\n')
        names = os.path.join(work, "names.txt")
        with open(names, "w") as f:
            f.write("\n".join(CASES) + "\n")
        base = [CAAPOL, "verify", "--resolver", resolver, "--trust-anchor", anchor,
                "--names", names, policy]
        run = subprocess.run(base + ["--format", "json"], capture_output=True, text=True)
        results = {r["name"]: r for r in json.loads(run.stdout)["results"]}
        if run.returncode != 3:
            fail(f"verify: exit {run.returncode}, expected 3")
        for name, (states, rule, status) in CASES.items():
            r = results[name]
            want = "error" if status == 3 else "ok"
            steps = [s["dnssec"]["state"] for s in r["steps"]]
            if r["status"] != want or steps != states:
                fail(f"verify {name}: {r['status']} {steps}, expected {want} {states}: "
                     f"{r['error']}")
        if not results["expiring.example"]["dnssec"]["warning"]:
            fail("verify: no warning for expiring.example")
        run = subprocess.run(base, capture_output=True, text=True)
        for needle in ("expired.example: error: DNSSEC validation of expired.example CAA "
                       "failed (bogus): CAA RRset of expired.example: signature expired",
                       "  step www.example [secure]",
                       "  step nods.example [insecure: nods.example is delegated without DS",
                       "  warning: RRSIG over CAA RRset of expiring.example"):
            if needle not in run.stdout:
                fail(f"verify text lacks '{needle}':\n{run.stdout}")
        run = subprocess.run(base + ["--format", "prometheus"], capture_output=True, text=True)
        for needle in ('caapol_caa_dnssec_bogus{name="changed.example"} 1',
                       'caapol_caa_dnssec_bogus{name="example"} 0',
                       'caapol_caa_rrsig_expiry_seconds{name="expiring.example"} '):
            if needle not in run.stdout:
                fail(f"verify prometheus lacks '{needle}'")
        # --dnssec off: no validation, the bogus zones pass as a non-validating CA would see.
        run = subprocess.run([CAAPOL, "verify", "--resolver", resolver, "--names", names, policy,
                              "--dnssec", "off", "--format", "json"], capture_output=True,
                             text=True)
        off = {r["name"]: r for r in json.loads(run.stdout)["results"]}
        if off["changed.example"]["status"] != "drift" or off["example"]["dnssec"] is not None:
            fail(f"verify --dnssec off: {off['changed.example']['status']}")

        # --authoritative: each server's answer validated on its own.
        run = subprocess.run([CAAPOL, "verify", "--resolver", resolver, "--trust-anchor", anchor,
                              "--authoritative", "--port", str(nsd.port), "--format", "json",
                              "--names", names, policy], capture_output=True, text=True)
        auth = {r["name"]: r for r in json.loads(run.stdout)["results"]}
        for name, (states, rule, status) in CASES.items():
            servers = auth[name]["servers"]
            if not servers:
                fail(f"verify --authoritative {name}: no servers: {auth[name]['error']}")
                continue
            state = servers[0]["dnssec"]["state"] if servers[0]["dnssec"] else None
            want = "bogus" if "bogus" in states else ("insecure" if "insecure" in states
                                                      else "secure")
            if state != want:
                fail(f"verify --authoritative {name}: server {servers[0]['server']} says "
                     f"{state}, expected {want}")

        threads_agree(work, dns)

    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("all DNSSEC cases agree with Unbound")
    return 0


if __name__ == "__main__":
    sys.exit(main())
