#!/usr/bin/env python3
"""The man page documents every Prometheus metric verify writes, and its example replaces the
textfile collector's file atomically (verify -o), never with a shell redirection that a
collector could read half-written.
Usage: man_metrics.py SOURCE_ROOT
"""
import os
import re
import sys

root = sys.argv[1]
source = open(os.path.join(root, "src", "output", "results.cpp"), encoding="utf-8").read()
metrics = sorted(set(re.findall(r"\b(caapol_[a-z_]+)\b", source)))
man = open(os.path.join(root, "man", "caapol.1"), encoding="utf-8").read().replace("\\-", "-")
examples = man[man.index(".SH EXAMPLES"):]
failures = []
if len(metrics) < 2:
    failures.append(f"found no metrics in results.cpp: {metrics}")
for metric in metrics:
    if metric not in examples:
        failures.append(f"{metric} is not listed with the Prometheus example")
    if man.count(metric) < 2:
        failures.append(f"{metric} is not listed under verify --format")
example = re.search(r"caapol verify [^\n]*prometheus(?:[^\n]*\\e\n)*[^\n]*", examples)
if not example:
    failures.append("no Prometheus example under EXAMPLES")
else:
    text = example.group(0)
    if re.search(r"(^|\s)>\s*\S*\.prom", text):
        failures.append(f"the example redirects into the .prom file: {text!r}")
    if not re.search(r"\s-o\s+\S+\.prom\b", text):
        failures.append(f"the example does not write the .prom file with -o: {text!r}")
for f in failures:
    print("FAIL", f)
print(f"{len(metrics)} metrics, {len(failures)} problems")
sys.exit(1 if failures else 0)
