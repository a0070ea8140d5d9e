#!/usr/bin/env python3
"""A deliberately misbehaving DNS server for tests (loopback only).

It answers as a recursive resolver would (RA set), with a behaviour chosen by the first label
of the query name under the zone `hostile.test`:
  ok          a valid CAA RRset (0 issue "ca.example")
  servfail    RCODE SERVFAIL            refused    RCODE REFUSED
  garbage     random bytes              wrongid    a valid answer with the wrong message ID
  otherq      an answer to another question name
  tc          TC=1 over UDP; garbage over TCP
  overrun     CAA RDATA whose tag length overruns the RDATA
  loop1/loop2 CNAMEs to each other      chainN     chainN CNAME chainN+1 (endless)
  control     CAA values holding control characters, quotes, NUL, newlines and ESC
  ctlalias    a CNAME to a name holding a newline and ESC, with that name's CAA set
  big         1,500 CAA records: TC=1 over UDP, the full RRset over TCP
  late        a valid answer, sent 3 seconds late
  silent      never answered
Forgeries (each answer claims 0 issue "evil.example"; none may ever be accepted):
  otherport   the right answer, sent from another port of the same address (UDP)
  spray       2,000 answers with wrong IDs from the right port, never the right one (UDP)
  wrongcase   the right ID and port, the question's letter case swapped (UDP)
And a server that does not echo case (0x20):
  lowercase   a valid CAA set (0 issue "ca.example"), the question name sent back in lower case
Every UDP query is recorded in `queries` as (question name as sent, source port, ID).
Other names: NOERROR with no data (so climbing continues to the parent).

As a module: `with HostileResponder() as r: r.endpoint` ("127.0.0.1@PORT").
As a script: `hostile_responder.py [PORT]` serves until interrupted.
"""
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time

ZONE = "hostile.test"


def encode_name(name):
    wire = b""
    for label in name.rstrip(".").split("."):
        if label:
            wire += bytes([len(label)]) + label.encode()
    return wire + b"\x00"


def parse_question(query):
    """(id, flags, qname, qtype, end offset of the question) or None."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack(">HHH", query[:6])
    if qdcount != 1:
        return None
    labels, i = [], 12
    while i < len(query):
        length = query[i]
        i += 1
        if length == 0:
            break
        if length > 63 or i + length > len(query):
            return None
        labels.append(query[i:i + length].decode("ascii", "replace"))
        i += length
    if i + 4 > len(query):
        return None
    qtype, _ = struct.unpack(">HH", query[i:i + 4])
    return qid, flags, ".".join(labels).lower(), qtype, i + 4


def caa_rdata(flags, tag, value):
    return bytes([flags, len(tag)]) + tag + value


def rr(owner_wire, rtype, rdata, ttl=300):
    return owner_wire + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def message(qid, query_flags, question, answers, rcode=0, tc=False):
    flags = 0x8000 | 0x0080 | (query_flags & 0x0100) | rcode  # QR, RA, copy RD
    if tc:
        flags |= 0x0200
    header = struct.pack(">HHHHHH", qid, flags, 1, len(answers), 0, 0)
    return header + question + b"".join(answers)


def respond(query, over_tcp):
    """The bytes to send back (None: stay silent; ("late", bytes): send later)."""
    parsed = parse_question(query)
    if parsed is None:
        return None
    qid, qflags, qname, qtype, end = parsed
    question = query[12:end]
    owner = b"\xc0\x0c"  # pointer to the question name
    label = qname[: -len(ZONE) - 1] if qname.endswith("." + ZONE) else ""
    label = label.split(".")[-1] if label else ""

    def ok(answers, rcode=0, tc=False):
        return message(qid, qflags, question, answers, rcode, tc)

    if label == "ok":
        return ok([rr(owner, 257, caa_rdata(0, b"issue", b"ca.example"))] if qtype == 257 else [])
    if label == "servfail":
        return ok([], rcode=2)
    if label == "refused":
        return ok([], rcode=5)
    if label == "garbage":
        return os.urandom(random.randint(1, 600))
    if label == "wrongid":
        return message((qid + 1) & 0xFFFF, qflags, question,
                       [rr(owner, 257, caa_rdata(0, b"issue", b"ca.example"))])
    if label == "otherq":
        other = encode_name("elsewhere." + ZONE) + struct.pack(">HH", qtype, 1)
        return message(qid, qflags, other,
                       [rr(b"\xc0\x0c", 257, caa_rdata(0, b"issue", b"ca.example"))])
    if label == "tc":
        return os.urandom(200) if over_tcp else ok([], tc=True)
    if label == "overrun":
        return ok([rr(owner, 257, b"\x00\x30iss")])
    if label in ("loop1", "loop2"):
        target = "loop2" if label == "loop1" else "loop1"
        return ok([rr(owner, 5, encode_name(f"{target}.{ZONE}"))])
    if label.startswith("chain") and label[5:].isdigit():
        target = f"chain{int(label[5:]) + 1}.{ZONE}"
        return ok([rr(owner, 5, encode_name(target))])
    if label == "control":
        values = [b"ca.example; x=\x1b[31mred", b"a\"quoted\"\\value", b"nul\x00byte",
                  b"new\nline\r\n0 issue \"evil.example\""]
        return ok([rr(owner, 257, caa_rdata(0, b"issue", v)) for v in values]
                  if qtype == 257 else [])
    if label == "ctlalias":
        target = b"\x0dbad\n\x1b[31mname" + encode_name(ZONE)
        return ok([rr(owner, 5, target), rr(target, 257, caa_rdata(0, b"issue", b"cdn.example"))]
                  if qtype == 257 else [])
    if label == "big":
        if not over_tcp:
            return ok([], tc=True)
        return ok([rr(owner, 257, caa_rdata(0, b"issue", f"ca{i}.example".encode()))
                   for i in range(1500)])
    if label == "late":
        return ("late", ok([rr(owner, 257, caa_rdata(0, b"issue", b"ca.example"))]))
    if label == "silent":
        return None
    evil = [rr(owner, 257, caa_rdata(0, b"issue", b"evil.example"))] if qtype == 257 else []
    if label == "otherport" and not over_tcp:
        return ("otherport", ok(evil))
    if label == "spray" and not over_tcp:
        ids = random.sample([i for i in range(65536) if i != qid], 2000)
        return ("many", [message(i, qflags, question, evil) for i in ids])
    if label == "wrongcase" and not over_tcp:
        swapped = bytes(c ^ 0x20 if chr(c).isalpha() else c for c in question[:-4]) + \
            question[-4:]
        return message(qid, qflags, swapped, evil)
    if label == "lowercase":
        lowered = question[:-4].lower() + question[-4:]
        good = [rr(owner, 257, caa_rdata(0, b"issue", b"ca.example"))] if qtype == 257 else []
        return message(qid, qflags, lowered, good)
    return ok([])


class HostileResponder:
    def __init__(self, address="127.0.0.1", port=0):
        self.address = address

        class TcpHandler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                try:
                    while True:
                        head = self.request.recv(2)
                        if len(head) < 2:
                            return
                        (length,) = struct.unpack(">H", head)
                        query = b""
                        while len(query) < length:
                            chunk = self.request.recv(length - len(query))
                            if not chunk:
                                return
                            query += chunk
                        answer = respond(query, True)
                        if isinstance(answer, tuple):
                            time.sleep(3)
                            answer = answer[1]
                        if answer is None:
                            continue
                        self.request.sendall(struct.pack(">H", len(answer)) + answer)
                except OSError:
                    return

        class TcpServer(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        # UDP and TCP need the same port: a port the kernel picked for UDP may be taken for
        # TCP, so try again with another one.
        for attempt in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((address, port))
            self.port = self.udp.getsockname()[1]
            try:
                self.tcp = TcpServer((address, self.port), TcpHandler)
                break
            except OSError:
                self.udp.close()
                if port != 0 or attempt == 49:
                    raise
        # A second socket on the same address, for answers from the wrong port.
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind((address, 0))
        self.queries = []
        self.stopping = False
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self.tcp.serve_forever, daemon=True)]

    @property
    def endpoint(self):
        return f"{self.address}@{self.port}"

    def _serve_udp(self):
        self.udp.settimeout(0.2)
        while not self.stopping:
            try:
                query, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            parsed = parse_question(query)
            if parsed is not None:
                raw = query[12:parsed[4] - 4]
                self.queries.append((raw, peer[1], parsed[0]))
            answer = respond(query, False)
            if isinstance(answer, tuple) and answer[0] == "otherport":
                self.other.sendto(answer[1], peer)
            elif isinstance(answer, tuple) and answer[0] == "many":
                for datagram in answer[1]:
                    self.udp.sendto(datagram, peer)
            elif isinstance(answer, tuple):
                threading.Timer(3.0, self._send_late, (answer[1], peer)).start()
            elif answer is not None:
                try:
                    self.udp.sendto(answer, peer)
                except OSError:
                    pass

    def _send_late(self, answer, peer):
        try:
            self.udp.sendto(answer, peer)
        except OSError:
            pass

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.tcp.shutdown()
        self.tcp.server_close()
        self.udp.close()
        self.other.close()
        return False


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with HostileResponder(port=port) as r:
        print(f"hostile responder on {r.endpoint}", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
