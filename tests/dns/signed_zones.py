"""Signed test zones, built at test time with ldns-keygen and ldns-signzone (ldnsutils).

build(directory) writes a zone tree under the test apex `example` and returns a dict:
  zones: {zone name: signed (or plain) zone file}
  anchor: a trust anchor file (the DS of `example`, Unbound's trust-anchor-file format)
  now: the Unix time the signatures were made around

The tree (every child delegated from `example`, all served by one NSD):
  example             NSEC, ECDSAP256SHA256: CAA at the apex, www (NODATA), nx (NXDOMAIN),
                      alias CNAME changed.example (a CNAME into a bogus zone),
                      *.wild CAA (wildcard answers), dname DNAME n3.example
  n3.example          NSEC3, RSASHA256, secure delegation: CAA, www, nx
  optout.example      NSEC3 opt-out, ED25519: CAA, ins.optout.example delegated without DS
  ins.optout.example  unsigned (insecure through the opt-out span)
  nods.example        unsigned, delegated without DS (insecure, proven by the parent's NSEC)
  wrongds.example     signed with a key the parent's DS does not match
  expired.example     the CAA RRSIG expired
  future.example      the CAA RRSIG not yet valid
  changed.example     the CAA RRset edited after signing
  missing.example     the CAA RRSIG removed (RSASHA512)
  expiring.example    the CAA RRSIG expires in 2 days (ECDSAP384SHA384)
"""

import glob
import os
import subprocess
import time

DAY = 86400


def stamp(t):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


def keygen(directory, zone, algorithm):
    args = ["ldns-keygen", "-a", algorithm, "-k"]
    if algorithm.startswith("RSA"):
        args += ["-b", "1024" if algorithm == "RSASHA256" else "2048"]
    out = subprocess.run(args + [zone], cwd=directory, capture_output=True, text=True,
                         check=True)
    return os.path.join(directory, out.stdout.strip())


def sign(directory, zone, path, key, inception, expiration, extra=()):
    out = path + ".signed"
    subprocess.run(["ldns-signzone", "-i", stamp(inception), "-e", stamp(expiration), *extra,
                    "-f", out, "-o", zone, path, key], cwd=directory, check=True,
                   capture_output=True, text=True)
    with open(out) as f:
        return f.read().splitlines()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def zone_text(zone, body):
    return (f"$ORIGIN {zone}.\n$TTL 300\n"
            f"@ SOA ns.example. hostmaster.example. 1 3600 600 86400 300\n"
            f"@ NS ns.example.\n" + body)


def is_rrsig_over(line, owner, covered):
    parts = line.split()
    return (len(parts) > 5 and parts[0].lower() == owner and parts[3] == "RRSIG"
            and parts[4] == covered)


def replace_rrsig(lines, owner, covered, replacement_lines):
    """The RRSIG over (owner, covered) of `lines` swapped for the one of replacement_lines."""
    new = [l for l in replacement_lines if is_rrsig_over(l, owner, covered)]
    out = [l for l in lines if not is_rrsig_over(l, owner, covered)]
    return out + new


def ds_line(key):
    with open(key + ".ds") as f:
        return f.read().strip()


def build(directory):
    now = int(time.time())
    good = (now - DAY, now + 30 * DAY)
    zones = {}
    keys = {}

    def child(zone, algorithm, body, extra=(), edit=None):
        path = write(os.path.join(directory, zone + ".zone"), zone_text(zone, body))
        key = keygen(directory, zone, algorithm)
        keys[zone] = key
        lines = sign(directory, zone, path, key, *good, extra=extra)
        if edit:
            lines = edit(zone, path, key, lines)
        zones[zone] = write(path + ".final", "\n".join(lines) + "\n")

    caa = '@ CAA 0 issue "ca.example"\nwww A 127.0.0.1\n'
    child("n3.example", "RSASHA256", caa, extra=("-n", "-t", "0"))
    child("optout.example", "ED25519", caa + "ins NS ns.example.\n",
          extra=("-n", "-p", "-t", "0"))
    zones["ins.optout.example"] = write(
        os.path.join(directory, "ins.optout.example.zone"),
        zone_text("ins.optout.example", '@ CAA 0 issue "ca.example"\n'))
    zones["nods.example"] = write(os.path.join(directory, "nods.example.zone"),
                                  zone_text("nods.example", '@ CAA 0 issue "ca.example"\n'))
    child("wrongds.example", "ECDSAP256SHA256", caa)
    unused = keygen(directory, "wrongds.example", "ECDSAP256SHA256")

    def resign(inception, expiration):
        def edit(zone, path, key, lines):
            other = sign(directory, zone, path, key, inception, expiration)
            return replace_rrsig(lines, zone + ".", "CAA", other)
        return edit

    child("expired.example", "ECDSAP256SHA256", caa, edit=resign(now - 40 * DAY, now - 5 * DAY))
    child("future.example", "ECDSAP256SHA256", caa, edit=resign(now + 5 * DAY, now + 40 * DAY))
    child("expiring.example", "ECDSAP384SHA384", caa, edit=resign(now - DAY, now + 2 * DAY))

    def change(zone, path, key, lines):
        return [l.replace('"ca.example"', '"evil.example"')
                if len(l.split()) > 3 and l.split()[3] == "CAA" else l for l in lines]

    child("changed.example", "ECDSAP256SHA256", caa, edit=change)

    def drop(zone, path, key, lines):
        return [l for l in lines if not is_rrsig_over(l, zone + ".", "CAA")]

    child("missing.example", "RSASHA512", caa, edit=drop)

    delegations = ""
    for zone in ("n3", "optout", "nods", "wrongds", "expired", "future", "changed", "missing",
                 "expiring"):
        delegations += f"{zone} NS ns.example.\n"
        full = zone + ".example"
        if full == "wrongds.example":
            delegations += ds_line(unused) + "\n"
        elif full in keys:
            delegations += ds_line(keys[full]) + "\n"
    body = ('ns A 127.0.0.1\n@ CAA 0 issue "ca.example"\nwww A 127.0.0.1\n'
            "alias CNAME changed.example.\n*.wild CAA 0 issue \"ca.example\"\n"
            "dname DNAME n3.example.\n" + delegations)
    child("example", "ECDSAP256SHA256", body)
    anchor = write(os.path.join(directory, "anchor.ds"), ds_line(keys["example"]) + "\n")
    for leftover in glob.glob(os.path.join(directory, "*.signed")):
        os.remove(leftover)
    return {"zones": zones, "anchor": anchor, "now": now}
