#!/usr/bin/env python3
"""Checks that every C++ file of the project is formatted as .clang-format says.
Usage: check_format.py CLANG_FORMAT SOURCE_ROOT. Prints the files that are not, then a summary."""
import os
import subprocess
import sys

clang_format, root = sys.argv[1], sys.argv[2]
files = []
for top in ("src", "include", "tests"):
    for directory, _, names in os.walk(os.path.join(root, top)):
        files += [os.path.join(directory, n) for n in sorted(names)
                  if n.endswith((".cpp", ".hpp", ".h"))]
bad = [f for f in sorted(files)
       if subprocess.run([clang_format, "--dry-run", "-Werror", f],
                         capture_output=True).returncode != 0]
for f in bad:
    print("not formatted: " + os.path.relpath(f, root) + " (run clang-format -i on it)")
print(f"{len(files) - len(bad)} passed, {len(bad)} failed")
sys.exit(1 if bad or not files else 0)
