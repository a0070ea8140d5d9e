#!/usr/bin/env python3
"""Loads `caapol generate` output into the real DNS tools and compares what they read back
with the policy's records (tests/data/generate/rich.expected.json, written by hand); then
the same with records no policy file can hold (quotes, backslashes, line breaks, NUL,
separators, invalid UTF-8, hostile source-file names in the header: render_hostile.cpp),
which must come back as exactly the records given, byte for byte.

Usage: check_generated.py CAAPOL TESTS_DIR RENDER_HOSTILE CHECK
CHECK is one of: nsd-checkzone named-checkzone ldns-read-zone kzonecheck tinydns nsupdate
json octodns dnscontrol dnsmasq.

- zone tools: `zone` and `rfc3597` output, absolute and relative to --origin, wrapped in a
  minimal zone (SOA, NS, A); nsd-checkzone -p, named-checkzone -D and ldns-read-zone print
  the zone, which is parsed back. kzonecheck prints nothing, so it gets a negative control:
  the same zone with one broken CAA line must be refused.
- tinydns: tinydns-data builds data.cdb, tinydns-get 257 NAME answers from it.
- nsupdate: nsupdate runs the script against a stub server on 127.0.0.1 that decodes the
  UPDATE messages (and answers the SOA queries nsupdate sends to find the zone).
- json: Python's json; octodns: PyYAML (octoDNS's YAML parser); dnscontrol: node, with
  stub CAA()/TTL() functions; dnsmasq (not installed here): the dns-rr lines parsed back.
Exit 0 pass, 1 fail, 77 skip (a tool that scripts/install-deps does not install is missing).
"""
import json
import os
import re
import shutil
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading

ORIGIN = "example.com."
WRAPPER = """$ORIGIN example.com.
$TTL 3600
@ IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300
@ IN NS ns.example.com.
ns IN A 192.0.2.1
"""
SKIP = 77


class Failure(Exception):
    pass


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, timeout=60, **kwargs)


class Source:
    """What is generated and what the tools must read back: produce(format, origin) returns
    the output (origin: names relative to example.com), expected(format) the records as
    (name, ttl, flags, tag, value bytes), in generation order."""

    def __init__(self, label, produce, expected):
        self.label, self.produce, self.expected = label, produce, expected


def rich_policy(caapol, tests_dir):
    """rich.toml and rich-property.toml; dnscontrol refuses property tags, so it gets
    rich.toml alone (and check_dnscontrol makes sure both together are refused)."""
    data = os.path.join(tests_dir, "data", "generate")

    def files(fmt):
        names = ["rich.toml"] if fmt == "dnscontrol" else ["rich.toml", "rich-property.toml"]
        return [os.path.join(data, name) for name in names]

    def produce(fmt, origin):
        args = ["--format", fmt] + (["--origin", "example.com"] if origin else [])
        proc = run([caapol, "generate", *args, *files(fmt)])
        if proc.returncode != 0:
            raise Failure(f"caapol generate {' '.join(args)} exited {proc.returncode}: "
                          f"{proc.stderr.decode(errors='replace')}")
        return proc.stdout

    def expected(fmt):
        records = []
        for policy in files(fmt):
            with open(policy.replace(".toml", ".expected.json"), encoding="utf-8") as f:
                records += [(r["name"], r["ttl"], r["flags"], r["tag"], r["value"].encode())
                            for r in json.load(f)]
        return records

    source = Source("rich.toml", produce, expected)
    source.all_files = files("zone")
    return source


def hostile_values(render_hostile):
    """Records no policy file can hold (rendered by render_hostile from hand-built domains)."""

    def produce(fmt, origin):
        proc = run([render_hostile, fmt] + (["--origin"] if origin else []))
        if proc.returncode != 0:
            raise Failure(f"render_hostile {fmt} failed: {proc.stderr.decode()}")
        return proc.stdout

    def expected(fmt):
        proc = run([render_hostile, "--expected", fmt])
        records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        return [(r["name"], r["ttl"], r["flags"], r["tag"], bytes.fromhex(r["value_hex"]))
                for r in records]

    return Source("hostile values", produce, expected)


def compare(what, actual, expected):
    actual = [(*r[:4], bytes(r[4])) for r in actual]
    if sorted(actual) != sorted(expected):
        missing = [r for r in expected if r not in actual]
        unexpected = [r for r in actual if r not in expected]
        raise Failure(f"{what}: records differ from the policy\n  missing: {missing}\n"
                      f"  unexpected: {unexpected}")
    print(f"ok   {what}: {len(actual)} records match")


def parse_rdata(rdata):
    """CAA RDATA octets -> (flags, tag, value)."""
    if len(rdata) < 2 or 2 + rdata[1] > len(rdata):
        raise Failure(f"malformed CAA RDATA {rdata!r}")
    return rdata[0], rdata[2:2 + rdata[1]].decode("ascii"), rdata[2 + rdata[1]:]


# ---- presentation format (what the zone tools print) ----

def tokenize(text):
    """Zone-file text -> list of lines, each a list of (token, quoted) with escapes decoded;
    lines joined inside parentheses, comments dropped. A line starting with blanks gets an
    empty first token (same owner as the previous record)."""
    lines, current, depth = [], [], 0
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and depth == 0:
            at_line_start = False
            if c in " \t" and text[i:].split("\n", 1)[0].strip():
                current.append((b"", False))
        if c == "\n":
            if depth == 0:
                if current:
                    lines.append(current)
                current = []
                at_line_start = True
            i += 1
        elif c in " \t":
            i += 1
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        else:
            quoted = c == '"'
            if quoted:
                i += 1
            token = bytearray()
            while i < n:
                c = text[i]
                if quoted and c == '"':
                    i += 1
                    break
                if not quoted and (c in " \t\n;()"):
                    break
                if c == "\\":
                    if text[i + 1:i + 4].isdigit() and len(text[i + 1:i + 4]) == 3:
                        token.append(int(text[i + 1:i + 4]))
                        i += 4
                    else:
                        token += text[i + 1].encode()
                        i += 2
                    continue
                token += c.encode()
                i += 1
            current.append((bytes(token), quoted))
    if current:
        lines.append(current)
    return lines


def records_from_presentation(text, origin=ORIGIN):
    """CAA records (name, ttl, flags, tag, value) of zone-file text as the tools print it."""
    records, owner = [], None
    for line in tokenize(text):
        words = [t.decode("utf-8", errors="surrogateescape") if not q else t for t, q in line]
        if words[0] == "$ORIGIN":
            origin = words[1]
            continue
        if words[0] == "$TTL":
            continue
        if words[0] != "":
            owner = words[0]
            if owner == "@":
                owner = origin
            elif not owner.endswith("."):
                owner = owner + "." + origin
        rest = words[1:]
        ttl = None
        if rest and rest[0].isdigit():
            ttl = int(rest.pop(0))
        if rest and rest[0] == "IN":
            rest.pop(0)
        rtype = rest[0]
        if rtype == "CAA":
            flags, tag = int(rest[1]), rest[2]
            if len(rest) == 3:
                # ldns-read-zone prints nothing for an empty value read from generic RDATA.
                value = b""
            elif len(rest) == 4 and line[-1][1]:
                value = line[-1][0]
            else:
                raise Failure(f"unexpected CAA line {line}")
            records.append((owner.lower(), ttl, flags, tag, value))
        elif rtype in ("TYPE257",):
            if rest[1] != "\\#" and rest[1] != "#":
                raise Failure(f"unexpected TYPE257 form {rest}")
            rdata = bytes.fromhex("".join(rest[3:]))
            flags, tag, value = parse_rdata(rdata)
            records.append((owner.lower(), ttl, flags, tag, value))
    return records


def zone_variants(source):
    for fmt in ("zone", "rfc3597"):
        for origin in (False, True):
            label = f"{source.label}, --format {fmt}" + (" --origin example.com" if origin else "")
            yield label, fmt, WRAPPER + source.produce(fmt, origin).decode("ascii")


def check_zone_tool(tool, source, tmp):
    zone_file = os.path.join(tmp, "example.com.zone")
    for label, fmt, zone in zone_variants(source):
        expected = source.expected(fmt)
        with open(zone_file, "w", encoding="ascii") as f:
            f.write(zone)
        if tool == "nsd-checkzone":
            proc = run(["nsd-checkzone", "-p", "example.com", zone_file])
        elif tool == "named-checkzone":
            proc = run(["named-checkzone", "-q", "-D", "-o", "-", "example.com", zone_file])
        elif tool == "ldns-read-zone":
            proc = run(["ldns-read-zone", zone_file])
        else:
            proc = run(["kzonecheck", "-o", "example.com", zone_file])
        if proc.returncode != 0:
            raise Failure(f"{tool} refused {label} (exit {proc.returncode}):\n"
                          f"{proc.stdout.decode(errors='replace')}"
                          f"{proc.stderr.decode(errors='replace')}\n--- zone:\n{zone}")
        if tool == "kzonecheck":
            print(f"ok   {tool} accepts {label}")
            # Negative control: the same zone with one broken CAA line must be refused.
            with open(zone_file, "a", encoding="ascii") as f:
                f.write('broken 3600 IN CAA 256 issue "x"\n')
            if run(["kzonecheck", "-o", "example.com", zone_file]).returncode == 0:
                raise Failure("kzonecheck accepted a CAA record with flags 256")
            continue
        compare(f"{tool} on {label}", records_from_presentation(proc.stdout.decode()),
                expected)


# ---- tinydns ----

def unescape_tinydns(text):
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "\\":
            out.append(int(text[i + 1:i + 4], 8))
            i += 4
        else:
            out += text[i].encode()
            i += 1
    return bytes(out)


def check_tinydns(source, tmp):
    expected = source.expected("tinydns")
    data = ".example.com:192.0.2.1:a:300\n" + source.produce("tinydns", False).decode("ascii")
    with open(os.path.join(tmp, "data"), "w", encoding="ascii") as f:
        f.write(data)
    proc = run(["tinydns-data"], cwd=tmp)
    if proc.returncode != 0:
        raise Failure(f"tinydns-data refused the output: {proc.stderr.decode()}\n{data}")
    actual = []
    names = sorted({r[0] for r in expected} | {"www.example.com."})
    for name in names:
        proc = run(["tinydns-get", "257", name], cwd=tmp)
        out = proc.stdout.decode()
        if proc.returncode != 0 or "authoritative" not in out:
            raise Failure(f"tinydns-get 257 {name} did not answer:\n{out}")
        for line in out.splitlines():
            m = re.fullmatch(r"answer: (\S+) (\d+) 257 (\S*)", line)
            if m:
                flags, tag, value = parse_rdata(unescape_tinydns(m.group(3)))
                actual.append((m.group(1).lower() + ".", int(m.group(2)), flags, tag, value))
            elif line.startswith("answer:"):
                raise Failure(f"unexpected answer line: {line}")
    compare(f"{source.label}: tinydns-data + tinydns-get", actual, expected)


# ---- nsupdate against a stub server ----

def read_name(message, offset):
    labels, jumped, end = [], False, None
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if not jumped:
                end = offset + 2
            offset = struct.unpack("!H", message[offset:offset + 2])[0] & 0x3FFF
            jumped = True
            continue
        offset += 1
        if length == 0:
            break
        labels.append(message[offset:offset + length].decode("ascii").lower())
        offset += length
    return ".".join(labels) + ".", (end if jumped else offset)


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


class StubState:
    def __init__(self):
        self.updates = []  # one entry per UPDATE message: (zone, [rr, ...])
        self.lock = threading.Lock()


def handle_message(message, state):
    ident, flags, qd, an, ns, ar = struct.unpack("!6H", message[:12])
    opcode = (flags >> 11) & 0xF
    offset = 12
    qname, offset = read_name(message, offset)
    qtype, qclass = struct.unpack("!HH", message[offset:offset + 4])
    question_end = offset + 4
    if opcode == 5:  # UPDATE: zone section, prerequisites, updates
        rrs = []
        offset = question_end
        for _ in range(an + ns):
            name, offset = read_name(message, offset)
            rtype, rclass, ttl, rdlength = struct.unpack("!HHIH", message[offset:offset + 10])
            offset += 10
            rrs.append((name, rtype, rclass, ttl, message[offset:offset + rdlength]))
            offset += rdlength
        with state.lock:
            state.updates.append((qname, rrs))
        header = struct.pack("!6H", ident, 0x8000 | (5 << 11), 1, 0, 0, 0)
        return header + message[12:question_end]
    # QUERY (nsupdate looks for the zone's SOA): authoritative NODATA with the SOA.
    soa = (encode_name("ns.example.com.") + encode_name("hostmaster.example.com.") +
           struct.pack("!5I", 1, 3600, 600, 86400, 300))
    soa_rr = encode_name(ORIGIN) + struct.pack("!HHIH", 6, 1, 300, len(soa)) + soa
    if qname == ORIGIN and qtype == 6:
        header = struct.pack("!6H", ident, 0x8400 | (flags & 0x0100), 1, 1, 0, 0)
    else:
        header = struct.pack("!6H", ident, 0x8400 | (flags & 0x0100), 1, 0, 1, 0)
    return header + message[12:question_end] + soa_rr


def start_stub(state):
    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            sock.sendto(handle_message(data, state), self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            while True:
                head = self.request.recv(2, socket.MSG_WAITALL)
                if len(head) < 2:
                    return
                length = struct.unpack("!H", head)[0]
                reply = handle_message(self.request.recv(length, socket.MSG_WAITALL), state)
                self.request.sendall(struct.pack("!H", len(reply)) + reply)

    udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Udp)
    port = udp.server_address[1]
    tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
    for server in (udp, tcp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return port, (udp, tcp)


def check_nsupdate(source, tmp):
    expected = source.expected("nsupdate")
    all_names = sorted({r[0] for r in expected} | {"www.example.com."})
    for origin in (True, False):
        label = f"{source.label}: nsupdate" + (" --origin example.com" if origin else "")
        state = StubState()
        port, servers = start_stub(state)
        try:
            script = source.produce("nsupdate", origin).decode("ascii")
            proc = run(["nsupdate", "-t", "10"],
                       input=f"server 127.0.0.1 {port}\n{script}".encode())
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
        if proc.returncode != 0:
            raise Failure(f"{label}: nsupdate failed (exit {proc.returncode}):\n"
                          f"{proc.stdout.decode()}{proc.stderr.decode()}\n{script}")
        messages = state.updates
        wanted = 1 if origin else len(all_names)
        if len(messages) != wanted:
            raise Failure(f"{label}: {len(messages)} UPDATE messages, expected {wanted}")
        actual, deleted = [], []
        for zone, rrs in messages:
            if zone != ORIGIN:
                raise Failure(f"{label}: UPDATE for zone {zone}")
            for name, rtype, rclass, ttl, rdata in rrs:
                if rtype != 257:
                    raise Failure(f"{label}: update of type {rtype} at {name}")
                if rclass == 255 and not rdata:  # delete the RRset
                    if any(r[0] == name for r in actual):
                        raise Failure(f"{label}: {name} deleted after its records were added")
                    deleted.append(name)
                elif rclass == 1:
                    if name not in deleted:
                        raise Failure(f"{label}: {name} added before its RRset was deleted")
                    actual.append((name, ttl, *parse_rdata(rdata)))
                else:
                    raise Failure(f"{label}: unexpected class {rclass} at {name}")
        if sorted(deleted) != all_names:
            raise Failure(f"{label}: deleted {sorted(deleted)}, expected {all_names}")
        compare(label + " (UPDATE messages decoded)", actual, expected)
    # Negative control: nsupdate refuses a malformed line before sending anything.
    proc = run(["nsupdate"], input=b"server 127.0.0.1 9\nupdate add x.example.com. 1 CAA 256 "
                                   b"issue \"x\"\nsend\n")
    if proc.returncode == 0 or b"syntax error" not in proc.stderr:
        raise Failure("nsupdate accepted CAA flags 256: the syntax check proves nothing")


# ---- structured formats ----

def check_json(source, tmp):
    expected = source.expected("json")
    document = json.loads(source.produce("json", False))
    if set(document) != {"version", "records"} or document["version"] != 1:
        raise Failure(f"unexpected top level: {list(document)}")
    actual = []
    for r in document["records"]:
        if set(r) != {"name", "ttl", "flags", "tag", "value"}:
            raise Failure(f"unexpected keys {list(r)}")
        actual.append((r["name"], r["ttl"], r["flags"], r["tag"], r["value"].encode()))
    compare(f"{source.label}: json", actual, expected)
    # Domains in DNS canonical order (RFC 4034 6.1), each domain's records in policy order.
    in_order = sorted(expected, key=lambda r: list(reversed(r[0].rstrip(".").split("."))))
    if actual != in_order:
        raise Failure("json records are not in the policy's order")


def check_octodns(source, tmp):
    expected = source.expected("octodns")
    try:
        import yaml
    except ImportError:
        print("skip: PyYAML (python3-yaml) is not installed")
        sys.exit(SKIP)
    text = source.produce("octodns", True)
    # octoDNS's YAML loader (enforce_order, on by default) refuses mapping keys that are not
    # in natsort order: check every mapping the way it does.
    try:
        import natsort
        natural_key = natsort.natsort_keygen()
    except ImportError:
        def natural_key(key):
            parts = re.split(r"(\d+)", key)
            return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))

    def check_order(node):
        if isinstance(node, yaml.MappingNode):
            keys = [k.value for k, _ in node.value]
            if keys != sorted(keys, key=natural_key):
                raise Failure(f"keys out of octoDNS's order: {keys}")
            for _, value in node.value:
                check_order(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                check_order(item)

    check_order(yaml.compose(text))
    zone = yaml.safe_load(text)
    actual = []
    for key, record in zone.items():
        name = ORIGIN if key == "" else f"{key}.{ORIGIN}"
        if set(record) != {"type", "ttl", "values"} or record["type"] != "CAA":
            raise Failure(f"unexpected record at {key!r}: {record}")
        for value in record["values"]:
            actual.append((name, record["ttl"], value["flags"], value["tag"],
                           value["value"].encode()))
    compare(f"{source.label}: octodns (PyYAML)", actual, expected)


NODE_HARNESS = r"""
const vm = require('vm');
const fs = require('fs');
const context = {
  CAA_CRITICAL: {critical: true},
  TTL: (n) => ({ttl: n}),
  CAA: (label, tag, value, ...modifiers) => ({label, tag, value, modifiers}),
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[2], 'utf8'), context);
// var declarations become properties of the context
process.stdout.write(JSON.stringify(context.CAA_RECORDS));
"""


def check_dnscontrol(source, tmp):
    expected = source.expected("dnscontrol")
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        print("skip: node (nodejs) is not installed")
        sys.exit(SKIP)
    script = os.path.join(tmp, "caa.js")
    with open(script, "wb") as f:
        f.write(source.produce("dnscontrol", True))
    harness = os.path.join(tmp, "harness.js")
    with open(harness, "w", encoding="utf-8") as f:
        f.write(NODE_HARNESS)
    proc = run([node, harness, script])
    if hasattr(source, "all_files"):
        refused = run([sys.argv[1], "generate", "--format", "dnscontrol", "--origin",
                       "example.com", *source.all_files])
        if refused.returncode != 2 or b"DNSControl refuses CAA tag" not in refused.stderr:
            raise Failure("dnscontrol output was written for property tags DNSControl refuses")
    if proc.returncode != 0:
        raise Failure(f"node could not run the output: {proc.stderr.decode()}")
    actual = []
    for record in json.loads(proc.stdout):
        name = ORIGIN if record["label"] == "@" else f"{record['label']}.{ORIGIN}"
        flags, ttl = 0, None
        for modifier in record["modifiers"]:
            if modifier.get("critical"):
                flags = 128
            elif "ttl" in modifier:
                ttl = modifier["ttl"]
            else:
                raise Failure(f"unexpected modifier {modifier}")
        actual.append((name, ttl, flags, record["tag"], record["value"].encode()))
    compare(f"{source.label}: dnscontrol (node)", actual, expected)


def check_dnsmasq(source, tmp):
    expected = source.expected("dnsmasq")
    text = source.produce("dnsmasq", False).decode("ascii")
    actual, ttl_of = [], {r[0]: r[1] for r in expected}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.fullmatch(r"dns-rr=([a-z0-9._-]+),257,((?:[0-9a-f]{2}:)*[0-9a-f]{2})", line)
        if not m:
            raise Failure(f"not a dns-rr line: {line}")
        name = m.group(1) + "."
        # dns-rr has no TTL; take the policy's so that the rest is compared.
        actual.append((name, ttl_of.get(name), *parse_rdata(bytes.fromhex(
            m.group(2).replace(":", "")))))
    compare(f"{source.label}: dnsmasq dns-rr lines", actual, expected)


def main():
    caapol, tests_dir = os.path.abspath(sys.argv[1]), sys.argv[2]
    render_hostile, check = os.path.abspath(sys.argv[3]), sys.argv[4]
    tools = {"nsd-checkzone": "nsd-checkzone", "named-checkzone": "named-checkzone",
             "ldns-read-zone": "ldns-read-zone", "kzonecheck": "kzonecheck",
             "tinydns": "tinydns-data", "nsupdate": "nsupdate"}
    os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    if check in tools and not shutil.which(tools[check]):
        print(f"FAIL: {tools[check]} is not installed (scripts/install-deps installs it)")
        sys.exit(1)
    checks = {"tinydns": check_tinydns, "nsupdate": check_nsupdate, "json": check_json,
              "octodns": check_octodns, "dnscontrol": check_dnscontrol,
              "dnsmasq": check_dnsmasq}
    for name in ("nsd-checkzone", "named-checkzone", "ldns-read-zone", "kzonecheck"):
        checks[name] = lambda source, tmp, tool=name: check_zone_tool(tool, source, tmp)
    for source in (rich_policy(caapol, tests_dir), hostile_values(render_hostile)):
        with tempfile.TemporaryDirectory(prefix="caapol-tools-") as tmp:
            try:
                checks[check](source, tmp)
            except Failure as e:
                print(f"FAIL {check} ({source.label}): {e}")
                sys.exit(1)


if __name__ == "__main__":
    main()
