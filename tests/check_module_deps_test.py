#!/usr/bin/env python3
"""scripts/check-module-deps refuses an include of an undeclared module (what would let a
cycle in), names the file and line, and passes a tree that keeps to its table."""
import os
import subprocess
import sys
import tempfile

checker = sys.argv[1]
failures = 0


def run(root, *modules):
    stamp = os.path.join(root, "stamp")
    return subprocess.run([sys.executable, checker, "--root", root, "--stamp", stamp, *modules],
                          capture_output=True, text=True)


with tempfile.TemporaryDirectory(prefix="caapol-module-deps-") as root:
    os.makedirs(os.path.join(root, "src", "low"))
    os.makedirs(os.path.join(root, "include", "caapol", "high"))
    with open(os.path.join(root, "src", "low", "a.cpp"), "w") as f:
        f.write('#include "caapol/low/a.hpp"\n\n#include "caapol/high/b.hpp"\n')
    with open(os.path.join(root, "include", "caapol", "high", "b.hpp"), "w") as f:
        f.write('#pragma once\n#include "caapol/low/a.hpp"\n')

    refused = run(root, "low=", "high=low")
    expected = ("src/low/a.cpp:3: module 'low' includes a header of 'high', which meson.build's "
                "module table does not list for it (a dependency cycle, or a missing entry)\n")
    if refused.returncode != 1 or refused.stderr != expected:
        print(f"FAIL: the upward include: exit {refused.returncode}, stderr {refused.stderr!r}")
        failures += 1
    if os.path.exists(os.path.join(root, "stamp")):
        print("FAIL: a stamp was written for a refused tree")
        failures += 1

    os.remove(os.path.join(root, "src", "low", "a.cpp"))
    accepted = run(root, "low=", "high=low")
    if accepted.returncode != 0 or accepted.stderr:
        print(f"FAIL: a clean tree: exit {accepted.returncode}, stderr {accepted.stderr!r}")
        failures += 1

print("module-deps checker:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
