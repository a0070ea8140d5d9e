#!/usr/bin/env python3
"""caapol verify against a misbehaving DNS responder (hostile_responder.py, loopback only):
every name gets a definite result in bounded time, text output is escaped, JSON is valid.
Usage: test_hostile.py CAAPOL DATA_DIR"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_responder import HostileResponder  # noqa: E402

CAAPOL = DATA = None

EXPECTED = {
    "hostile.test": ("drift", None),  # the responder has no set there
    "ok.hostile.test": ("ok", None),
    "servfail.hostile.test": ("error", "SERVFAIL"),
    "refused.hostile.test": ("error", "REFUSED"),
    "garbage.hostile.test": ("error", "no answer after 2 tries"),
    "wrongid.hostile.test": ("error", "no answer after 2 tries"),
    "otherq.hostile.test": ("error", "answer to another question"),
    "tc.hostile.test": ("error", "truncated over UDP; TCP"),
    "overrun.hostile.test": ("error", "does not parse: CAA tag length 48 overruns"),
    "loop1.hostile.test": ("error", "alias loop"),
    "chain0.hostile.test": ("error", "longer than"),
    "control.hostile.test": ("drift", None),
    "ctlalias.hostile.test": ("drift", None),
    "big.hostile.test": ("drift", None),
    "late.hostile.test": ("error", "no answer after 2 tries"),
    "silent.hostile.test": ("error", "no answer after 2 tries"),
}


def run(responder, fmt, *extra):
    start = time.monotonic()
    p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", responder.endpoint, "--timeout", "1",
                        "--retries", "1", "--format", fmt, *extra, "--names",
                        os.path.join(DATA, "dns", "hostile-names.txt"),
                        os.path.join(DATA, "dns", "hostile.toml")],
                       capture_output=True, timeout=120)
    return p, time.monotonic() - start


class Hostile(unittest.TestCase):
    def test_definite_results_valid_json(self):
        with HostileResponder() as responder:
            p, elapsed = run(responder, "json")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertLess(elapsed, 20)
        doc = json.loads(p.stdout.decode("utf-8"))
        got = {r["name"]: r for r in doc["results"]}
        self.assertEqual(set(got), set(EXPECTED))
        for name, (status, reason) in EXPECTED.items():
            with self.subTest(name=name):
                self.assertEqual(got[name]["status"], status, got[name])
                if reason:
                    self.assertIn(reason, got[name]["error"])
        self.assertEqual(len(got["big.hostile.test"]["actual"]), 1500)
        values = {r["value"] for r in got["control.hostile.test"]["actual"]}
        self.assertIn("nul\x00byte", values)
        self.assertIn('new\nline\r\n0 issue "evil.example"', values)

    def test_text_output_is_escaped(self):
        with HostileResponder() as responder:
            p, _ = run(responder, "text")
        self.assertEqual(p.returncode, 3)
        for byte in p.stdout:
            self.assertTrue(byte == 0x0A or 0x20 <= byte < 0x7F, f"raw byte {byte:#x} in output")
        self.assertIn(b'"ca.example; x=\\027[31mred"', p.stdout)
        self.assertIn(b'"new\\010line\\013\\0100 issue \\"evil.example\\""', p.stdout)

    def test_fix_comments_are_escaped(self):
        # ctlalias is a CNAME to a name holding a newline and ESC: the script says it cannot
        # be fixed, naming the target, without letting either byte into a script line.
        with HostileResponder() as responder:
            p, _ = run(responder, "text", "--fix", "nsupdate")
        self.assertEqual(p.returncode, 3)
        for stream in (p.stdout, p.stderr):
            for byte in stream:
                self.assertTrue(byte == 0x0A or 0x20 <= byte < 0x7F, f"raw byte {byte:#x}")
        lines = p.stdout.decode().splitlines()
        comment = [l for l in lines if l.startswith("; ctlalias.hostile.test: not fixable")]
        self.assertEqual(len(comment), 1, p.stdout)
        self.assertIn("an alias (CNAME or DNAME) of bad\\\\010\\\\027\\\\09131mname.hostile.test",
                      comment[0])
        self.assertTrue(all(l.startswith(";") or l.startswith("update") or l == "send"
                            for l in lines), p.stdout)
        self.assertIn(b"caapol verify: warning: ctlalias.hostile.test: not fixable here",
                      p.stderr)

    def test_prometheus_is_well_formed(self):
        with HostileResponder() as responder:
            p, _ = run(responder, "prometheus")
        for line in p.stdout.decode().splitlines():
            self.assertTrue(line.startswith("#") or line.startswith("caapol_"), line)


if __name__ == "__main__":
    CAAPOL, DATA = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
