#!/usr/bin/env python3
"""The shipped systemd units pass `systemd-analyze verify`, and a broken copy does not (so the
check can fail). The units name /usr/bin/caapol, which systemd-analyze requires to exist: the
copies checked here name the built binary instead, the only change.
Usage: check_units.py SYSTEMD_ANALYZE CAAPOL UNIT_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile

UNITS = ("caapol-verify.service", "caapol-verify.timer")


def verify(analyze, directory):
    paths = [os.path.join(directory, u) for u in UNITS]
    return subprocess.run([analyze, "verify", "--man=no", *paths], capture_output=True,
                          text=True, timeout=120)


def main():
    analyze, caapol, source = sys.argv[1:4]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for unit in UNITS:
            with open(os.path.join(source, unit)) as f:
                text = f.read()
            if unit.endswith(".service"):
                if "ExecStart=/usr/bin/caapol verify " not in text or " -o " not in text:
                    print(f"FAIL {unit}: ExecStart must run /usr/bin/caapol verify with -o")
                    failures += 1
                text = text.replace("/usr/bin/caapol", os.path.abspath(caapol))
            with open(os.path.join(tmp, unit), "w") as f:
                f.write(text)
        p = verify(analyze, tmp)
        if p.returncode != 0 or p.stdout.strip() or p.stderr.strip():
            print(f"FAIL systemd-analyze verify: exit {p.returncode}\n{p.stdout}{p.stderr}")
            failures += 1
        else:
            print("ok systemd-analyze verify: the units are clean")
        broken = os.path.join(tmp, "broken")
        shutil.copytree(tmp, broken, ignore=shutil.ignore_patterns("broken"))
        timer = os.path.join(broken, "caapol-verify.timer")
        with open(timer) as f:
            text = f.read()
        with open(timer, "w") as f:
            f.write(text.replace("OnCalendar=hourly", "OnCalendar=every so often"))
        p = verify(analyze, broken)
        if p.returncode == 0:
            print("FAIL systemd-analyze verify accepted a timer with a bad OnCalendar")
            failures += 1
        else:
            print("ok a broken copy is refused")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
