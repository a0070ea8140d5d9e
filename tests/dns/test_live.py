#!/usr/bin/env python3
"""Live CAA climbing (climb::LiveSource and climb_all) against real NSD and Unbound on loopback.
Usage: test_live.py CLIMB_PROBE DATA_DIR"""
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PROBE = DATA = None
SERVERS = None
RESOLVER = NSD = None


def zone(name):
    return os.path.join(DATA, "dns", name)


def setUpModule():
    global SERVERS, RESOLVER, NSD
    SERVERS = harness.DnsServers().__enter__()
    try:
        nsd = SERVERS.start_nsd({"example.test": zone("example.test.zone"),
                                 "other.test": zone("other.test.zone"),
                                 "child.example.test": zone("child.example.test.zone")})
        NSD = nsd.endpoint
        dead = harness.free_port()  # nothing listens there: Unbound answers SERVFAIL
        RESOLVER = SERVERS.start_unbound({
            "example.test": [NSD], "other.test": [NSD], "child.example.test": [NSD],
            "broken.example.test": [f"127.0.0.1@{dead}"]})
    except BaseException:
        SERVERS.__exit__(None, None, None)
        raise


def tearDownModule():
    SERVERS.__exit__(None, None, None)


def probe(server, *names, batch=False, norec=False, timeout="3", retries="1", window=None):
    args = [PROBE, "--timeout", timeout, "--retries", retries]
    args += ["--batch"] if batch else []
    args += ["--window", str(window)] if window else []
    args += ["--norec"] if norec else []
    out = subprocess.run(args + [server] + list(names), capture_output=True, text=True,
                         timeout=120, check=True).stdout
    results = {}
    for line in out.splitlines():
        if line.startswith("queries_sent "):
            results["queries_sent"] = int(line.split()[1])
        else:
            results[line.split(" ", 1)[0]] = line
    return results


class Resolution(unittest.TestCase):
    def check(self, name, expected_fragments, batch=False):
        line = probe(RESOLVER, name, batch=batch)[name]
        for fragment in expected_fragments:
            self.assertIn(fragment, line)

    def test_direct_set(self):
        self.check("direct.example.test", ["found at=direct.example.test",
                                           '[0 issue "direct.example"] lookups=1'])

    def test_inherited_from_parent(self):
        self.check("child.withset.example.test",
                   ["found at=withset.example.test", '"withset.example"', "lookups=2"])

    def test_inherited_from_grandparent(self):
        self.check("grand.child.withset.example.test",
                   ["found at=withset.example.test", "lookups=3"])
        self.check("deep.sub.example.test", ["found at=example.test", '"ca.example"'])

    def test_nxdomain_climbs(self):
        self.check("no.such.name.example.test", ["found at=example.test", "lookups=4"])

    def test_cname(self):
        self.check("cname.example.test", ["found at=cname.example.test",
                                          "found_at=direct.example.test", '"direct.example"'])

    def test_cname_chain(self):
        self.check("chain1.example.test", ["found_at=direct.example.test", "lookups=1"])

    def test_dname(self):
        self.check("x.dn.example.test", ["found_at=x.other.test", '"dname-target.example"'])

    def test_cname_to_empty_target_climbs_the_original_name(self):
        # a.b.other.test has no CAA; b.other.test's set must not apply.
        line = probe(RESOLVER, "cname-empty.example.test")["cname-empty.example.test"]
        self.assertIn("found at=example.test", line)
        self.assertNotIn("wrong.example", line)

    def test_cname_into_another_zone(self):
        self.check("cname-out.example.test", ["found_at=www.other.test", '"other.example"'])

    def test_rrset_too_large_for_udp_uses_tcp(self):
        line = probe(RESOLVER, "big.example.test")["big.example.test"]
        self.assertEqual(line.count("[0 iodef"), 40)

    def test_upper_case_tag(self):
        self.check("upper.example.test", ['[0 ISSUE "ca.example"]'])

    def test_delegated_child_zone(self):
        self.check("www.child.example.test", ["found at=child.example.test", '"child.example"'])

    def test_servfail_is_a_failure(self):
        line = probe(RESOLVER, "www.broken.example.test", timeout="5")["www.broken.example.test"]
        self.assertIn("failure", line)
        self.assertIn("SERVFAIL", line)

    def test_cname_loop_is_a_failure(self):
        self.check("loop1.example.test", ["failure"])

    def test_silent_resolver_fails_in_bounded_time(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            port = silent.getsockname()[1]
            start = time.monotonic()
            line = probe(f"127.0.0.1@{port}", "direct.example.test", timeout="0.5",
                         retries="2")["direct.example.test"]
            elapsed = time.monotonic() - start
        finally:
            silent.close()
        self.assertIn("failure", line)
        self.assertIn("no answer after 3 tries", line)
        self.assertLess(elapsed, 10)

    def test_batch_matches_single_and_shares_ancestors(self):
        names = ["a1.sub.example.test", "a2.sub.example.test", "a3.sub.example.test",
                 "direct.example.test", "cname-empty.example.test", "big.example.test"]
        single = probe(RESOLVER, *names)
        batch = probe(RESOLVER, *names, batch=True)
        for n in names:
            self.assertEqual(single[n], batch[n])
        # a1/a2/a3 (3), sub and example.test once each (2), direct (1), cname-empty (1),
        # big over UDP then TCP (2).
        self.assertEqual(batch["queries_sent"], 9)

    def test_batch_with_more_names_than_climb_slots(self):
        # One query in flight: the driver runs 18 climbs at once and starts the others as
        # those finish; names waiting on a shared ancestor still share its one query.
        names = [f"gen{i}.sub.example.test" for i in range(30)] + [
            "a1.sub.example.test", "a2.sub.example.test", "direct.example.test",
            "cname-empty.example.test", "big.example.test"]
        single = probe(RESOLVER, *names)
        narrow = probe(RESOLVER, *names, batch=True, window=1)
        wide = probe(RESOLVER, *names, batch=True)
        for n in names:
            self.assertEqual(single[n], narrow[n])
            self.assertEqual(single[n], wide[n])
        # 30 gen names and a1, a2 (32), sub and example.test once each (2), direct (1),
        # cname-empty (1), big over UDP then TCP (2).
        self.assertEqual(narrow["queries_sent"], 38)
        self.assertEqual(wide["queries_sent"], 38)


class Authoritative(unittest.TestCase):
    def test_two_servers_with_different_versions(self):
        with harness.DnsServers() as servers:
            port = harness.free_port(("127.0.0.1", "127.0.0.2"))
            servers.start_nsd({"auth.test": zone("auth.test.v1.zone")}, "127.0.0.1", port)
            servers.start_nsd({"auth.test": zone("auth.test.v2.zone")}, "127.0.0.2", port)
            one = probe(f"127.0.0.1@{port}", "www.auth.test", norec=True)["www.auth.test"]
            two = probe(f"127.0.0.2@{port}", "www.auth.test", norec=True)["www.auth.test"]
        self.assertIn('"old.example"', one)
        self.assertIn('"new.example"', two)


if __name__ == "__main__":
    PROBE, DATA = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
