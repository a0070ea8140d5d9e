#!/usr/bin/env python3
"""SARIF's tool.driver.rules must list every rule a result can carry.

Collects every rule id the diagnostic-producing modules (caa, policy, zone, lint, dnssec) can emit (string literals given to the diagnostic calls:
error/warning/note/report/add/fail, rule ids chosen by a ?: in such a call, and ids
assigned to a variable named *rule*), then compares the set with the rule table of `caapol lint --format sarif`:
an id emitted but missing from the table fails, and so does a table entry no code emits.
Every id must be documented in man/caapol.1 as well.
Usage: rule_table.py CAAPOL_BINARY SOURCE_ROOT
"""
import json
import os
import re
import subprocess
import sys

binary, root = os.path.abspath(sys.argv[1]), sys.argv[2]
ID = r'"([a-z0-9]+(?:-[a-z0-9]+)*)"'
CALL = re.compile(r'\b(?:error|warning|note|report|add|fail)\(\s*(?:[^,;"()]*\?[^,;"()]*:[^,;"()]*,\s*|Severity::\w+,\s*)?' + ID)
TERNARY = re.compile(r'(?:\b(?:error|warning|note|report|add)\(|\brule\s*=)\s*[^;"]*?\?\s*' +
                     ID + r'\s*:\s*' + ID)

ASSIGN = re.compile(r'\b\w*rule\w*\s*=\s*' + ID)  # a rule id kept in a variable first

emitted = {}
# The modules that produce diagnostics (cli/ prints messages without rule ids).
for directory, _, names in (entry for module in ("caa", "policy", "zone", "lint", "dnssec")
                            for entry in os.walk(os.path.join(root, "src", module))):
    for name in names:
        if not name.endswith(".cpp"):
            continue
        path = os.path.join(directory, name)
        text = open(path, encoding="utf-8").read()
        found = set(CALL.findall(text)) | set(ASSIGN.findall(text))
        for pair in TERNARY.findall(text):
            found.update(pair)
        for rule in found:
            emitted.setdefault(rule, os.path.relpath(path, root))

data_dir = os.path.join(root, "tests", "data")
def sarif(*args):
    proc = subprocess.run([binary, "lint", "--format", "sarif", *args], cwd=data_dir,
                          capture_output=True, text=True)
    return json.loads(proc.stdout)

run = sarif("--policy", "policy/advice.toml")["runs"][0]
table = [r["id"] for r in run["tool"]["driver"]["rules"]]
failures = []
if len(table) != len(set(table)):
    failures.append(f"rule ids listed twice: {sorted({t for t in table if table.count(t) > 1})}")
for rule, where in sorted(emitted.items()):
    if rule not in table:
        failures.append(f"{rule} (emitted in {where}) is not in SARIF's rule table")
for rule in table:
    if rule not in emitted:
        failures.append(f"{rule} is in the rule table but no code emits it")
man = open(os.path.join(root, "man", "caapol.1"), encoding="utf-8").read()
for rule in table:
    if rule.replace("-", "\\-") not in man:
        failures.append(f"{rule} is not documented in man/caapol.1")
# Results of real runs carry only ids of the table, each with its index.
for args in (["--policy", "policy/advice.toml"],
             ["--policy", "lint/repo-bad/policy.toml", "lint/repo-bad/zones"]):
    for result in sarif(*args)["runs"][0]["results"]:
        if result["ruleId"] not in table or "ruleIndex" not in result:
            failures.append(f"result with rule {result['ruleId']} is not in the table")
for f in failures:
    print("FAIL", f)
print(f"{len(emitted)} rule ids emitted, {len(table)} in the table, {len(failures)} problems")
sys.exit(1 if failures else 0)
