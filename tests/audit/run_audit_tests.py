#!/usr/bin/env python3
"""caapol audit against a test PKI made at test time with the openssl command (pki.py).

Usage: run_audit_tests.py CAAPOL SOURCE_DIR
Each verdict, each kind of source, the issuer tables, the certspotter hook (with the
environment certspotter-script(8) documents), output formats, -o and hostile inputs.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pki  # noqa: E402

CAAPOL = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(HERE, "policy.toml")
failures = []
checks = 0


def caapol(args, env=None, stdin=None, cwd=None):
    full_env = dict(os.environ)
    full_env.pop("EVENT", None)
    if env:
        full_env.update(env)
    r = subprocess.run([CAAPOL, "audit"] + args, capture_output=True, env=full_env,
                       input=stdin, cwd=cwd, timeout=120)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def check(what, condition, detail=""):
    global checks
    checks += 1
    if not condition:
        failures.append("%s%s" % (what, ("\n    " + detail.replace("\n", "\n    ")) if detail else ""))


def findings_jsonl(args, **kw):
    status, out, err = caapol(["--format", "jsonl"] + args, **kw)
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return status, rows, err


# name -> (verdict, rule) with the CCADB table: what the test PKI must give under policy.toml.
EXPECTED = {
    "www.example.test": ("authorised", "issuer-authorised"),
    "example.test": ("authorised", "issuer-authorised"),
    "shop.example.test": ("unauthorised", "issuer-not-listed"),
    "*.example.test": ("authorised", "issuer-authorised"),
    "*.wild.example.test": ("unauthorised", "issuer-not-listed"),
    "api.example.test": ("authorised", "issuer-authorised"),
    "old.example.test": ("authorised", "issuer-authorised"),
    "rogue.example.test": ("unknown-issuer", "unknown-issuer"),
    "elsewhere.test": ("unchecked", "not-in-policy"),
    "acct.example.test": ("authorised", "issuer-authorised-restricted"),
    "locked.example.test": ("unauthorised", "no-issuer"),
    "cn-only.example.test": ("unauthorised", "issuer-not-listed"),
}


def verdicts(rows):
    return {r["name"]: (r["verdict"], r["rule"]) for r in rows}


def policy_line(text):
    """file:line:col of the first line of policy.toml containing `text`."""
    with open(POLICY) as f:
        for number, line in enumerate(f, 1):
            if text in line:
                return "%s:%d:" % (POLICY, number)
    raise KeyError(text)


def test_sources(d):
    csv = os.path.join(d, "ccadb.csv")
    # Every kind of source gives the same verdicts.
    for label, sources in [("directory of PEM", [os.path.join(d, "leaves")]),
                           ("crt.sh JSON", [os.path.join(d, "crtsh.json")]),
                           ("Cert Spotter JSON", [os.path.join(d, "certspotter.json")])]:
        status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv] + sources)
        check("%s: exit 1 (unauthorised present)" % label, status == 1, err)
        check("%s: verdicts" % label, verdicts(rows) == EXPECTED,
              "got %s" % json.dumps(verdicts(rows), indent=1, sort_keys=True))
        check("%s: one finding per (certificate, name), precertificate merged" % label,
              len(rows) == len(EXPECTED), "%d findings" % len(rows))
        check("%s: no diagnostics" % label, err == "", err)
    # The deciding policy lines.
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv,
                                        os.path.join(d, "leaves")])
    by_name = {r["name"]: r for r in rows}
    check("shop: decided by shop's issue line",
          by_name["shop.example.test"]["policy_location"].startswith(
              policy_line('issue = ["ca-two.test"]')), by_name["shop.example.test"]["policy_location"])
    check("shop: the issuer's domain", by_name["shop.example.test"]["caa_domains"] == ["ca-one.test"])
    check("shop: matched by key id", by_name["shop.example.test"]["issuer_match"] == "key-id")
    check("wildcard: decided by issuewild",
          by_name["*.example.test"]["policy_location"].startswith(
              policy_line('issuewild = ["ca-two.test"]')))
    check("locked: decided by issue = []",
          by_name["locked.example.test"]["policy_location"].startswith(policy_line("issue = []")))
    check("acct: not checkable (accounturi)", by_name["acct.example.test"]["not_checkable"] is True)
    check("old: expired", by_name["old.example.test"]["expired"] is True and
          by_name["www.example.test"]["expired"] is False)
    check("api: the precertificate and its certificate counted once",
          [r["name"] for r in rows].count("api.example.test") == 1)
    check("elsewhere: no policy domain", by_name["elsewhere.test"]["policy_domain"] == "")
    check("www: policy domain through inherit", by_name["www.example.test"]["policy_domain"] ==
          "example.test")
    check("sha256 and serial of PEM certificates",
          by_name["shop.example.test"]["sha256"] == pki.info(d, "leaves/shop.pem")["sha256"] and
          by_name["shop.example.test"]["serial"] == pki.info(d, "leaves/shop.pem")["serial"])
    # crt.sh: matched by issuer DN (crt.sh has no key ids); crt.sh id shown.
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv,
                                        os.path.join(d, "crtsh.json")])
    shop = [r for r in rows if r["name"] == "shop.example.test"][0]
    check("crt.sh: issuer matched by subject DN", shop["issuer_match"] == "subject", shop["issuer_match"])
    check("crt.sh: id", shop["crtsh_id"] == "5001", shop["crtsh_id"])
    check("crt.sh: location of the record", shop["source"].startswith(os.path.join(d, "crtsh.json") + ":"),
          shop["source"])
    # DER, standard input.
    der = os.path.join(d, "shop.der")
    subprocess.run(["openssl", "x509", "-in", os.path.join(d, "leaves/shop.pem"), "-outform",
                    "DER", "-out", der], check=True)
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv, der])
    check("DER file", verdicts(rows) == {"shop.example.test": EXPECTED["shop.example.test"]}, err)
    with open(os.path.join(d, "crtsh.json"), "rb") as f:
        status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv, "-"], stdin=f.read())
    check("standard input", verdicts(rows) == EXPECTED, err)


def test_issuer_tables(d):
    leaves = os.path.join(d, "leaves")
    # Without any table: the test CAs are unknown: every restricted name is unknown-issuer.
    status, rows, err = findings_jsonl(["--policy", POLICY, leaves])
    v = verdicts(rows)
    check("no table: unknown-issuer where the policy restricts",
          v["shop.example.test"] == ("unknown-issuer", "unknown-issuer") and
          v["elsewhere.test"] == ("unchecked", "not-in-policy"), json.dumps(v))
    check("no table: issue = [] forbids every CA, known or not",
          v["locked.example.test"] == ("unauthorised", "no-issuer"), json.dumps(v))
    rogue = [os.path.join(leaves, "rogue.pem"), os.path.join(leaves, "outside.pem")]
    csv = ["--issuers", os.path.join(d, "ccadb.csv")]
    status, rows, err = findings_jsonl(["--policy", POLICY] + csv + rogue)
    check("unknown-issuer: exit 0 without --strict", status == 0, err)
    status, _, _ = findings_jsonl(["--policy", POLICY, "--strict"] + csv + rogue)
    check("unknown-issuer: exit 1 with --strict", status == 1)
    # A caapol table by organisation, and by ski.
    table = os.path.join(d, "table.tsv")
    with open(table, "w") as f:
        f.write("# test\norganisation\tTest CA One\tca-one.test\nski\t%s\tca-two.test\n"
                % pki.ski(d, "ca2"))
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", table, leaves])
    check("caapol table: verdicts", verdicts(rows) == EXPECTED, json.dumps(verdicts(rows)))
    check("caapol table: organisation match",
          {r["issuer_match"] for r in rows if r["issuer"].startswith("C=XX, O=Test CA One")} ==
          {"organisation"})
    # Cert Spotter's caa_domains for the rogue issuer: then it is unauthorised.
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", os.path.join(d, "ccadb.csv"),
                                        os.path.join(d, "certspotter-caa.json")])
    rogue = [r for r in rows if r["name"] == "rogue.example.test"][0]
    check("Cert Spotter caa_domains", rogue["verdict"] == "unauthorised" and
          rogue["issuer_match"] == "certspotter" and rogue["caa_domains"] == ["rogue.test"], json.dumps(rogue))
    # A broken table: located error, exit 2.
    bad = os.path.join(d, "bad.tsv")
    with open(bad, "w") as f:
        f.write("ski\tnot-hex\tca-one.test\n")
    status, out, err = caapol(["--policy", POLICY, "--issuers", bad, leaves])
    check("bad table: exit 2 with location", status == 2 and bad + ":1:5:" in err, err)


def test_text_and_json(d):
    csv = os.path.join(d, "ccadb.csv")
    status, out, err = caapol(["--policy", POLICY, "--issuers", csv, os.path.join(d, "crtsh.json")])
    lines = out.splitlines()
    problems = [l for l in lines if ": unauthorised: " in l or ": unknown-issuer: " in l]
    check("text: only unauthorised and unknown-issuer lines, then the summary",
          len(problems) == len(lines) - 1 and lines[-1].startswith("audited 11 certificates"), out)
    shop = [l for l in lines if "shop.example.test" in l]
    check("text: shop line names the crt.sh id, issuer, not_before and policy line",
          len(shop) == 1 and "crt.sh=5001" in shop[0] and 'issuer="C=XX, O=Test CA One' in shop[0]
          and "not_before=" in shop[0] and "(policy " + policy_line('issue = ["ca-two.test"]') in shop[0]
          and shop[0].endswith("[issuer-not-listed]"), "\n".join(shop))
    check("text: summary counts", "(1 precertificate/certificate pair counted once)" in lines[-1]
          and "12 names: 6 authorised, 4 unauthorised, 1 unknown-issuer, 1 unchecked" in lines[-1], lines[-1])
    status, out, err = caapol(["--all", "--policy", POLICY, "--issuers", csv, os.path.join(d, "crtsh.json")])
    check("text --all: every finding", len(out.splitlines()) == 13, out)
    status, out, err = caapol(["--format", "json", "--policy", POLICY, "--issuers", csv,
                               os.path.join(d, "crtsh.json")])
    doc = json.loads(out)
    check("json: version, findings, summary", doc["version"] == 1 and len(doc["findings"]) == 12 and
          doc["summary"]["unauthorised"] == 4 and doc["summary"]["duplicates"] == 1)
    keys = {"name", "verdict", "issuer", "caa_domains", "serial", "sha256", "not_before",
            "policy_domain", "policy_location", "source"}
    check("json: finding fields", keys <= set(doc["findings"][0]), str(doc["findings"][0].keys()))
    # -o: atomic; a failed write is exit 2.
    out_file = os.path.join(d, "report.json")
    status, out, err = caapol(["--format", "json", "-o", out_file, "--policy", POLICY,
                               "--issuers", csv, os.path.join(d, "crtsh.json")])
    with open(out_file) as f:
        check("-o FILE", status == 1 and out == "" and json.load(f)["summary"]["findings"] == 12)
    status, out, err = caapol(["-o", os.path.join(d, "missing-dir", "x"), "--policy", POLICY,
                               "--issuers", csv, os.path.join(d, "crtsh.json")])
    check("-o into a missing directory: exit 2", status == 2 and "missing-dir" in err, err)
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            r = subprocess.run([CAAPOL, "audit", "--all", "--policy", POLICY, os.path.join(d, "leaves")],
                               stdout=full, stderr=subprocess.PIPE)
        check("standard output full: exit 2", r.returncode == 2, r.stderr.decode())
    # All authorised: exit 0.
    status, out, err = caapol(["--policy", POLICY, "--issuers", csv, os.path.join(d, "leaves/www.pem")])
    check("all authorised: exit 0, summary only", status == 0 and out.startswith("audited 1 certificate,"), out + err)


def hook_env(d, name, event="discovered_cert", with_cert=True):
    """The environment certspotter 0.16 gives a -script (certspotter-script(8))."""
    meta = pki.info(d, "leaves/%s.pem" % name)
    issuer, sans, options = pki.LEAVES[name]
    chain = os.path.join(d, "hook-%s.pem" % name)
    with open(chain, "w") as out:
        for part in ("leaves/%s.pem" % name, issuer + ".pem"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    hook_json = os.path.join(d, "hook-%s.v1.json" % name)
    with open(hook_json, "w") as f:
        json.dump({"dns_names": sans or [options["cn"]], "ip_addresses": [],
                   "not_after": meta["not_after"] + "Z", "not_before": meta["not_before"] + "Z",
                   "pubkey_sha256": "33" * 32, "tbs_sha256": "22" * 32}, f)
    text = os.path.join(d, "hook-%s.txt" % name)
    with open(text, "w") as f:
        f.write("certificate discovered\n")
    env = {"EVENT": event, "SUMMARY": "certificate discovered for .example.test",
           "WATCH_ITEM": ".example.test", "LOG_URI": "https://ct.example.invalid/log/",
           "ENTRY_INDEX": "6464843", "TBS_SHA256": "22" * 32, "CERT_SHA256": meta["sha256"],
           "PUBKEY_SHA256": "33" * 32, "JSON_FILENAME": hook_json, "TEXT_FILENAME": text,
           "NOT_BEFORE": meta["not_before"].replace("T", " ") + " +0000 UTC",
           "NOT_BEFORE_RFC3339": meta["not_before"] + "Z", "NOT_BEFORE_UNIXTIME": "1675136846",
           "NOT_AFTER": meta["not_after"].replace("T", " ") + " +0000 UTC",
           "NOT_AFTER_RFC3339": meta["not_after"] + "Z", "NOT_AFTER_UNIXTIME": "1706240846",
           "SUBJECT_DN": "CN=" + (sans or [options["cn"]])[0], "ISSUER_DN": pki.ISSUER_DN[issuer],
           "SERIAL": meta["serial"]}
    if with_cert:
        env["CERT_FILENAME"] = chain
    return env


def test_hook(d):
    base = ["--certspotter-hook", "--policy", POLICY, "--issuers", os.path.join(d, "ccadb.csv")]
    status, out, err = caapol(base, env=hook_env(d, "www"))
    check("hook: authorised certificate: silent, exit 0", status == 0 and out == "" and err == "", out + err)
    status, out, err = caapol(base, env=hook_env(d, "shop"))
    check("hook: unauthorised certificate: alert, exit 1",
          status == 1 and "unauthorised: shop.example.test" in out and "[issuer-not-listed]" in out, out + err)
    status, out, err = caapol(base, env=hook_env(d, "rogue"))
    check("hook: unknown issuer: silent without --strict", status == 0 and out == "", out + err)
    status, out, err = caapol(base + ["--strict"], env=hook_env(d, "rogue"))
    check("hook: unknown issuer with --strict: alert", status == 1 and "unknown-issuer: rogue" in out, out + err)
    status, out, err = caapol(base, env=hook_env(d, "outside"))
    check("hook: a name outside the policy: silent", status == 0 and out == "", out + err)
    status, out, err = caapol(base, env=hook_env(d, "shop", event="error"))
    check("hook: error event: nothing, exit 0", status == 0 and out == "", out + err)
    status, out, err = caapol(base, env=hook_env(d, "shop", event="malformed_cert"))
    check("hook: malformed_cert event: nothing, exit 0", status == 0 and out == "", out + err)
    status, out, err = caapol(base, env=hook_env(d, "shop", with_cert=False))
    check("hook: JSON file and ISSUER_DN only: alert",
          status == 1 and "unauthorised: shop.example.test" in out, out + err)
    env = hook_env(d, "shop", with_cert=False)
    del env["JSON_FILENAME"]
    status, out, err = caapol(base, env=env)
    check("hook: -no_save (no files): exit 2", status == 2 and "CERT_FILENAME" in err, err)
    status, out, err = caapol(base)
    check("hook: EVENT unset: exit 2", status == 2 and "EVENT" in err, err)


def test_hostile(d):
    csv = os.path.join(d, "ccadb.csv")
    h = os.path.join(d, "hostile")
    def expect_error(label, path, fragment, where):
        status, out, err = caapol(["--policy", POLICY, "--issuers", csv, path])
        check("%s: exit 2" % label, status == 2, "status %d\n%s" % (status, err))
        check("%s: located error" % label, (path + where) in err and fragment in err, err)
    der = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "leaves/www.pem"), "-outform", "DER"],
                         capture_output=True, check=True).stdout
    with open(os.path.join(h, "truncated.der"), "wb") as f:
        f.write(der[: len(der) // 2])
    expect_error("truncated DER", os.path.join(h, "truncated.der"), "not a DER X.509 certificate", ":1:1:")
    with open(os.path.join(d, "leaves/www.pem")) as f:
        lines = f.read().splitlines()
    lines.insert(3, "this line is garbage!")
    with open(os.path.join(h, "garbage.pem"), "w") as f:
        f.write("\n".join(lines) + "\n")
    expect_error("PEM with garbage", os.path.join(h, "garbage.pem"), "inside the certificate", ":4:21:")
    with open(os.path.join(h, "truncated.pem"), "w") as f:
        f.write("\n".join(lines[:5]) + "\n")
    expect_error("truncated PEM", os.path.join(h, "truncated.pem"), "no END CERTIFICATE", ":1:1:")
    expect_error("NUL inside a SAN name", os.path.join(h, "nul.der"), "NUL", ":1:1:")
    # 10 MB of JSON: nested arrays, and one huge name.
    with open(os.path.join(h, "deep.json"), "w") as f:
        f.write('[{"extra":' + "[" * (10 << 20))
    expect_error("10 MB of nested JSON", os.path.join(h, "deep.json"), "nested deeper", ":1:41:")
    with open(os.path.join(h, "nested-list.json"), "w") as f:
        f.write("[" * (10 << 20))
    expect_error("10 MB of nested arrays", os.path.join(h, "nested-list.json"), "not an object", ":1:2:")
    with open(os.path.join(h, "huge.json"), "w") as f:
        f.write('[{"issuer_name":"C=XX, O=Test CA One, CN=Test CA One R1","name_value":"%s",'
                '"serial_number":"01"}]' % ("a" * (10 << 20)))
    expect_error("10 MB name", os.path.join(h, "huge.json"), "is not a DNS name", ":1:2:")
    with open(os.path.join(h, "utf8.json"), "wb") as f:
        f.write(b'[\n{"issuer_name":"C=XX, O=Test CA One, CN=Test CA One R1",\n "name_value":"caf\xff.example.test"}]')
    expect_error("invalid UTF-8 in JSON", os.path.join(h, "utf8.json"), "invalid JSON", ":3:")
    with open(os.path.join(h, "idn.json"), "w") as f:
        f.write('[{"issuer_name":"C=XX, O=Test CA One, CN=Test CA One R1","name_value":"caf\\u00e9.example.test"}]')
    expect_error("non-ASCII name", os.path.join(h, "idn.json"), "A-labels", ":1:2:")
    with open(os.path.join(h, "nul.json"), "w") as f:
        f.write('[{"issuer_name":"C=XX, O=Test CA One, CN=Test CA One R1",'
                '"name_value":"evil.example.test\\u0000.attacker.test"}]')
    expect_error("NUL inside a JSON name", os.path.join(h, "nul.json"), "NUL", ":1:2:")
    with open(os.path.join(h, "broken.json"), "w") as f:
        f.write('[{"issuer_name":"x","name_value":"a.example.test"},\n {"name_value": }]')
    expect_error("JSON syntax error", os.path.join(h, "broken.json"), "invalid JSON", ":2:")
    with open(os.path.join(h, "noise.bin"), "wb") as f:
        f.write(b"\x01\x02garbage")
    expect_error("unknown content", os.path.join(h, "noise.bin"), "not a certificate", ":1:1:")
    with open(os.path.join(h, "other.json"), "w") as f:
        f.write('[{"foo": 1}]')
    expect_error("JSON of another kind", os.path.join(h, "other.json"), "neither a crt.sh", ":1:2:")
    # The records before an error are still audited.
    status, out, err = caapol(["--all", "--policy", POLICY, "--issuers", csv, os.path.join(h, "broken.json")])
    check("records before a JSON error are audited", "a.example.test" in out, out)
    # 10,000 SAN names.
    status, rows, err = findings_jsonl(["--policy", POLICY, "--issuers", csv, os.path.join(d, "big")])
    check("10,000 SAN names: 10,000 findings", status == 0 and len(rows) == 10000 and
          all(r["verdict"] == "authorised" for r in rows), "%d %s" % (len(rows), err))


def main():
    if shutil.which("openssl") is None or shutil.which("faketime") is None:
        print("openssl and faketime are needed (scripts/install-deps)")
        return 1
    d = tempfile.mkdtemp(prefix="caapol-audit-")
    try:
        pki.make(d)
        pki.write_sources(d)
        for test in (test_sources, test_issuer_tables, test_text_and_json, test_hook, test_hostile):
            before = len(failures)
            test(d)
            print("%s: %s" % (test.__name__, "ok" if len(failures) == before else "FAILED"))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print("%d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
