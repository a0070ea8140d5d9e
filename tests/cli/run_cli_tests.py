#!/usr/bin/env python3
"""Black-box tests of the caapol binary.

Each directory under tests/cli/cases/ is one case:
  args      one command-line argument per line (after the program name); "@TMP@" is replaced by
            a fresh temporary directory. The command runs with tests/data/ as working directory.
  exit      the expected exit status (default 0)
  stdout    the exact expected standard output (not checked when absent)
  stderr    the exact expected standard error (not checked when absent)
  stdin     fed to standard input (default: nothing)
  env       more environment variables, one NAME=VALUE per line
  out.NAME  the exact expected contents of @TMP@/NAME after the run
  absent    file names (one per line) that must not exist in @TMP@ after the run
Set CAAPOL_UPDATE_GOLDEN=1 to rewrite stdout/stderr/exit from the actual run (review the diff!).
Usage: run_cli_tests.py CAAPOL_BINARY TESTS_DIR [CASE_PREFIX...]
"""
import difflib
import os
import subprocess
import sys
import tempfile


def read(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, "rb") as f:
        return f.read()


def run_case(binary, data_dir, case_dir, update):
    raw_args = read(os.path.join(case_dir, "args"), b"").decode()
    failures = []
    with tempfile.TemporaryDirectory(prefix="caapol-cli-") as tmp:
        args = [line.replace("@TMP@", tmp) for line in raw_args.split("\n") if line != ""]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
               "HOME": tmp}
        for line in read(os.path.join(case_dir, "env"), b"").decode().splitlines():
            if "=" in line:
                name, value = line.split("=", 1)
                env[name] = value
        stdin = read(os.path.join(case_dir, "stdin"), b"")
        try:
            proc = subprocess.run([binary] + args, cwd=data_dir, input=stdin, env=env,
                                  capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            return ["timed out after 60 s"]

        def normalize(data):
            return data.replace(tmp.encode(), b"@TMP@")

        stdout, stderr = normalize(proc.stdout), normalize(proc.stderr)
        if update:
            with open(os.path.join(case_dir, "stdout"), "wb") as f:
                f.write(stdout)
            with open(os.path.join(case_dir, "stderr"), "wb") as f:
                f.write(stderr)
            with open(os.path.join(case_dir, "exit"), "w") as f:
                f.write(f"{proc.returncode}\n")
            return []
        expected_exit = int((read(os.path.join(case_dir, "exit"), b"0").decode().strip() or "0"))
        if proc.returncode != expected_exit:
            failures.append(f"exit status {proc.returncode}, expected {expected_exit}")
        for stream, actual in (("stdout", stdout), ("stderr", stderr)):
            expected = read(os.path.join(case_dir, stream))
            if expected is not None and expected != actual:
                diff = difflib.unified_diff(
                    expected.decode(errors="replace").splitlines(keepends=True),
                    actual.decode(errors="replace").splitlines(keepends=True),
                    f"expected {stream}", f"actual {stream}")
                failures.append("".join(diff))
        for entry in sorted(os.listdir(case_dir)):
            if entry.startswith("out."):
                produced = read(os.path.join(tmp, entry[4:]))
                expected = read(os.path.join(case_dir, entry))
                if produced is None:
                    failures.append(f"{entry[4:]} was not written")
                elif normalize(produced) != expected:
                    failures.append(f"{entry[4:]} differs from {entry}")
        for name in read(os.path.join(case_dir, "absent"), b"").decode().split():
            if os.path.exists(os.path.join(tmp, name)):
                failures.append(f"{name} exists but must not")
        leftovers = [n for n in os.listdir(tmp) if ".caapol-" in n]
        if leftovers:
            failures.append(f"temporary files left behind: {leftovers}")
    return failures


def main():
    binary, tests_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    prefixes = sys.argv[3:]
    cases_dir = os.path.join(tests_dir, "cli", "cases")
    data_dir = os.path.join(tests_dir, "data")
    update = os.environ.get("CAAPOL_UPDATE_GOLDEN") == "1"
    passed = failed = 0
    for name in sorted(os.listdir(cases_dir)):
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        failures = run_case(binary, data_dir, os.path.join(cases_dir, name), update)
        if failures:
            failed += 1
            print(f"FAIL {name}")
            for f in failures:
                print("    " + f.replace("\n", "\n    "))
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
