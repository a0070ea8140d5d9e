#!/usr/bin/env python3
"""Output that cannot be written is an error in every command, and -o FILE is atomic.

- standard output to /dev/full or closed: exit 2 with the reason, for every command;
- -o FILE on a full file system (a small tmpfs in a private mount namespace; where that is
  not allowed, a file size limit): exit 2, the old file untouched, no temporary file left;
- -o FILE killed by TERM, INT or HUP during a run (verify and explain waiting for a server
  that never answers): the process dies of the signal, the temporary file is gone, the old
  file is untouched;
- -o FILE through symbolic links: the final target is replaced, the links stay, the
  temporary file lies beside the target; a loop is an error; a device is never replaced;
- verify and explain -o write whatever the exit status (drift: exit 1, file written).

Usage: test_output_errors.py CAAPOL TESTS_DIR
"""
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

CAAPOL = TESTS = None


def hostile_responder():
    sys.path.insert(0, os.path.join(TESTS, "dns"))
    from hostile_responder import HostileResponder  # noqa: E402
    return HostileResponder()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


class OutputErrors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="caapol-output-")
        cls.responder = hostile_responder().__enter__()
        cls.resolver = cls.responder.endpoint
        cls.policy = os.path.join(TESTS, "data", "generate", "basic.toml")
        cls.zone = os.path.join(TESTS, "data", "lint", "small")
        # Matches the responder (exit 0), drifts from it (exit 1), never answered.
        cls.ok_policy = os.path.join(cls.tmp, "ok.toml")
        write(cls.ok_policy, 'version = 1\n\n[domain."ok.hostile.test"]\nissue = ["ca.example"]\n')
        cls.drift_policy = os.path.join(cls.tmp, "drift.toml")
        write(cls.drift_policy, 'version = 1\n\n[domain."hostile.test"]\nissue = ["ca.example"]\n')
        cls.silent_policy = os.path.join(cls.tmp, "silent.toml")
        write(cls.silent_policy,
              'version = 1\n\n[domain."silent.hostile.test"]\nissue = ["ca.example"]\n')
        # Large outputs, for the full file system: 400 names the responder answers.
        cls.big_policy = os.path.join(cls.tmp, "big.toml")
        write(cls.big_policy, "version = 1\n" + "".join(
            f'\n[domain."n{i}.ok.hostile.test"]\nissue = ["ca.example"]\n' for i in range(400)))

    @classmethod
    def tearDownClass(cls):
        cls.responder.__exit__(None, None, None)
        shutil.rmtree(cls.tmp)

    def verify(self, policy, *extra):
        return ["verify", "--dnssec", "off", "--resolver", self.resolver, "--timeout", "1", "--retries", "0",
                *extra, policy]

    # Every command with each of its outputs to standard output.
    def commands(self):
        return {
            "generate": ["generate", self.policy],
            "generate json": ["generate", "--format", "json", self.policy],
            "check --help": ["check", "--help"],
            "lint json": ["lint", "--format", "json", self.zone],
            "lint sarif": ["lint", "--format", "sarif", self.zone],
            "cas": ["cas"],
            "cas json": ["cas", "--format", "json"],
            "explain text": ["explain", "--policy", self.policy, "example.com"],
            "explain json": ["explain", "--format", "json", "--policy", self.policy,
                             "example.com"],
            "explain live": ["explain", "--dnssec", "off", "--resolver", self.resolver, "ok.hostile.test"],
            "verify text": self.verify(self.ok_policy),
            "verify json": self.verify(self.ok_policy, "--format", "json"),
            "verify prometheus": self.verify(self.ok_policy, "--format", "prometheus"),
            "verify drift": self.verify(self.drift_policy),
            "verify --fix": self.verify(self.drift_policy, "--fix", "nsupdate"),
            "--help": ["--help"],
            "--version": ["--version"],
        }

    def test_commands_write_something(self):
        # Otherwise the tests below would prove nothing.
        for name, args in self.commands().items():
            with self.subTest(command=name):
                p = subprocess.run([CAAPOL, *args], capture_output=True, timeout=60)
                self.assertNotEqual(p.stdout, b"", p.stderr)
                self.assertIn(p.returncode, (0, 1), p.stderr)

    def test_stdout_full(self):
        for name, args in self.commands().items():
            with self.subTest(command=name), open("/dev/full", "wb") as full:
                p = subprocess.run([CAAPOL, *args], stdout=full, stderr=subprocess.PIPE,
                                   timeout=60)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(b"cannot write to standard output: No space left on device",
                              p.stderr)
                self.assertEqual(p.stderr.count(b"cannot write"), 1, p.stderr)

    def test_stdout_closed(self):
        for name, args in self.commands().items():
            with self.subTest(command=name):
                p = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", CAAPOL, *args],
                                   stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(b"cannot write to standard output: Bad file descriptor", p.stderr)

    def full_disk_run(self, args):
        """Runs caapol with -o DIR/out where DIR is full. Returns (exit, stderr, listing, out)."""
        directory = tempfile.mkdtemp(dir=self.tmp)
        script = ('mount -t tmpfs -o size=8k tmpfs "$0" || exit 99; printf old > "$0/out"; '
                  '"$@"; echo "exit=$?"; ls -A "$0"; cat "$0/out"')
        unshare = shutil.which("unshare")
        if unshare:
            p = subprocess.run([unshare, "-rm", "sh", "-c", script, directory, CAAPOL, *args,
                                "-o", os.path.join(directory, "out")],
                               capture_output=True, timeout=60)
            if p.returncode == 0 and b"exit=" in p.stdout:
                exit_line, *rest = p.stdout.decode().split("exit=", 1)[1].split("\n")
                return int(exit_line), p.stderr, rest[:-1], rest[-1]
        # No mount namespace here: a file size limit fails the writes the same way (EFBIG).
        write(os.path.join(directory, "out"), "old")

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        p = subprocess.run([CAAPOL, *args, "-o", os.path.join(directory, "out")],
                           capture_output=True, timeout=60, preexec_fn=limit)
        return (p.returncode, p.stderr, sorted(os.listdir(directory)),
                read(os.path.join(directory, "out")))

    def test_output_file_full(self):
        big_explain = ["explain", "--policy", self.big_policy] + [
            f"n{i}.ok.hostile.test" for i in range(400)]
        for name, args in {
            "generate": ["generate", self.big_policy],
            "verify": self.verify(self.big_policy, "--format", "json"),
            "explain": big_explain,
        }.items():
            with self.subTest(command=name):
                status, stderr, listing, old = self.full_disk_run(args)
                self.assertEqual(status, 2, stderr)
                self.assertRegex(stderr.decode(), r"cannot write .*/out: (writing|flushing): "
                                 r"(No space left on device|File too large)")
                self.assertEqual(listing, ["out"], "no temporary file left")
                self.assertEqual(old, "old", "the old file is untouched")

    def killed_run(self, args, target, temp_dir, sig):
        # The signal at its default disposition in caapol, whatever this process inherited:
        # under nohup SIGHUP arrives ignored, and caapol rightly leaves an ignored signal so.
        p = subprocess.Popen([CAAPOL, *args, "-o", target], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
        deadline = time.monotonic() + 20
        temps = []
        while time.monotonic() < deadline and not temps:
            temps = [n for n in os.listdir(temp_dir) if ".caapol-" in n]
            time.sleep(0.01)
        self.assertTrue(temps, "the temporary file appears while the run waits")
        time.sleep(0.2)  # well inside the run: the server never answers
        p.send_signal(sig)
        _, stderr = p.communicate(timeout=20)
        self.assertEqual(p.returncode, -sig, stderr)
        self.assertEqual([n for n in os.listdir(temp_dir) if ".caapol-" in n], [],
                         "the temporary file is removed")

    def test_killed_mid_run(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            for name, args in {
                "verify": ["verify", "--dnssec", "off", "--resolver", self.resolver, "--timeout", "30",
                           "--retries", "0", self.silent_policy],
                # explain waits its default timeout and retries (several seconds).
                "explain": ["explain", "--dnssec", "off", "--resolver", self.resolver, "silent.hostile.test"],
            }.items():
                with self.subTest(command=name, signal=sig.name):
                    directory = tempfile.mkdtemp(dir=self.tmp)
                    target = os.path.join(directory, "report")
                    write(target, "old")
                    self.killed_run(args, target, directory, sig)
                    self.assertEqual(read(target), "old")

    def test_killed_through_symlink(self):
        # The temporary file lies beside the link's target, and is removed there.
        link_dir = tempfile.mkdtemp(dir=self.tmp)
        target_dir = tempfile.mkdtemp(dir=self.tmp)
        write(os.path.join(target_dir, "real"), "old")
        link = os.path.join(link_dir, "link")
        os.symlink(os.path.join(target_dir, "real"), link)
        self.killed_run(["verify", "--dnssec", "off", "--resolver", self.resolver, "--timeout", "30", "--retries",
                         "0", self.silent_policy], link, target_dir, signal.SIGTERM)
        self.assertEqual(os.listdir(link_dir), ["link"])
        self.assertEqual(read(os.path.join(target_dir, "real")), "old")

    def test_symlinks(self):
        expected = subprocess.run([CAAPOL, "generate", self.policy], capture_output=True,
                                  check=True).stdout.decode()
        d = tempfile.mkdtemp(dir=self.tmp)
        os.mkdir(os.path.join(d, "zones"))
        real = os.path.join(d, "zones", "caa.zone")
        write(real, "old")
        os.chmod(real, 0o640)
        # A chain: absolute link -> relative link -> the file.
        os.symlink("zones/caa.zone", os.path.join(d, "relative"))
        os.symlink(os.path.join(d, "relative"), os.path.join(d, "absolute"))
        p = subprocess.run([CAAPOL, "generate", self.policy, "-o", os.path.join(d, "absolute")],
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read(real), expected)
        self.assertTrue(os.path.islink(os.path.join(d, "absolute")))
        self.assertTrue(os.path.islink(os.path.join(d, "relative")))
        self.assertEqual(os.stat(real).st_mode & 0o777, 0o640, "the target's mode is kept")
        self.assertEqual(sorted(os.listdir(d)), ["absolute", "relative", "zones"])
        self.assertEqual(os.listdir(os.path.join(d, "zones")), ["caa.zone"])
        # A dangling link: the file it names is created.
        os.symlink("zones/new.zone", os.path.join(d, "dangling"))
        p = subprocess.run([CAAPOL, "generate", self.policy, "-o", os.path.join(d, "dangling")],
                           capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read(os.path.join(d, "zones", "new.zone")), expected)
        self.assertTrue(os.path.islink(os.path.join(d, "dangling")))
        # A loop: an error naming it, nothing created.
        os.symlink("loop-b", os.path.join(d, "loop-a"))
        os.symlink("loop-a", os.path.join(d, "loop-b"))
        p = subprocess.run([CAAPOL, "generate", self.policy, "-o", os.path.join(d, "loop-a")],
                           capture_output=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"too many levels of symbolic links", p.stderr)
        # verify and explain through a link too.
        os.symlink("zones/report.prom", os.path.join(d, "report"))
        p = subprocess.run([CAAPOL, *self.verify(self.ok_policy, "--format", "prometheus"), "-o",
                            os.path.join(d, "report")], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("caapol_", read(os.path.join(d, "zones", "report.prom")))

    def test_never_replaces_a_special_file(self):
        # A FIFO of the test's own, never /dev/null: a faulty build run as root would replace
        # the system's device node.
        d = tempfile.mkdtemp(dir=self.tmp)
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        p = subprocess.run([CAAPOL, "generate", self.policy, "-o", fifo], capture_output=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"cannot replace " + fifo.encode() + b": it is not a regular file",
                      p.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertEqual(os.listdir(d), ["fifo"])

    def test_written_whatever_the_status(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        target = os.path.join(d, "caapol.prom")
        write(target, "old")
        stdout_run = subprocess.run([CAAPOL, *self.verify(self.drift_policy, "--format",
                                                          "prometheus")],
                                    capture_output=True, timeout=60,
                                    env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
        p = subprocess.run([CAAPOL, *self.verify(self.drift_policy, "--format", "prometheus"),
                            "-o", target], capture_output=True, timeout=60,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(read(target), stdout_run.stdout.decode())
        self.assertIn("drift", read(target))
        self.assertEqual(os.listdir(d), ["caapol.prom"])
        # explain: the CA may not issue (exit 1), the explanation is still written.
        target = os.path.join(d, "explain.txt")
        p = subprocess.run([CAAPOL, "explain", "--policy", self.ok_policy, "--ca",
                            "letsencrypt.org", "ok.hostile.test", "-o", target],
                           capture_output=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.assertIn("ok.hostile.test", read(target))
        # Bad usage or a policy with errors: nothing written, the old file kept.
        errors = os.path.join(TESTS, "data", "generate", "errors.toml")
        p = subprocess.run([CAAPOL, *self.verify(errors), "-o", target], capture_output=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("ok.hostile.test", read(target))
        self.assertEqual(sorted(os.listdir(d)), ["caapol.prom", "explain.txt"])


if __name__ == "__main__":
    CAAPOL, TESTS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"])
