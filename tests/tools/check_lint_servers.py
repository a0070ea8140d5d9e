#!/usr/bin/env python3
"""lint refuses what the servers refuse: for every case below, one zone file is given to
nsd-checkzone, kzonecheck and `caapol lint`, and lint's verdict must agree with theirs.

- A case the servers refuse (nsd-checkzone or kzonecheck exits non-zero) must be an error
  of lint, reported with the case's rule id.
- A case both load must get no error from lint; when the case names a rule (a warning such
  as occluded-data), lint must report it, as a warning.

Each case also says which verdict the servers give here (NSD 4.6.1, Knot 3.2.6): when a tool
changes its mind the test says so, since the rule's text cites it.

Usage: check_lint_servers.py CAAPOL
Exit 0 pass, 1 fail, 77 skip (nsd-checkzone or kzonecheck missing).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HEAD = """$ORIGIN example.com.
$TTL 3600
@ IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300
@ IN NS ns.example.com.
@ IN CAA 0 issue "letsencrypt.org"
ns IN A 192.0.2.1
"""

# (name, records after HEAD, rule lint must report or None, refused by the servers here)
CASES = [
    # Tags (RFC 8659 §4.1 allows any letters and digits, any length of at least 1).
    ("tag-upper", ['www CAA 0 ISSUE "letsencrypt.org"'], "tag-case", True),
    ("tag-mixed", ['www CAA 0 Issue "letsencrypt.org"'], "tag-case", True),
    ("tag-upper-generic", [r"www TYPE257 \# 22 00 05 49 53 53 55 45 6c 65 74 73 65 6e 63 72 79 70 74 2e 6f 72 67"],
     "tag-case", False),
    ("tag-16", ['www CAA 0 abcdefghijklmnop ";"', 'www CAA 0 issue ";"'], "tag-length", True),
    ("tag-15", ['www CAA 0 abcdefghijklmno ";"', 'www CAA 0 issue ";"'], None, False),
    ("tag-empty", ['www CAA 0 "" "letsencrypt.org"'], "syntax", True),
    ("tag-hyphen", ['www CAA 0 is-sue "letsencrypt.org"', 'www CAA 0 issue ";"'], "tag-syntax", True),
    ("tag-underscore", ['www CAA 0 is_sue "letsencrypt.org"', 'www CAA 0 issue ";"'], "tag-syntax",
     True),
    ("tag-non-ascii", [r'www CAA 0 \195\169 "x"', 'www CAA 0 issue ";"'], "tag-syntax", True),
    # Flags and fields.
    ("flags-256", ['www CAA 256 issue "letsencrypt.org"'], "syntax", True),
    ("flags-128", ['www CAA 128 issue "letsencrypt.org"'], None, False),
    ("flags-quoted", ['www CAA "0" "issue" "letsencrypt.org"'], "syntax", True),
    ("value-two-words", ['www CAA 0 issue "letsencrypt.org" extra'], "syntax", True),
    ("value-unquoted", ["www CAA 0 issue letsencrypt.org"], None, False),
    # CNAME beside other data.
    ("cname-caa", ["www CNAME foo.example.net.", 'www CAA 0 issue "letsencrypt.org"'],
     "cname-conflict", True),
    ("caa-cname", ['www CAA 0 issue "letsencrypt.org"', "www CNAME foo.example.net."],
     "cname-conflict", True),
    ("cname-a", ["www A 192.0.2.9", "www CNAME foo.example.net."], "cname-conflict", True),
    ("cname-dname", ["www CNAME foo.example.net.", "www DNAME bar.example.net."], "cname-conflict",
     True),
    ("cname-ns", ["sub NS ns.example.net.", "sub CNAME other.example.net."], "cname-conflict", True),
    ("cname-apex", ["@ CNAME foo.example.net."], "cname-conflict", True),
    ("cname-dnssec", ["www CNAME foo.example.net.",
                      "www RRSIG CNAME 8 3 3600 20300101000000 20200101000000 12345 example.com. AAAA",
                      "www NSEC zzz.example.com. CNAME RRSIG NSEC"], None, False),
    ("cname-twice", ["www CNAME foo.example.net.", "www CNAME bar.example.net."], "duplicate-alias",
     True),
    ("cname-repeated", ["www CNAME foo.example.net.", "www CNAME foo.example.net."], None, False),
    ("dname-twice", ["d DNAME foo.example.net.", "d DNAME bar.example.net."], "duplicate-alias", True),
    # Below a DNAME.
    ("dname-caa-below", ["d DNAME other.example.", 'x.d CAA 0 issue "letsencrypt.org"'],
     "data-below-dname", True),
    ("dname-caa-below-first", ['x.d CAA 0 issue "letsencrypt.org"', "d DNAME other.example."],
     "data-below-dname", True),
    ("dname-wildcard-below", ["d DNAME other.example.", '*.d CAA 0 issue "letsencrypt.org"'],
     "data-below-dname", True),
    ("dname-a-below", ["d DNAME other.example.", "y.x.d A 192.0.2.3"], "data-below-dname", True),
    ("dname-ns-below", ["d DNAME other.example.", "x.d NS ns.example.net."], "data-below-dname", True),
    ("dname-caa-beside", ["d DNAME other.example.", 'd CAA 0 issue "letsencrypt.org"'], None, False),
    ("dname-at-cut", ["d NS ns.example.net.", "d DNAME other.example."], "dname-at-delegation", True),
    # Delegations: servers load occluded data but never serve it.
    ("caa-below-cut", ["sub NS ns.example.net.", 'x.sub CAA 0 issue "letsencrypt.org"'],
     "occluded-data", False),
    ("caa-at-cut", ["sub NS ns.example.net.", 'sub CAA 0 issue "letsencrypt.org"'], "occluded-data",
     False),
    ("caa-beside-cut", ["sub NS ns.example.net.", 'sub2 CAA 0 issue "letsencrypt.org"'], None, False),
    # SOA and class.
    ("soa-twice", ["@ IN SOA ns.example.com. hostmaster.example.com. 2 3600 600 86400 300"],
     "duplicate-soa", True),
    ("soa-twice-equal", ["@ IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300"],
     "duplicate-soa", True),
    ("class-ch", ['www CH CAA 0 issue "letsencrypt.org"'], "record-class", True),
]


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=60)


def lint_findings(caapol, path):
    """(rule, severity) pairs of lint's JSON output."""
    result = run([caapol, "lint", "--format", "json", "--origin", "example.com", path])
    if result.returncode not in (0, 1):
        raise RuntimeError(f"caapol lint exited {result.returncode}: {result.stderr}")
    data = json.loads(result.stdout)
    items = data["diagnostics"] if isinstance(data, dict) else data
    return [(d["rule"], d["severity"]) for d in items], result.returncode


def main():
    caapol = os.path.abspath(sys.argv[1])
    for tool in ("nsd-checkzone", "kzonecheck"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed (scripts/install-deps installs it)")
            return 77
    failures = []
    with tempfile.TemporaryDirectory(prefix="caapol-lint-servers.") as work:
        for name, records, rule, refused_here in CASES:
            path = os.path.join(work, name + ".zone")
            with open(path, "w", encoding="utf-8") as f:
                f.write(HEAD + "".join(r + "\n" for r in records))
            nsd = run(["nsd-checkzone", "example.com", path])
            knot = run(["kzonecheck", "-o", "example.com", path])
            refusers = [tool for tool, r in (("nsd-checkzone", nsd), ("kzonecheck", knot))
                        if r.returncode != 0]
            refused = bool(refusers)
            findings, status = lint_findings(caapol, path)
            errors = {r for r, s in findings if s == "error"}
            problems = []
            if refused != refused_here:
                problems.append(f"the servers {'refuse' if refused else 'load'} it here "
                                f"(expected: {'refused' if refused_here else 'loaded'})")
            if refused:
                if not errors or status != 1:
                    problems.append(f"refused by {', '.join(refusers)} but lint reports no error")
                elif rule is not None and rule not in errors:
                    problems.append(f"refused by {', '.join(refusers)}: lint's errors "
                                    f"{sorted(errors)} lack [{rule}]")
            else:
                if errors:
                    problems.append(f"loaded by both, but lint reports errors {sorted(errors)}")
                if rule is not None and (rule, "warning") not in findings:
                    problems.append(f"lint does not warn [{rule}]")
            verdict = "refused" if refused else "loaded"
            if problems:
                failures.append(name)
                print(f"FAIL {name} ({verdict}): " + "; ".join(problems))
                for label, r in (("nsd-checkzone", nsd), ("kzonecheck", knot)):
                    out = (r.stdout + r.stderr).strip().replace("\n", " | ")
                    print(f"     {label}: exit {r.returncode}: {out[:300]}")
                print(f"     lint: {findings}")
            else:
                print(f"ok   {name} ({verdict}; lint: {sorted(errors) or 'no error'})")
    if failures:
        print(f"{len(failures)} of {len(CASES)} cases disagree: {', '.join(failures)}")
        return 1
    print(f"all {len(CASES)} cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
