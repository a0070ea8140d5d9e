#!/usr/bin/env python3
"""caapol import --from ct against the test PKI of tests/audit (made at test time with openssl).

The exactness contract: `caapol audit --policy PROPOSED` over the same certificates finds every
name authorised (the unknown issuer's aside: it is warned about, never authorised), for every
kind of source; a certificate outside the --since window is left out of the proposal (audit
then flags it), and so is a certificate from another CA.
Usage: test_ct.py CAAPOL TESTS_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CAAPOL = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(os.path.abspath(sys.argv[2]), "audit"))
import pki  # noqa: E402

failures = []
checks = 0


def check(what, condition, detail=""):
    global checks
    checks += 1
    if not condition:
        failures.append("%s%s" % (what, ("\n    " + str(detail).replace("\n", "\n    ")) if detail else ""))


def run(args):
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    r = subprocess.run([CAAPOL] + args, capture_output=True, env=env, timeout=120)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def audit(policy, csv, sources):
    status, out, err = run(["audit", "--format", "jsonl", "--policy", policy, "--issuers", csv]
                           + sources)
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return status, {r["name"]: r["verdict"] for r in rows}, err


def test_contract(d):
    csv = os.path.join(d, "ccadb.csv")
    # A certificate from before the window, from the other CA: left out of the proposal.
    records = pki.crtsh_records(d)
    legacy = dict(records[0], id=7001, serial_number="1e9ac7", common_name="legacy.example.test",
                  name_value="legacy.example.test", issuer_name=pki.ISSUER_DN["ca2"],
                  not_before="2021-01-01T00:00:00", not_after="2021-04-01T00:00:00")
    with open(os.path.join(d, "window.json"), "w") as f:
        json.dump(records + [legacy], f, indent=1)
    # The same names from another CA, within the window: the proposal must refuse it.
    other = dict(records[0], id=7002, serial_number="07be11", issuer_name=pki.ISSUER_DN["ca2"])
    with open(os.path.join(d, "other-ca.json"), "w") as f:
        json.dump([other], f)

    for label, source in [("PEM directory", "leaves"), ("crt.sh JSON", "window.json"),
                          ("Cert Spotter JSON", "certspotter.json")]:
        path = os.path.join(d, source)
        proposed = os.path.join(d, "proposed-%s.toml" % source)
        status, out, err = run(["import", "--from", "ct", "--issuers", csv, "-o", proposed, path])
        check("%s: import exits 0" % label, status == 0, err)
        check("%s: the unknown issuer is a located warning" % label,
              "warning:" in err and "Rogue CA" in err and "[unknown-issuer]" in err, err)
        text = open(proposed).read() if os.path.exists(proposed) else ""
        check("%s: marked as a proposal" % label, text.startswith("# PROPOSAL for review"), text)
        check("%s: the unknown issuer is commented" % label,
              "NOT authorised" in text and "rogue.example.test" in text, text)
        status, verdicts, err = audit(proposed, csv, [path])
        # 1: the legacy certificate (before the window, from a CA not seen since) is flagged.
        check("%s: audit over the same input" % label,
              status == (1 if source == "window.json" else 0) and "error" not in err, err)
        for name, verdict in sorted(verdicts.items()):
            if name == "rogue.example.test":
                check("%s: the unknown issuer stays unknown-issuer" % label,
                      verdict == "unknown-issuer", verdict)
            elif name == "legacy.example.test":
                check("%s: the certificate before the window is flagged" % label,
                      verdict == "unauthorised", verdict)
            else:
                check("%s: %s authorised" % (label, name), verdict == "authorised", "%s: %s" % (name, verdict))
        if source == "window.json":
            check("crt.sh JSON: the certificate before the window is audited",
                  "legacy.example.test" in verdicts)
            check("crt.sh JSON: newest certificate named in a comment",
                  ", crt.sh 50" in text, text)
            status, verdicts, err = audit(proposed, csv, [os.path.join(d, "other-ca.json")])
            check("another CA for the same names is flagged", status == 1 and
                  set(verdicts.values()) == {"unauthorised"}, "%s %s" % (verdicts, err))

    # --names: the given domains only; names under none are warned about and unchecked.
    names = os.path.join(d, "names.txt")
    with open(names, "w") as f:
        f.write("# the zones\nexample.test\n")
    proposed = os.path.join(d, "proposed-names.toml")
    status, out, err = run(["import", "--from", "ct", "--issuers", csv, "--names", names, "-o",
                            proposed, os.path.join(d, "window.json")])
    check("--names: exit 0", status == 0, err)
    check("--names: elsewhere.test is warned about", "elsewhere.test" in err, err)
    text = open(proposed).read() if os.path.exists(proposed) else ""
    check("--names: one domain", text.count("[domain.") == 1, text)
    check("--names: both CAs at example.test", 'issue = [\n  "ca-one.test",' in text and
          '"ca-two.test",' in text, text)
    status, verdicts, err = audit(proposed, csv, [os.path.join(d, "window.json")])
    for name, verdict in sorted(verdicts.items()):
        # legacy.example.test is authorised now: ca-two.test issues for cn-only.example.test,
        # and example.test authorises every CA seen under it.
        expected = {"rogue.example.test": "unknown-issuer",
                    "elsewhere.test": "unchecked"}.get(name, "authorised")
        check("--names: %s %s" % (name, expected), verdict == expected, verdict)

    # The window: --since a date after every certificate leaves nothing to propose.
    status, out, err = run(["import", "--from", "ct", "--issuers", csv, "--since", "2021-06-01",
                            "--now", "2021-07-01", os.path.join(d, "window.json")])
    check("empty window: exit 2, nothing written", status == 2 and out == "" and
          "nothing to propose" in err, err)
    # --since 2021-01-01 with the clock at 2021-07-01: only the legacy certificate.
    status, out, err = run(["import", "--from", "ct", "--issuers", csv, "--since", "2021-01-01",
                            "--now", "2021-07-01", os.path.join(d, "window.json")])
    check("window of the legacy certificate: ca-two.test for legacy.example.test",
          status == 0 and '[domain."legacy.example.test"]' in out and "ca-two.test" in out and
          "ca-one.test" not in out, out + err)


def test_hostile(d):
    """Control characters never reach the output raw; names the format cannot hold are located
    errors and nothing is written."""
    lines = [
        {"issuer_name": pki.ISSUER_DN["ca1"], "name_value": "ok.example.test",
         "not_before": "2026-01-01T00:00:00", "id": 1, "serial_number": "01\u001b[31m"},
        {"issuer_name": "C=ZZ, O=Evil\nInjected\u001b[31m, CN=X", "name_value": "evil.example.test",
         "not_before": "2026-01-01T00:00:00", "id": 2, "serial_number": "02"},
    ]
    path = os.path.join(d, "hostile.json")
    with open(path, "w") as f:
        json.dump(lines, f)
    csv = os.path.join(d, "ccadb.csv")
    status, out, err = run(["import", "--from", "ct", "--issuers", csv, "--now", "2026-02-01", path])
    check("hostile: written", status == 0, err)
    raw = [c for c in out + err if ord(c) < 32 and c != "\n"]
    check("hostile: no raw control characters", not raw, repr(out + err))
    check("hostile: the unknown issuer's DN escaped", "Evil\\x0aInjected\\x1b[31m" in out, out)
    with open(path, "w") as f:
        json.dump([dict(lines[0], name_value="_acme.example.test")], f)
    proposed = os.path.join(d, "never.toml")
    status, out, err = run(["import", "--from", "ct", "--issuers", csv, "--now", "2026-02-01",
                            "-o", proposed, path])
    check("hostile: a name with '_' is a located error", status == 2 and
          (path + ":1:") in err and not os.path.exists(proposed), err)


def main():
    if shutil.which("openssl") is None or shutil.which("faketime") is None:
        print("openssl and faketime are needed (scripts/install-deps)")
        return 1
    d = tempfile.mkdtemp(prefix="caapol-import-ct-")
    try:
        pki.make(d)
        pki.write_sources(d)
        test_contract(d)
        test_hostile(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
