"""A test PKI made with the `openssl` command at test time (no key is ever committed).

A root, intermediates "Test CA One" and "Test CA Two" (distinct keys, so distinct SKIs) and a
"Rogue CA" that no table lists; leaves with SANs, a wildcard, a precertificate (CT poison
extension) and its final certificate (same serial), an expired leaf, a CN-only leaf, a leaf
with 10,000 SAN names. Also writes crt.sh JSON, Cert Spotter JSON and a CCADB-style CSV.
"""
import datetime
import json
import os
import subprocess

SUBJECTS = {
    "root": "/C=XX/O=Test Root/CN=Test Root CA",
    "ca1": "/C=XX/O=Test CA One/CN=Test CA One R1",
    "ca2": "/C=XX/O=Test CA Two/CN=Test CA Two R1",
    "rogue": "/C=XX/O=Nobody/CN=Rogue CA",
}
# Issuer DNs as crt.sh and Cert Spotter write them.
ISSUER_DN = {
    "ca1": "C=XX, O=Test CA One, CN=Test CA One R1",
    "ca2": "C=XX, O=Test CA Two, CN=Test CA Two R1",
    "rogue": "C=XX, O=Nobody, CN=Rogue CA",
}

# name -> (issuer, SANs (None: CN only), options)
LEAVES = {
    "www": ("ca1", ["www.example.test", "example.test"], {}),
    "shop": ("ca1", ["shop.example.test"], {}),
    "wild2": ("ca2", ["*.example.test"], {}),
    "wild1": ("ca1", ["*.wild.example.test"], {}),
    "precert": ("ca1", ["api.example.test"], {"poison": True, "serial": "0x7e57000001"}),
    "final": ("ca1", ["api.example.test"], {"serial": "0x7e57000001"}),
    "expired": ("ca1", ["old.example.test"], {"expired": True}),
    "rogue": ("rogue", ["rogue.example.test"], {}),
    "outside": ("ca1", ["elsewhere.test"], {}),
    "acct": ("ca1", ["acct.example.test"], {}),
    "locked": ("ca1", ["locked.example.test"], {}),
    "cnonly": ("ca2", None, {"cn": "cn-only.example.test"}),
}


def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), result.stderr))
    return result.stdout


def key(d, name):
    run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", name + ".key"], d)


def ext_file(d, name, lines):
    path = os.path.join(d, name + ".ext")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def make(d):
    key(d, "root")
    run(["openssl", "req", "-x509", "-new", "-key", "root.key", "-subj", SUBJECTS["root"],
         "-days", "3650", "-out", "root.pem",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    for ca in ("ca1", "ca2", "rogue"):
        key(d, ca)
        run(["openssl", "req", "-new", "-key", ca + ".key", "-subj", SUBJECTS[ca],
             "-out", ca + ".csr"], d)
        ext = ext_file(d, ca, ["basicConstraints=critical,CA:TRUE,pathlen:0",
                               "keyUsage=critical,keyCertSign,cRLSign",
                               "subjectKeyIdentifier=hash",
                               "authorityKeyIdentifier=keyid"])
        run(["openssl", "x509", "-req", "-in", ca + ".csr", "-CA", "root.pem", "-CAkey",
             "root.key", "-CAcreateserial", "-days", "3000", "-extfile", ext, "-out",
             ca + ".pem"], d)
    os.makedirs(os.path.join(d, "leaves"), exist_ok=True)
    for name, (issuer, sans, options) in LEAVES.items():
        leaf(d, name, issuer, sans, options)
    # 10,000 names in one SAN.
    leaf(d, "many", "ca1", ["n%d.example.test" % i for i in range(10000)], {}, folder="big")
    # A NUL inside a SAN name: sign "evilXexample.test", then patch the DER (the signature
    # breaks; caapol does not verify signatures, it reads what CT logged).
    leaf(d, "nul", "ca1", ["evilXexample.test"], {}, folder="hostile")
    der = run_bytes(["openssl", "x509", "-in", "hostile/nul.pem", "-outform", "DER"], d)
    with open(os.path.join(d, "hostile", "nul.der"), "wb") as f:
        f.write(der.replace(b"evilXexample", b"evil\x00example"))
    return d


def run_bytes(args, cwd):
    return subprocess.run(args, cwd=cwd, capture_output=True, check=True).stdout


def leaf(d, name, issuer, sans, options, folder="leaves"):
    key(d, "leaf-" + name)
    cn = options.get("cn", sans[0] if sans else name)
    run(["openssl", "req", "-new", "-key", "leaf-%s.key" % name, "-subj", "/CN=" + cn,
         "-out", "leaf-%s.csr" % name], d)
    lines = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature",
             "extendedKeyUsage=serverAuth", "subjectKeyIdentifier=hash",
             "authorityKeyIdentifier=keyid"]
    if sans is not None:
        lines.append("subjectAltName=@alt")
    if options.get("poison"):
        lines.append("1.3.6.1.4.1.11129.2.4.3=critical,ASN1:NULL")
    if sans is not None:
        lines.append("[alt]")
        lines += ["DNS.%d=%s" % (i + 1, s) for i, s in enumerate(sans)]
    ext = ext_file(d, "leaf-" + name, lines)
    # The extensions go in the [default] section, the names in [alt].
    args = ["openssl", "x509", "-req", "-in", "leaf-%s.csr" % name, "-CA", issuer + ".pem",
            "-CAkey", issuer + ".key", "-days", "90", "-extfile", ext,
            "-out", "%s/%s.pem" % (folder, name)]
    args += ["-set_serial", options["serial"]] if "serial" in options else ["-CAcreateserial"]
    os.makedirs(os.path.join(d, folder), exist_ok=True)
    env = None
    if options.get("expired"):
        # Issued in 2020 for 90 days: long expired.
        args = ["faketime", "2020-01-01 00:00:00"] + args
    run(args, d, env)


def info(d, path):
    """serial, not_before, not_after, sha256, DER of a PEM certificate."""
    out = run(["openssl", "x509", "-in", path, "-noout", "-serial", "-dates",
               "-fingerprint", "-sha256"], d)
    fields = dict(line.split("=", 1) for line in out.strip().splitlines())
    def iso(text):
        t = datetime.datetime.strptime(text.replace(" GMT", ""), "%b %d %H:%M:%S %Y")
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    sha = [v for k, v in fields.items() if "Fingerprint" in k][0].replace(":", "").lower()
    return {"serial": fields["serial"].lower(), "not_before": iso(fields["notBefore"]),
            "not_after": iso(fields["notAfter"]), "sha256": sha}


def crtsh_records(d):
    records = []
    for i, (name, (issuer, sans, options)) in enumerate(LEAVES.items()):
        meta = info(d, "leaves/%s.pem" % name)
        names = sans if sans else [options["cn"]]
        records.append({
            "issuer_ca_id": {"ca1": 101, "ca2": 102, "rogue": 666}[issuer],
            "issuer_name": ISSUER_DN[issuer],
            "common_name": names[0],
            "name_value": "\n".join(names),
            "id": 5000 + i,
            "entry_timestamp": meta["not_before"] + ".123",
            "not_before": meta["not_before"],
            "not_after": meta["not_after"],
            "serial_number": meta["serial"],
            "result_count": 2,
        })
    return records


def certspotter_issuances(d, caa_for_rogue=None):
    out = []
    for name, (issuer, sans, options) in LEAVES.items():
        if name == "precert":
            continue  # Cert Spotter lists an issuance once
        meta = info(d, "leaves/%s.pem" % name)
        entry = {
            "id": "9%03d" % len(out),
            "tbs_sha256": meta["sha256"],  # stands in for the TBS hash: unique per issuance
            "cert_sha256": meta["sha256"],
            "dns_names": sans if sans else [options["cn"]],
            "pubkey_sha256": "00" * 32,
            "issuer": {"friendly_name": ISSUER_DN[issuer].split("CN=")[1],
                       "name": ISSUER_DN[issuer], "pubkey_sha256": "11" * 32},
            "not_before": meta["not_before"] + "Z",
            "not_after": meta["not_after"] + "Z",
            "revoked": False,
        }
        if issuer == "rogue" and caa_for_rogue:
            entry["issuer"]["caa_domains"] = caa_for_rogue
        out.append(entry)
    return out


def ski(d, ca):
    out = run(["openssl", "x509", "-in", ca + ".pem", "-noout", "-ext",
               "subjectKeyIdentifier"], d)
    return out.strip().splitlines()[-1].strip().replace(":", "")


def ccadb_csv(d):
    """A CCADB AllCAAIdentifiersReportCSVV2-style report for the two intermediates."""
    rows = [
        ["CA Owner", "Intermediate Certificate", "Subject", "Subject Key Identifier (Hex)",
         "Recognized CAA Domains"],
        ["Test CA One", "Test CA One R1", "CN=Test CA One R1; O=Test CA One; C=XX",
         ski(d, "ca1"), "ca-one.test"],
        ["Test CA Two", "Test CA Two R1", "CN=Test CA Two R1; O=Test CA Two; C=XX",
         ski(d, "ca2"), "ca-two.test, ca-two-alias.test"],
    ]
    def cell(v):
        return '"%s"' % v.replace('"', '""') if ("," in v or '"' in v or ";" in v) else v
    return "\r\n".join(",".join(cell(v) for v in row) for row in rows) + "\r\n"


def write_sources(d):
    with open(os.path.join(d, "crtsh.json"), "w") as f:
        json.dump(crtsh_records(d), f, indent=1)
    with open(os.path.join(d, "certspotter.json"), "w") as f:
        json.dump(certspotter_issuances(d), f)
    with open(os.path.join(d, "certspotter-caa.json"), "w") as f:
        json.dump(certspotter_issuances(d, caa_for_rogue=["rogue.test"]), f)
    with open(os.path.join(d, "ccadb.csv"), "w", newline="") as f:
        f.write(ccadb_csv(d))
