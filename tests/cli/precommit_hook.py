#!/usr/bin/env python3
"""The shipped pre-commit hook runs for every file lint depends on, and for nothing else.

pre-commit matches `files` with Python's re.search against paths relative to the repository;
this test does the same over paths of a DNS repository.
Usage: precommit_hook.py SOURCE_ROOT
"""
import os
import re
import sys

import yaml

hooks = yaml.safe_load(open(os.path.join(sys.argv[1], ".pre-commit-hooks.yaml")))
hook = next(h for h in hooks if h["id"] == "caapol-lint")
pattern = re.compile(hook["files"])
must_match = [
    "zones/db.example.org", "db.example.org", "zones/example.org.zone", "example.org.db",
    "zones/example.org.", "zones/inc/caa-example.org.inc", "caa.inc", "zones/caa.include",
    "zones/include/caa-records", "zones/includes/common", "inc/soa", "caa-policy.toml",
    "policy/team-web.toml",
]
must_not_match = [
    "README.md", "scripts/deploy.sh", ".gitignore", "zones/README", "docs/zones.md",
    "database.json", "incoming/list.txt",
]
failures = [p for p in must_match if not pattern.search(p)]
failures += [f"{p} (must not match)" for p in must_not_match if pattern.search(p)]
# Fragments are linted through their includer and policies concern every zone: the hook
# lints the tree named in args instead of the changed files.
if hook.get("pass_filenames", True):
    failures.append("pass_filenames must be false")
if not hook.get("args"):
    failures.append("the hook needs default args naming what to lint")
for f in failures:
    print("FAIL", f)
print(f"{len(must_match) + len(must_not_match)} paths, {len(failures)} problems")
sys.exit(1 if failures else 0)
