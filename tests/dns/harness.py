#!/usr/bin/env python3
"""Real DNS servers on loopback for tests, the demo and benchmarks.

Starts NSD (authoritative) and Unbound (recursive, stub zones to NSD) on 127.0.0.x or ::1 high
ports chosen free at run time, waits until they answer, and stops them by PID (reaping them)
afterwards, also when the test fails. Everything lives in a temporary directory.

As a module:
    from harness import DnsServers
    with DnsServers() as dns:
        nsd = dns.start_nsd({"example.test": "zones/example.test.zone"})   # -> Nsd (address, port)
        unbound = dns.start_unbound({"example.test": [nsd.endpoint]})      # -> "127.0.0.1@PORT"
        v6 = dns.start_nsd({...}, address="::1")  # IPv6 loopback: check ipv6_unavailable() first
        ...
As a script (for shell scripts: prints "nsd ADDR@PORT" and "resolver ADDR@PORT" lines, then
serves until its standard input closes or it gets SIGTERM):
    harness.py serve [--nsd-address 127.0.0.1|::1] [--resolver-address 127.0.0.1|::1] [--port N]
                     ZONE=FILE... [--stub ZONE=ADDR@PORT]
"""
import argparse
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"
NAMED = shutil.which("named") or "/usr/sbin/named"


def port_is_free(address, port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, kind)
        try:
            s.bind((address, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def ipv6_unavailable():
    """None when UDP and TCP sockets can be bound to ::1 (IPv6 loopback), else why not.
    CAAPOL_TEST_NO_IPV6=1 pretends it is unavailable (to check that tests skip cleanly)."""
    if os.environ.get("CAAPOL_TEST_NO_IPV6"):
        return "CAAPOL_TEST_NO_IPV6 is set"
    if not socket.has_ipv6:
        return "Python was built without IPv6 support"
    for kind, label in ((socket.SOCK_DGRAM, "UDP"), (socket.SOCK_STREAM, "TCP")):
        try:
            with socket.socket(socket.AF_INET6, kind) as s:
                s.bind(("::1", 0))
        except OSError as e:
            return f"cannot bind a {label} socket to ::1 (IPv6 loopback): {e}"
    return None


def free_port(addresses=("127.0.0.1",)):
    """A port free for UDP and TCP on every address given."""
    for _ in range(200):
        port = random.randint(20000, 60000)
        if all(port_is_free(a, port) for a in addresses):
            return port
    raise RuntimeError("no free port found")


def dns_query(name, qtype=6, rd=True, qid=None):
    qid = random.randint(0, 65535) if qid is None else qid
    wire = struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        if label:
            wire += bytes([len(label)]) + label.encode()
    return wire + b"\x00" + struct.pack(">HH", qtype, 1)


def answers(address, port, name, qtype=6, rd=True, timeout=0.2):
    """True when the server at address:port answers a query (any RCODE) over UDP."""
    s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        query = dns_query(name, qtype, rd)
        s.sendto(query, (address, port))
        data, _ = s.recvfrom(65535)
        return data[:2] == query[:2]
    except OSError:
        return False
    finally:
        s.close()


def rcode(address, port, name, qtype=6, rd=True, timeout=2.0):
    s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(dns_query(name, qtype, rd), (address, port))
        data, _ = s.recvfrom(65535)
        return data[3] & 0x0F
    except OSError:
        return None
    finally:
        s.close()


class Nsd:
    def __init__(self, address, port, process, probe):
        self.address, self.port, self.process, self.probe = address, port, process, probe

    @property
    def endpoint(self):
        return f"{self.address}@{self.port}"


class DnsServers:
    """Context manager owning every server it starts; all are stopped on exit."""

    def __init__(self, keep_dir=False):
        self.keep_dir = keep_dir
        self.dir = None
        self.processes = []
        self.count = 0

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="caapol-dns-")
        return self

    def __exit__(self, *exc):
        self.stop_all()
        if not self.keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def stop_all(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()  # reap: PID 1 here does not
        self.processes = []

    def _subdir(self, kind):
        self.count += 1
        path = os.path.join(self.dir, f"{kind}{self.count}")
        os.makedirs(path)
        return path

    def _prepare(self, kind, address, port):
        """A free port (or the one asked, checked), and a directory, config and log path of
        its own for one server."""
        port = port or free_port((address,))
        if not port_is_free(address, port):
            raise RuntimeError(f"{address}@{port} is in use")
        d = self._subdir(kind)
        return port, d, os.path.join(d, kind + ".conf"), os.path.join(d, kind + ".log")

    def _launch(self, conf, lines, checker, argv, log):
        """Writes the config, has the server's own checker accept it, starts the server in
        the foreground (stopped by stop_all)."""
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        check = subprocess.run([checker, conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(checker + ": " + check.stdout + check.stderr)
        with open(log + ".out", "w") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def _wait_ready(self, process, address, port, probe, log, rd):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n" + _tail(log))
            if answers(address, port, probe, rd=rd):
                return
            time.sleep(0.05)
        raise RuntimeError(f"server on {address}@{port} did not answer in 20 s:\n" + _tail(log))

    def start_nsd(self, zones, address="127.0.0.1", port=None):
        """zones: {zone name: zone file}. Listens on `address` only (127.0.0.x or ::1).
        Returns an Nsd."""
        port, d, conf, log = self._prepare("nsd", address, port)
        lines = [
            "server:",
            f"  ip-address: {address}@{port}",
            "  port: %d" % port,
            "  server-count: 1",
            '  database: ""',
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{d}"',
            f'  zonelistfile: "{d}/zone.list"',
            f'  xfrdfile: "{d}/xfrd.state"',
            f'  xfrdir: "{d}"',
            f'  pidfile: "{d}/nsd.pid"',
            f'  logfile: "{log}"',
            "  rrl-ratelimit: 0",
            "  rrl-whitelist-ratelimit: 0",
            "  verbosity: 1",
            "remote-control:",
            "  control-enable: no",
        ]
        for name, path in zones.items():
            lines += ["zone:", f"  name: {name}", f'  zonefile: "{os.path.abspath(path)}"']
        process = self._launch(conf, lines, "nsd-checkconf", [NSD, "-d", "-c", conf], log)
        probe = next(iter(zones))
        self._wait_ready(process, address, port, probe, log, rd=False)
        return Nsd(address, port, process, probe)

    def start_unbound(self, stubs, address="127.0.0.1", port=None, trust_anchor=None,
                      raw=False, extra=()):
        """stubs: {zone: [ADDR@PORT, ...]} (IPv4 or IPv6 addresses). Listens on `address`
        (127.0.0.x or ::1). Returns "ADDR@PORT" of the resolver. trust_anchor: a DS/DNSKEY
        file: Unbound validates from it (bogus answers become SERVFAIL with an extended
        error); raw: no validator module at all (answers passed through with their RRSIGs, for
        a validator of caapol's own); otherwise every stub zone is domain-insecure. `extra`:
        more "server:" lines ("serve-original-ttl: yes")."""
        port, d, conf, log = self._prepare("unbound", address, port)
        lines = [
            "server:",
            f"  interface: {address}@{port}",
            "  do-not-query-localhost: no",
            '  username: ""',
            '  chroot: ""',
            f'  directory: "{d}"',
            f'  pidfile: "{d}/unbound.pid"',
            f'  logfile: "{log}"',
            "  use-syslog: no",
            "  num-threads: 1",
            "  verbosity: 1",
            "  access-control: 127.0.0.0/8 allow",
            "  access-control: ::1 allow",
            # IPv6 both ways: listening on ::1, and stub zones served on ::1.
            "  do-ip6: yes",
            "  harden-referral-path: no",
            "  qname-minimisation: no",
            "  minimal-responses: no",
            "  outbound-msg-retry: 1",
            "  infra-cache-min-rtt: 50",
            "  outgoing-range: 1024",
            "  num-queries-per-thread: 512",
            "  msg-cache-size: 64m",
            "  rrset-cache-size: 64m",
            "  unwanted-reply-threshold: 0",
        ]
        lines += ["  " + line for line in extra]
        # Nothing outside the test zones is resolved: no query can leave the machine.
        lines.append('  local-zone: "." refuse')
        if raw:
            lines.append('  module-config: "iterator"')
        elif trust_anchor:
            lines += ['  module-config: "validator iterator"',
                      f'  trust-anchor-file: "{os.path.abspath(trust_anchor)}"',
                      "  ede: yes", "  val-log-level: 2", "  aggressive-nsec: no"]
        for zone in stubs:
            if not trust_anchor and not raw:
                lines.append(f"  domain-insecure: {zone}")
            lines.append(f'  local-zone: "{zone}." transparent')
        lines += ["remote-control:", "  control-enable: no"]
        for zone, addresses in stubs.items():
            lines += ["stub-zone:", f"  name: {zone}"]
            lines += [f"  stub-addr: {a}" for a in addresses]
        process = self._launch(conf, lines, "unbound-checkconf", [UNBOUND, "-d", "-c", conf], log)
        self._wait_ready(process, address, port, next(iter(stubs)), log, rd=True)
        return f"{address}@{port}"


    def start_named(self, zones, address="127.0.0.1", port=None):
        """BIND named as a primary that takes dynamic updates (RFC 2136) and zone transfers
        from 127.0.0.1, for applying `verify --fix nsupdate` scripts. zones: {zone name: zone
        file}; the files are copied (named writes journals beside them). Returns an Nsd (the
        same address/port/endpoint shape) once every zone answers its SOA with NOERROR."""
        port, d, conf, log = self._prepare("named", address, port)
        lines = [
            "options {",
            f'  directory "{d}";',
            f"  listen-on port {port} {{ {address}; }};",
            "  listen-on-v6 { none; };",
            "  recursion no;",
            f'  pid-file "{d}/named.pid";',
            f'  session-keyfile "{d}/session.key";',
            f'  managed-keys-directory "{d}";',
            "  dnssec-validation no;",
            "  notify no;",
            "  allow-transfer { 127.0.0.1; };",
            "};",
            "controls { };",  # no rndc channel on port 953
            "logging { channel l { file \"" + log + "\"; severity info; }; "
            "category default { l; }; };",
        ]
        for name, path in zones.items():
            copy = os.path.join(d, name + ".zone")
            shutil.copyfile(path, copy)
            lines += [f'zone "{name}" {{', "  type primary;", f'  file "{copy}";',
                      "  allow-update { 127.0.0.1; };", "};"]
        process = self._launch(conf, lines, "named-checkconf", [NAMED, "-g", "-c", conf], log)
        # named answers SERVFAIL for a moment after its first answers: wait for NOERROR.
        deadline = time.monotonic() + 20
        pending = list(zones)
        while pending and time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"named exited with {process.returncode}:\n" + _tail(log))
            if rcode(address, port, pending[0], rd=False, timeout=0.3) == 0:
                pending.pop(0)
            else:
                time.sleep(0.05)
        if pending:
            raise RuntimeError(f"named on {address}@{port} did not serve {pending[0]} in 20 s:\n"
                               + _tail(log))
        return Nsd(address, port, process, next(iter(zones)))

def _tail(path):
    for p in (path, path + ".out"):
        if os.path.exists(p):
            with open(p, errors="replace") as f:
                return f.read()[-2000:]
    return ""


def serve(argv):
    parser = argparse.ArgumentParser(prog="harness.py serve")
    parser.add_argument("--nsd-address", default="127.0.0.1", help="127.0.0.x or ::1")
    parser.add_argument("--resolver-address", default="127.0.0.1", help="127.0.0.x or ::1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--stub", action="append", default=[],
                        help="extra stub zone for Unbound: ZONE=ADDR@PORT")
    parser.add_argument("--no-unbound", action="store_true")
    parser.add_argument("zones", nargs="+", help="ZONE=FILE")
    args = parser.parse_args(argv)
    zones = dict(z.split("=", 1) for z in args.zones)
    with DnsServers() as dns:
        def on_term(*_):
            raise KeyboardInterrupt  # leave the with-block: the servers are stopped and reaped

        signal.signal(signal.SIGTERM, on_term)
        nsd = dns.start_nsd(zones, address=args.nsd_address, port=args.port)
        print(f"nsd {nsd.endpoint}", flush=True)
        if not args.no_unbound:
            stubs = {zone: [nsd.endpoint] for zone in zones}
            for s in args.stub:
                zone, endpoint = s.split("=", 1)
                stubs.setdefault(zone, []).append(endpoint)
            print(f"resolver {dns.start_unbound(stubs, address=args.resolver_address)}",
                  flush=True)
        print("ready", flush=True)
        try:
            while sys.stdin.read(1):
                pass
        except (KeyboardInterrupt, OSError):
            pass
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        sys.exit(serve(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
