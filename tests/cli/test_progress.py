#!/usr/bin/env python3
"""verify's progress line: on a terminal (a pty here) standard error shows "caapol verify:
DONE / TOTAL names, N names/s, E errors", rewritten in place and erased at the end; nothing
when standard error is not a terminal, or with --quiet. Standard output is untouched.
Usage: test_progress.py CAAPOL TESTS_DIR"""
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import unittest

CAAPOL = TESTS = None


class Progress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.join(TESTS, "dns"))
        from hostile_responder import HostileResponder  # noqa: E402
        cls.responder = HostileResponder().__enter__()
        cls.tmp = tempfile.mkdtemp(prefix="caapol-progress-")
        cls.policy = os.path.join(cls.tmp, "policy.toml")
        with open(cls.policy, "w") as f:
            f.write('version = 1\n\n[domain."ok.hostile.test"]\nissue = ["ca.example"]\n'
                    '\n[domain."silent.hostile.test"]\nissue = ["ca.example"]\n')
        # 300 names answered at once and 3 never answered: the run lasts over a second and
        # has errors to count.
        cls.names = os.path.join(cls.tmp, "names.txt")
        with open(cls.names, "w") as f:
            f.write("".join(f"n{i}.ok.hostile.test\n" for i in range(300)))
            f.write("".join(f"s{i}.silent.hostile.test\n" for i in range(3)))

    @classmethod
    def tearDownClass(cls):
        cls.responder.__exit__(None, None, None)
        shutil.rmtree(cls.tmp)

    def command(self, *extra):
        return [CAAPOL, "verify", "--resolver", self.responder.endpoint, "--timeout", "1.5",
                "--retries", "0", "--format", "json", *extra, "--names", self.names, self.policy]

    def run_on_pty(self, *extra):
        master, slave = pty.openpty()
        # Standard output to a file: a full pipe nobody reads would stall the run.
        out = tempfile.TemporaryFile(dir=self.tmp)
        p = subprocess.Popen(self.command(*extra), stdout=out, stderr=slave)
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        p.wait(timeout=30)
        os.close(master)
        out.seek(0)
        stdout = out.read()
        out.close()
        return p.returncode, stdout, seen

    def test_progress_on_a_terminal(self):
        status, stdout, seen = self.run_on_pty()
        self.assertEqual(status, 3, seen)
        json.loads(stdout.decode())  # the report is intact
        text = seen.decode()
        lines = re.findall(r"\rcaapol verify: ([0-9,]+) / 305 names, ([0-9,]+) names/s, "
                           r"([0-9,]+) errors?\x1b\[K", text)
        self.assertTrue(lines, repr(text))
        done = [int(d.replace(",", "")) for d, _, _ in lines]
        self.assertEqual(done, sorted(done), "counts only grow")
        self.assertTrue(all(d <= 305 for d in done))
        self.assertTrue(text.endswith("\r\x1b[K"), "the line is erased at the end")

    def test_quiet_on_a_terminal(self):
        status, stdout, seen = self.run_on_pty("--quiet")
        self.assertEqual(status, 3)
        self.assertNotIn(b"names/s", seen)
        self.assertNotIn(b"\x1b", seen)

    def test_nothing_when_not_a_terminal(self):
        p = subprocess.run(self.command(), capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stderr, b"")


if __name__ == "__main__":
    CAAPOL, TESTS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
