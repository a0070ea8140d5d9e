#!/usr/bin/env python3
"""`caapol generate -o FILE` writes atomically: on success FILE is replaced (its permissions
kept); on any error (policy errors, a domain the format cannot express, a target that cannot
be replaced) the old FILE is untouched and no temporary file is left next to it. A full
standard output is an error too.

Usage: check_output_file.py CAAPOL TESTS_DIR
"""
import os
import subprocess
import sys
import tempfile


def main():
    caapol, tests_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    data = os.path.join(tests_dir, "data", "generate")
    failures = []

    def generate(*args, stdout=subprocess.PIPE):
        return subprocess.run([caapol, "generate", *args], stdout=stdout,
                              stderr=subprocess.PIPE, timeout=60)

    def check(condition, message):
        print(("ok   " if condition else "FAIL ") + message)
        if not condition:
            failures.append(message)

    with tempfile.TemporaryDirectory(prefix="caapol-output-") as tmp:
        target = os.path.join(tmp, "caa.zone")

        def reset():
            with open(target, "w") as f:
                f.write("OLD\n")
            os.chmod(target, 0o640)

        def untouched_and_clean(what):
            with open(target) as f:
                check(f.read() == "OLD\n", f"{what}: the old file is untouched")
            leftovers = [n for n in os.listdir(tmp) if n != "caa.zone" and n != "dir"]
            check(leftovers == [], f"{what}: no temporary file left ({leftovers})")

        reset()
        proc = generate("-o", target, os.path.join(data, "errors.toml"))
        check(proc.returncode == 2 and b"nothing written" in proc.stderr,
              "policy errors: exit 2, 'nothing written'")
        untouched_and_clean("policy errors")

        reset()
        proc = generate("--origin", "example.org", "-o", target, os.path.join(data, "basic.toml"))
        check(proc.returncode == 2, "domain outside --origin: exit 2")
        untouched_and_clean("domain outside --origin")

        reset()
        proc = generate("--format", "octodns", "-o", target, os.path.join(data, "basic.toml"))
        check(proc.returncode == 2, "octodns without --origin: exit 2")
        untouched_and_clean("octodns without --origin")

        # The rename itself fails: the target is a non-empty directory.
        reset()
        directory = os.path.join(tmp, "dir")
        os.mkdir(directory)
        with open(os.path.join(directory, "keep"), "w") as f:
            f.write("x")
        proc = generate("-o", directory, os.path.join(data, "basic.toml"))
        check(proc.returncode == 2 and b"cannot replace" in proc.stderr,
              f"target is a directory: exit 2, 'cannot replace' ({proc.stderr!r})")
        check(os.listdir(directory) == ["keep"], "target is a directory: it is untouched")
        untouched_and_clean("target is a directory")

        reset()
        proc = generate("-o", target, os.path.join(data, "basic.toml"))
        expected = generate(os.path.join(data, "basic.toml")).stdout
        with open(target, "rb") as f:
            check(proc.returncode == 0 and proc.stdout == b"" and f.read() == expected,
                  "success: the file holds exactly what standard output would")
        check(os.stat(target).st_mode & 0o777 == 0o640, "success: permissions kept (0640)")
        leftovers = [n for n in os.listdir(tmp) if n not in ("caa.zone", "dir")]
        check(leftovers == [], "success: no temporary file left")

    if os.path.exists("/dev/full"):
        with open("/dev/full", "wb") as full:
            proc = generate(os.path.join(data, "basic.toml"), stdout=full)
        check(proc.returncode == 2 and b"cannot write to standard output" in proc.stderr,
              f"full standard output: exit 2 ({proc.stderr!r})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
