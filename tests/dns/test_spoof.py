#!/usr/bin/env python3
"""Spoof resistance of caapol verify (SECURITY.md), against hostile_responder.py on loopback:
a forged answer from another port, with a wrong ID, or with the question's letter case
changed is never accepted (the name is an error, never "ok" and never evil.example's set);
queries leave from several random source ports, with IDs that do not repeat and names in
random case (0x20); a server that does not echo case is still answered (in lower case).
Usage: test_spoof.py CAAPOL"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_responder import HostileResponder  # noqa: E402

CAAPOL = None
# hostile.test itself holds no CAA set at the responder: the policy domain is drift (exit 1)
# in every run; the names below it are what is checked.
POLICY = 'version = 1\n\n[domain."hostile.test"]\nissue = ["ca.example"]\n'


def verify(responder, names, *extra):
    with tempfile.TemporaryDirectory() as tmp:
        policy = os.path.join(tmp, "policy.toml")
        with open(policy, "w") as f:
            f.write(POLICY)
        names_file = os.path.join(tmp, "names.txt")
        with open(names_file, "w") as f:
            f.write("".join(n + "\n" for n in names))
        p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", responder.endpoint, "--timeout", "1",
                            "--retries", "1", "--format", "json", *extra, "--names", names_file,
                            policy], capture_output=True, timeout=120)
    doc = json.loads(p.stdout.decode())
    return p, {r["name"]: r for r in doc["results"]}


class Spoof(unittest.TestCase):
    def test_forgeries_never_accepted(self):
        forged = ["otherport.hostile.test", "spray.hostile.test", "wrongcase.hostile.test"]
        with HostileResponder() as responder:
            p, results = verify(responder, forged + ["ok.hostile.test"])
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertNotIn(b"evil.example", p.stdout)
        self.assertEqual(results["ok.hostile.test"]["status"], "ok")
        for name in forged:
            with self.subTest(name=name):
                self.assertEqual(results[name]["status"], "error", results[name])
                self.assertIn("no answer after 2 tries", results[name]["error"])
        self.assertIn("0x20", results["wrongcase.hostile.test"]["error"])

    def test_server_not_echoing_case(self):
        with HostileResponder() as responder:
            p, results = verify(responder, ["lowercase.hostile.test"])
            asked = [q[0] for q in responder.queries if b"lowercase" in q[0].lower()]
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(results["lowercase.hostile.test"]["status"], "ok")
        # First in mixed case (rejected: the answer came back lower case), then lower case.
        self.assertNotEqual(asked[0], asked[0].lower())
        self.assertEqual(asked[-1], asked[-1].lower())

    def test_ports_ids_and_case_are_random(self):
        # Queries of one flush leave in groups of up to 16 per socket (SECURITY.md): 1,000
        # names are about 63 groups, which draw some 27 of the 32 ports on average.
        names = [f"n{i}.ok.hostile.test" for i in range(1000)]
        with HostileResponder() as responder:
            p, results = verify(responder, names)
            queries = list(responder.queries)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertTrue(all(results[n]["status"] == "ok" for n in names))
        ports = {port for _, port, _ in queries}
        ids = [qid for _, _, qid in queries]
        self.assertGreaterEqual(len(queries), 1000)
        self.assertGreaterEqual(len(ports), 16, f"source ports used: {sorted(ports)}")
        self.assertTrue(all(port >= 1024 for port in ports))
        self.assertGreater(len(set(ids)), len(ids) * 0.9, "IDs repeat")
        # Consecutive IDs of a linear generator or a counter would differ by a constant.
        steps = {(b - a) & 0xFFFF for a, b in zip(ids, ids[1:])}
        self.assertGreater(len(steps), len(ids) * 0.9)
        mixed = [name for name, _, _ in queries if name != name.lower()]
        self.assertGreater(len(mixed), len(queries) * 0.9, "names are sent in random case")


if __name__ == "__main__":
    CAAPOL = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"])
