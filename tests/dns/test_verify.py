#!/usr/bin/env python3
"""caapol verify against real NSD and Unbound on loopback.
Usage: test_verify.py CAAPOL DATA_DIR [ipv6]
Without "ipv6": every test but OverIpv6. With it: only OverIpv6 (resolvers and authoritative
servers on ::1), and exit status 77 (skipped, for meson) when ::1 cannot be used here."""
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CAAPOL = DATA = None
SERVERS = None
RESOLVER = None
STUBS = None
NSD = None


def data(name):
    return os.path.join(DATA, "dns", name)


def setUpModule():
    global SERVERS, RESOLVER, STUBS, NSD
    SERVERS = harness.DnsServers().__enter__()
    try:
        NSD = nsd = SERVERS.start_nsd({"example.test": data("example.test.zone"),
                                 "other.test": data("other.test.zone"),
                                 "child.example.test": data("child.example.test.zone")})
        dead = harness.free_port()
        STUBS = {"example.test": [nsd.endpoint], "other.test": [nsd.endpoint],
                 "child.example.test": [nsd.endpoint],
                 "broken.example.test": [f"127.0.0.1@{dead}"]}
        RESOLVER = SERVERS.start_unbound(STUBS)
    except BaseException:
        SERVERS.__exit__(None, None, None)
        raise


def tearDownModule():
    SERVERS.__exit__(None, None, None)


def verify(*args, resolver=None, env=None, preexec_fn=None):
    command = [CAAPOL, "verify", "--dnssec", "off", "--resolver", resolver or RESOLVER, "--retries", "1"]
    command += [] if "--timeout" in args else ["--timeout", "3"]
    command += list(args)
    full_env = dict(os.environ, **(env or {}))
    start = time.monotonic()
    p = subprocess.run(command, capture_output=True, text=True, timeout=120, env=full_env,
                       preexec_fn=preexec_fn)
    p.elapsed = time.monotonic() - start
    return p


def without_policy_warnings(stderr):
    """stderr without the policy's own warnings, which verify prints before its report (the
    test policies name CAs outside caapol's table, such as ca.example)."""
    return "".join(l for l in stderr.splitlines(keepends=True)
                   if not re.match(r"\S+\.toml:\d+:\d+: warning: .*\[unknown-issuer\]$", l))


def verdicts(document):
    """Per name, what a JSON report decided. Records as sorted (flags, tag, value): resolvers
    rotate RRsets and count TTLs down, so order and TTL vary from one lookup to the next."""
    def records(rs):
        return sorted((r["flags"], r["tag"], r["value"]) for r in rs)

    return {r["name"]: (r["status"], r["expected_from"], r["relevant_name"], r["found_at"],
                        r["path"], records(r["actual"]), records(r["missing"]),
                        records(r["unexpected"]), r["error"])
            for r in document["results"]}


EXPECTED_TEXT = """\
example.test: ok (CAA set at example.test; policy domain example.test)
chain1.example.test: drift (CAA set at chain1.example.test -> direct.example.test; policy domain example.test)
  - 0 iodef "mailto:security@example.test"
  - 0 issue "ca.example"
  + 0 issue "direct.example"
child.example.test: ok (CAA set at child.example.test; policy domain child.example.test)
www.child.example.test: ok (CAA set at child.example.test; policy domain child.example.test)
cname.example.test: ok (CAA set at cname.example.test -> direct.example.test; policy domain cname.example.test)
cname-empty.example.test: ok (CAA set at example.test; policy domain example.test)
cname-out.example.test: drift (CAA set at cname-out.example.test -> www.other.test; policy domain example.test)
  - 0 iodef "mailto:security@example.test"
  - 0 issue "ca.example"
  + 0 issue "other.example"
direct.example.test: ok (CAA set at direct.example.test; policy domain direct.example.test)
x.dn.example.test: drift (CAA set at x.dn.example.test -> x.other.test; policy domain example.test)
  - 0 iodef "mailto:security@example.test"
  - 0 issue "ca.example"
  + 0 issue "dname-target.example"
sub.example.test: ok (CAA set at example.test; policy domain example.test)
deep.sub.example.test: ok (CAA set at example.test; policy domain example.test)
no.such.example.test: ok (CAA set at example.test; policy domain example.test)
upper.example.test: ok (CAA set at upper.example.test; policy domain upper.example.test)
*.wild.example.test: ok (CAA set at example.test; policy domain example.test)
withset.example.test: drift (CAA set at withset.example.test; policy domain withset.example.test)
  - 0 issue "other.example"
  + 0 issue "withset.example"
grand.child.withset.example.test: drift (CAA set at withset.example.test; policy domain withset.example.test)
  - 0 issue "other.example"
  + 0 issue "withset.example"
16 names checked: 11 ok, 5 drift, 0 unchecked, 0 errors
"""


class ThroughResolver(unittest.TestCase):
    def test_text_report(self):
        p = verify("--names", data("names.txt"), data("example.toml"))
        self.assertEqual(p.stdout, EXPECTED_TEXT)
        self.assertEqual(without_policy_warnings(p.stderr), "")
        self.assertIn('example.toml:5:10: warning: issuer "ca.example" is not in', p.stderr)
        self.assertEqual(p.returncode, 1)

    def test_all_match_exits_0(self):
        p = verify(data("ok.toml"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("2 names checked: 2 ok, 0 drift, 0 unchecked, 0 errors", p.stdout)

    def test_json(self):
        p = verify("--format", "json", "--names", data("names.txt"), data("example.toml"))
        self.assertEqual(p.returncode, 1)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["version"], 1)
        by_name = {r["name"]: r for r in doc["results"]}
        self.assertEqual(len(by_name), 16)
        w = by_name["withset.example.test"]
        self.assertEqual(w["status"], "drift")
        self.assertEqual(w["missing"], [{"flags": 0, "tag": "issue", "value": "other.example"}])
        self.assertEqual(w["unexpected"], [{"flags": 0, "tag": "issue", "value": "withset.example"}])
        self.assertIsNone(w["error"])
        c = by_name["cname.example.test"]
        self.assertEqual((c["status"], c["found_at"]), ("ok", "direct.example.test"))
        u = by_name["upper.example.test"]
        self.assertEqual(u["actual"][0]["tag"], "ISSUE")
        self.assertEqual(doc["summary"], {"checked": 16, "ok": 11, "drift": 5, "unchecked": 0, "error": 0})

    def test_jsonl_exact_straight_at_nsd(self):
        # NSD answers with fixed TTLs (a resolver counts them down): the output is exact.
        p = verify("--format", "jsonl", data("ok.toml"), resolver=NSD.endpoint)
        self.assertEqual(p.returncode, 0, p.stderr)
        expected = (
            '{"name":"example.test","status":"ok","expected_from":"example.test",'
            '"relevant_name":"example.test","found_at":"example.test","expected":['
            '{"flags":0,"tag":"issue","value":"ca.example"},'
            '{"flags":0,"tag":"iodef","value":"mailto:security@example.test"}],"actual":['
            '{"flags":0,"tag":"issue","value":"ca.example","ttl":300},'
            '{"flags":0,"tag":"iodef","value":"mailto:security@example.test","ttl":300}],'
            '"missing":[],'
            '"unexpected":[],"path":["example.test"],"notes":[],"servers":[],'
            '"servers_disagree":false,"error":null,"dnssec":null,"steps":[]}\n'
            '{"name":"direct.example.test","status":"ok","expected_from":"direct.example.test",'
            '"relevant_name":"direct.example.test","found_at":"direct.example.test","expected":['
            '{"flags":0,"tag":"issue","value":"direct.example"}],"actual":['
            '{"flags":0,"tag":"issue","value":"direct.example","ttl":300}],"missing":[],'
            '"unexpected":[],"path":["direct.example.test"],"notes":[],"servers":[],'
            '"servers_disagree":false,"error":null,"dnssec":null,"steps":[]}\n'
            '{"version":1,"summary":{"checked":2,"ok":2,"drift":0,"unchecked":0,"error":0}}\n')
        self.assertEqual(p.stdout, expected)

    def test_jsonl_lines_are_the_json_entries(self):
        # Straight at NSD (fixed TTLs), both formats: line k of JSON Lines is results[k] of
        # JSON, and the last line is JSON's summary.
        args = ["--names", data("names.txt"), data("example.toml")]
        lines_run = verify("--format", "jsonl", *args, resolver=NSD.endpoint)
        json_run = verify("--format", "json", *args, resolver=NSD.endpoint)
        self.assertEqual(lines_run.returncode, 1, lines_run.stderr)
        self.assertEqual(json_run.returncode, 1, json_run.stderr)
        self.assertTrue(lines_run.stdout.endswith("}\n"))
        lines = [json.loads(line) for line in lines_run.stdout.splitlines()]
        doc = json.loads(json_run.stdout)
        self.assertEqual(len(doc["results"]), 16)
        self.assertEqual(lines[:-1], doc["results"])
        self.assertEqual(lines[-1], {"version": 1, "summary": doc["summary"]})
        # The same bytes too: one renderer for both formats.
        json_entries = json_run.stdout.split("\n")[1:-2]
        self.assertEqual([e.rstrip(",") for e in json_entries],
                         lines_run.stdout.splitlines()[:-1])

    def test_servfail_is_error_and_wins_over_drift(self):
        p = verify("--format", "json", data("broken.toml"))
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        by_name = {r["name"]: r for r in doc["results"]}
        broken = by_name["www.broken.example.test"]
        self.assertEqual(broken["status"], "error")
        self.assertIn("SERVFAIL", broken["error"])
        self.assertIn(RESOLVER, broken["error"])
        self.assertEqual(by_name["withset.example.test"]["status"], "drift")

    def test_prometheus(self):
        p = verify("--format", "prometheus", data("broken.toml"),
                   env={"SOURCE_DATE_EPOCH": "1700000000"})
        self.assertEqual(p.returncode, 3)
        lines = p.stdout.splitlines()
        self.assertIn('caapol_caa_drift{name="withset.example.test"} 1', lines)
        self.assertIn('caapol_caa_drift{name="example.test"} 0', lines)
        self.assertIn('caapol_caa_lookup_error{name="www.broken.example.test"} 1', lines)
        self.assertIn("caapol_names_checked 3", lines)
        self.assertIn("caapol_last_run_timestamp_seconds 1700000000", lines)
        self.assertIn("# TYPE caapol_caa_drift gauge", lines)

    def test_fix_nsupdate(self):
        p = verify("--fix", "nsupdate", "--names", data("names.txt"), data("example.toml"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("withset.example.test: drift", p.stderr)  # the report goes to stderr
        script = p.stdout
        self.assertIn("update delete withset.example.test. CAA", script)
        self.assertIn('update add withset.example.test. 300 CAA 0 issue "other.example"', script)
        # chain1, cname-out and x.dn are aliases whose targets hold sets the policy does not
        # want there: no update can fix them at these names (a server would ignore CAA records
        # added beside a CNAME), so the script says so instead of pretending.
        self.assertNotIn("chain1.example.test.", script)
        self.assertNotIn("direct.example.test.", script)
        self.assertNotIn("update delete example.test.", script)
        self.assertIn("; chain1.example.test: not fixable here: chain1.example.test is an alias "
                      "(CNAME or DNAME) of direct.example.test", script)
        self.assertIn("caapol verify: warning: cname-out.example.test: not fixable here: "
                      "cname-out.example.test is an alias (CNAME or DNAME) of www.other.test",
                      p.stderr)
        self.assertEqual(script.splitlines()[0],
                         "; caapol verify --fix nsupdate: 1 name to change, 3 drifted names not "
                         "fixable here; review, then run with nsupdate -k KEYFILE")
        self.assertTrue(script.rstrip().endswith("send"))

    def test_fix_nsupdate_through_aliases(self):
        # The name itself an alias (a chain, below a DNAME), the search stopping at an alias
        # ancestor, the expected domain an alias (seen on its own climb and on a name below
        # it), an alias above the expected domain (fixable), a plain drift (fixable).
        for extra in ([], ["--authoritative", "--port", str(NSD.port)]):
            p = verify("--fix", "nsupdate", "--names", data("fix-alias-names.txt"),
                       data("fix-alias.toml"), *extra)
            self.assertEqual(p.returncode, 1, p.stderr)
            at = f" (at {NSD.endpoint})" if extra else ""
            unfixable = [
                f"www.cdn-alias.example.test: not fixable here: its CAA search stops at "
                f"cdn-alias.example.test, an alias (CNAME or DNAME) of www.other.test, whose "
                f"CAA set is not the policy's{at}; change the alias or www.other.test's CAA "
                f"records",
                f"chain1.example.test: not fixable here: chain1.example.test is an alias (CNAME "
                f"or DNAME) of direct.example.test, whose CAA set is not the policy's{at}; "
                f"change the alias or direct.example.test's CAA records",
                "cname-empty.example.test: not fixable here: cname-empty.example.test is an "
                "alias (CNAME or DNAME) of a.b.other.test and cannot hold the policy's CAA "
                "records; change the alias or a.b.other.test's CAA records",
                "www.cname-empty.example.test: not fixable here: the policy's set for it "
                "belongs at cname-empty.example.test, an alias (CNAME or DNAME) of "
                "a.b.other.test, which cannot hold CAA records; change the alias or "
                "a.b.other.test's CAA records",
                f"x.dn.example.test: not fixable here: x.dn.example.test is an alias (CNAME or "
                f"DNAME) of x.other.test, whose CAA set is not the policy's{at}; change the "
                f"alias or x.other.test's CAA records",
            ]
            self.assertEqual(p.stdout, "\n".join(
                ["; caapol verify --fix nsupdate: 2 names to change, 5 drifted names not "
                 "fixable here; review, then run with nsupdate -k KEYFILE"] +
                ["; " + line for line in unfixable] +
                ["update delete img.cdn-alias.example.test. CAA",
                 'update add img.cdn-alias.example.test. 300 CAA 0 issue "ca.example"',
                 "send",
                 "update delete withset.example.test. CAA",
                 'update add withset.example.test. 300 CAA 0 issue "other.example"',
                 "send", ""]), extra)
            warnings = [l for l in without_policy_warnings(p.stderr).splitlines()
                        if "warning" in l]
            self.assertEqual(warnings, ["caapol verify: warning: " + l for l in unfixable])
            self.assertIn("8 names checked: 1 ok, 7 drift, 0 unchecked, 0 errors", p.stderr)

    def test_fix_nothing_to_do(self):
        p = verify("--fix", "nsupdate", data("ok.toml"))
        self.assertEqual(p.returncode, 0)
        self.assertEqual([l for l in p.stdout.splitlines() if l.startswith("update")], [])

    def test_shards_partition_the_names(self):
        seen = []
        for k in range(3):
            p = verify("--format", "json", "--shard", f"{k}/3", "--names", data("names.txt"),
                       data("example.toml"))
            seen += [r["name"] for r in json.loads(p.stdout)["results"]]
        self.assertEqual(len(seen), 16)
        self.assertEqual(len(set(seen)), 16)

    def test_one_query_in_flight_gives_the_same_answers(self):
        p = verify("--max-in-flight", "1", "--names", data("names.txt"), data("example.toml"))
        self.assertEqual(p.stdout, EXPECTED_TEXT)

    def test_shared_ancestors_cost_one_query(self):
        p = verify("--names", data("names.txt"), data("example.toml"),
                   env={"CAAPOL_VERIFY_STATS": "1"})
        # Each of the 16 names once, and the two ancestors that are not names of the list:
        # child.withset (on the climb of grand.child.withset) and wild.example.test (of
        # *.wild). A name that is also an ancestor of others (example.test, sub, withset,
        # child) is asked once for all of them: the run reads one name ahead and keeps in the
        # cache only the answers of names that have names below them (22 if it kept none).
        self.assertIn("caapol verify: 16 names, ", p.stderr)
        sent = int(p.stderr.split(", ")[1].split()[0])
        self.assertEqual(sent, 18)

    def test_silent_resolver_is_an_error_in_bounded_time(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            endpoint = f"127.0.0.1@{silent.getsockname()[1]}"
            p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", endpoint, "--timeout", "0.3",
                                "--retries", "1", "--format", "json", data("ok.toml")],
                               capture_output=True, text=True, timeout=60)
        finally:
            silent.close()
        self.assertEqual(p.returncode, 3)
        results = json.loads(p.stdout)["results"]
        self.assertEqual([r["status"] for r in results], ["error", "error"])
        self.assertIn("no answer after 2 tries", results[0]["error"])

    def test_dead_resolver_is_given_up_after_50_silent_queries(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        names = os.path.join(SERVERS.dir, "many-names.txt")
        with open(names, "w") as f:
            f.writelines(f"host{i}.example.test\n" for i in range(400))
        try:
            endpoint = f"127.0.0.1@{silent.getsockname()[1]}"
            start = time.monotonic()
            p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", endpoint, "--timeout", "0.3",
                                "--retries", "0", "--max-in-flight", "10", "--format", "json",
                                "--names", names, data("ok.toml")],
                               capture_output=True, text=True, timeout=60)
            elapsed = time.monotonic() - start
        finally:
            silent.close()
        self.assertEqual(p.returncode, 3)
        results = json.loads(p.stdout)["results"]
        self.assertEqual(len(results), 402)
        self.assertEqual({r["status"] for r in results}, {"error"})
        self.assertTrue(any("not asked: the last 50 queries" in r["error"] for r in results))
        self.assertLess(elapsed, 8)  # 40 rounds of 0.3 s without giving up

    def test_second_resolver_used_when_the_first_fails(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))
        try:
            endpoint = f"127.0.0.1@{silent.getsockname()[1]}"
            p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", endpoint, "--resolver", RESOLVER,
                                "--timeout", "0.3", "--retries", "0", data("ok.toml")],
                               capture_output=True, text=True, timeout=60)
        finally:
            silent.close()
        self.assertEqual(p.returncode, 0, p.stdout)


class Authoritative(unittest.TestCase):
    def test_stale_secondary_is_named(self):
        with harness.DnsServers() as servers:
            port = harness.free_port(("127.0.0.1", "127.0.0.2"))
            servers.start_nsd({"auth.test": data("auth.test.v1.zone")}, "127.0.0.1", port)
            servers.start_nsd({"auth.test": data("auth.test.v2.zone")}, "127.0.0.2", port)
            resolver = servers.start_unbound({"auth.test": [f"127.0.0.1@{port}"]})
            text = verify("--authoritative", "--port", str(port), data("auth.toml"),
                          resolver=resolver)
            js = verify("--authoritative", "--port", str(port), "--format", "json",
                        data("auth.toml"), resolver=resolver)
        self.assertEqual(text.returncode, 1, text.stdout + text.stderr)
        self.assertIn(f"server 127.0.0.1@{port} zone auth.test serial 1: drift", text.stdout)
        self.assertIn(f"server 127.0.0.2@{port} zone auth.test serial 2: ok", text.stdout)
        self.assertIn("disagree", text.stdout)
        self.assertIn("TTL 300 at auth.test, the policy says 3600", text.stdout)
        r = json.loads(js.stdout)["results"][0]
        self.assertEqual(r["status"], "drift")
        self.assertTrue(r["servers_disagree"])
        self.assertEqual([(s["server"], s["serial"], s["status"]) for s in r["servers"]],
                         [(f"127.0.0.1@{port}", 1, "drift"), (f"127.0.0.2@{port}", 2, "ok")])

    def test_same_verdicts_as_through_the_resolver(self):
        # Zones found by SOA (a name in a delegated child zone, names below non-zone names),
        # CNAME/DNAME chains and climbs above the zone through the resolver.
        with harness.DnsServers() as servers:
            zones = {"example.test": data("example.test.zone"),
                     "other.test": data("other.test.zone"),
                     "child.example.test": data("child.example.test.zone")}
            nsd = servers.start_nsd(zones)
            resolver = servers.start_unbound({zone: [nsd.endpoint] for zone in zones})
            auth = verify("--authoritative", "--port", str(nsd.port), "--format", "json",
                          "--names", data("names.txt"), data("example.toml"), resolver=resolver)
            plain = verify("--format", "json", "--names", data("names.txt"),
                           data("example.toml"), resolver=resolver)
        self.assertEqual(auth.returncode, 1, auth.stderr)
        by_mode = [{r["name"]: (r["status"], r["found_at"]) for r in json.loads(p.stdout)["results"]}
                   for p in (auth, plain)]
        self.assertEqual(by_mode[0], by_mode[1])
        zones_seen = {s["zone"] for r in json.loads(auth.stdout)["results"] for s in r["servers"]}
        self.assertEqual(zones_seen, {"example.test", "child.example.test"})

    def test_agreeing_servers_match(self):
        with harness.DnsServers() as servers:
            port = harness.free_port(("127.0.0.1", "127.0.0.2"))
            servers.start_nsd({"auth.test": data("auth.test.v2.zone")}, "127.0.0.1", port)
            servers.start_nsd({"auth.test": data("auth.test.v2.zone")}, "127.0.0.2", port)
            resolver = servers.start_unbound({"auth.test": [f"127.0.0.1@{port}"]})
            p = verify("--authoritative", "--port", str(port), data("auth.toml"),
                       resolver=resolver)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("disagree", p.stdout)

    def test_unreachable_server_is_an_error(self):
        with harness.DnsServers() as servers:
            port = harness.free_port(("127.0.0.1", "127.0.0.2"))
            servers.start_nsd({"auth.test": data("auth.test.v2.zone")}, "127.0.0.1", port)
            resolver = servers.start_unbound({"auth.test": [f"127.0.0.1@{port}"]})
            p = verify("--authoritative", "--port", str(port), "--timeout", "0.5",
                       data("auth.toml"), resolver=resolver)
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        self.assertIn(f"server 127.0.0.2@{port} zone auth.test serial ?", p.stdout)


IPV6_UNAVAILABLE = harness.ipv6_unavailable()


@unittest.skipIf(IPV6_UNAVAILABLE, IPV6_UNAVAILABLE)
class Threads(unittest.TestCase):
    """--threads 2 over 12,000 names in two zones, straight at NSD: the same results as one
    thread, in the same order; the sliced cache asks a shared apex once per slice."""

    def test_two_threads_same_results_as_one(self):
        import tempfile
        with tempfile.TemporaryDirectory(prefix="caapol-threads-") as tmp, \
                harness.DnsServers() as servers:
            zones, names = {}, []
            for zone, count in (("t1.test", 3000), ("t2.test", 9000)):
                path = os.path.join(tmp, zone)
                with open(path, "w") as z:
                    z.write(f"$ORIGIN {zone}.\n$TTL 300\n@ SOA ns1 h 1 3600 600 86400 60\n"
                            f"@ NS ns1\nns1 A 127.0.0.1\n@ CAA 0 issue \"ca.example\"\n")
                    for i in range(count):
                        # a third with their own (drifted) set, the rest inherit the apex's
                        if i % 3 == 0:
                            z.write(f"h{i} CAA 0 issue \"other.example\"\n")
                        else:
                            z.write(f"h{i} A 192.0.2.1\n")
                        names.append(f"h{i}.{zone}")
                zones[zone] = path
            names_file = os.path.join(tmp, "names.txt")
            with open(names_file, "w") as f:
                f.write("\n".join(names) + "\n")
            policy = os.path.join(tmp, "policy.toml")
            with open(policy, "w") as f:
                f.write('version = 1\n[domain."t1.test"]\nissue = ["ca.example"]\n'
                        '[domain."t2.test"]\nissue = ["ca.example"]\n')
            nsd = servers.start_nsd(zones)
            stats = {"CAAPOL_VERIFY_STATS": "1"}
            one = verify("--format", "json", "--names", names_file, policy,
                         resolver=nsd.endpoint, env=stats)
            two = verify("--format", "json", "--threads", "2", "--names", names_file, policy,
                         resolver=nsd.endpoint, env=stats)
            self.assertEqual(one.returncode, 1, one.stderr)
            self.assertEqual(two.returncode, 1, two.stderr)
            results_one = json.loads(one.stdout)["results"]
            results_two = json.loads(two.stdout)["results"]
            self.assertEqual(len(results_one), 12002)
            self.assertEqual([r["name"] for r in results_one], [r["name"] for r in results_two])
            self.assertEqual([r["status"] for r in results_one],
                             [r["status"] for r in results_two])
            self.assertEqual(sum(r["status"] == "drift" for r in results_two), 4000)
            self.assertFalse(any(r["status"] == "error" for r in results_two))
            # One thread: every name once (the apexes are checked names too). Two: t2.test
            # spans both slices (the split is at 6,001 of 12,002), so its apex is asked twice.
            self.assertIn("12002 queries sent", one.stderr)
            self.assertIn("12003 queries sent", two.stderr)
            # A soft limit of 16 descriptors (the hard one kept): two threads' socket pools
            # and temporary files need more, and verify raises the soft limit to the hard one.
            import resource
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if hard == resource.RLIM_INFINITY or hard >= 1024:
                low = verify("--format", "json", "--threads", "2", "--names", names_file,
                             policy, resolver=nsd.endpoint,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                                   (16, hard)))
                self.assertEqual(low.returncode, 1, low.stderr)
                self.assertEqual(low.stdout, two.stdout)


class LongUnsortedList(unittest.TestCase):
    """120,000 names in no order, with repeats (several 50,000-name chunks of the
    external sort), straight at NSD: every name once, in canonical order, in every format;
    with two threads (one slice through a temporary file) the same; with --authoritative
    (2,000-name chunks) the same names and verdicts."""

    def test_sorted_externally_and_streamed_in_order(self):
        import random
        import tempfile
        with tempfile.TemporaryDirectory(prefix="caapol-long-") as tmp, \
                harness.DnsServers() as servers:
            zone_file = os.path.join(tmp, "long.test")
            hosts = [f"h{i}.s{i % 7}.long.test" for i in range(120000)]
            with open(zone_file, "w") as z:
                z.write("$ORIGIN long.test.\n$TTL 300\n@ SOA ns1 h 1 3600 600 86400 60\n"
                        "@ NS ns1\nns1 A 127.0.0.1\n@ CAA 0 issue \"ca.example\"\n")
                for i in range(0, 120000, 5):
                    z.write(f"h{i}.s{i % 7} CAA 0 issue \"other.example\"\n")
            listed = hosts + hosts[::10]  # repeats
            random.Random(12).shuffle(listed)
            names_file = os.path.join(tmp, "names.txt")
            with open(names_file, "w") as f:
                f.write("\n".join(listed) + "\n")
            policy = os.path.join(tmp, "policy.toml")
            with open(policy, "w") as f:
                f.write('version = 1\n[domain."long.test"]\nissue = ["ca.example"]\n')
            nsd = servers.start_nsd({"long.test": zone_file})

            def canonical(name):
                return [label for label in reversed(name.split("."))]

            expected = sorted(set(hosts + ["long.test"]), key=canonical)
            for extra in ([], ["--threads", "2"]):
                run = verify("--format", "jsonl", *extra, "--names", names_file, policy,
                             resolver=nsd.endpoint)
                self.assertEqual(run.returncode, 1, run.stderr[-2000:])
                lines = [json.loads(line) for line in run.stdout.splitlines()]
                self.assertEqual([r["name"] for r in lines[:-1]], expected)
                self.assertEqual(lines[-1]["summary"],
                                 {"checked": 120001, "ok": 96001, "drift": 24000,
                                  "unchecked": 0, "error": 0})
            run = verify("--format", "prometheus", "--threads", "2", "--names", names_file,
                         policy, resolver=nsd.endpoint)
            self.assertEqual(run.returncode, 1, run.stderr[-2000:])
            families = [line.split("{")[0] for line in run.stdout.splitlines()
                        if "{" in line]
            # Each family's lines together, each name in canonical order within it.
            self.assertEqual(families, ["caapol_caa_drift"] * 120001 +
                             ["caapol_caa_lookup_error"] * 120001)
            drift_names = [line.split('"')[1] for line in run.stdout.splitlines()
                           if line.startswith("caapol_caa_drift{")]
            self.assertEqual(drift_names, expected)
            self.assertIn("caapol_names_drifted 24000", run.stdout.splitlines())
            # --authoritative goes through the names 2,000 at a time (zones, servers and
            # serials per chunk): the same names, in the same order, with the same verdicts
            # as through a resolver, in JSON Lines and in Prometheus's grouped families.
            through = {r["name"]: (r["status"], r["found_at"]) for r in lines[:-1]}
            auth = verify("--authoritative", "--port", str(nsd.port), "--format", "jsonl",
                          "--names", names_file, policy, resolver=nsd.endpoint)
            self.assertEqual(auth.returncode, 1, auth.stderr[-2000:])
            auth_lines = [json.loads(line) for line in auth.stdout.splitlines()]
            self.assertEqual([r["name"] for r in auth_lines[:-1]], expected)
            self.assertEqual({r["name"]: (r["status"], r["found_at"]) for r in auth_lines[:-1]},
                             through)
            self.assertEqual({s["zone"] for r in auth_lines[:-1] for s in r["servers"]},
                             {"long.test"})
            self.assertEqual(auth_lines[-1]["summary"], lines[-1]["summary"])
            auth = verify("--authoritative", "--port", str(nsd.port), "--format", "prometheus",
                          "--names", names_file, policy, resolver=nsd.endpoint)
            self.assertEqual(auth.returncode, 1, auth.stderr[-2000:])
            self.assertEqual([line.split("{")[0] for line in auth.stdout.splitlines()
                              if "{" in line], families)
            self.assertEqual([line.split('"')[1] for line in auth.stdout.splitlines()
                              if line.startswith("caapol_caa_drift{")], expected)


class OverIpv6(unittest.TestCase):
    """The same checks with every server on ::1 (IPv6 loopback)."""

    @classmethod
    def setUpClass(cls):
        # The same stub zones as RESOLVER (NSD on 127.0.0.1), but listening on ::1 only.
        cls.resolver = SERVERS.start_unbound(STUBS, address="::1")
        cls.port = int(cls.resolver.rsplit("@", 1)[1])

    def test_resolver_on_ipv6_gives_the_same_results(self):
        self.assertEqual(self.resolver, f"::1@{self.port}")
        for form in (self.resolver, f"[::1]:{self.port}", f"[::1]@{self.port}"):
            p = verify("--names", data("names.txt"), data("example.toml"), resolver=form)
            self.assertEqual(p.stdout, EXPECTED_TEXT, form)
            self.assertEqual((p.returncode, without_policy_warnings(p.stderr)), (1, ""), form)
        over = [verify("--format", "json", "--names", data("names.txt"), data("example.toml"),
                       resolver=r) for r in (RESOLVER, self.resolver)]
        v4, v6 = (verdicts(json.loads(p.stdout)) for p in over)
        self.assertEqual(len(v6), 16)
        self.assertEqual(v6, v4)

    def test_servfail_names_the_ipv6_resolver(self):
        p = verify("--format", "json", data("broken.toml"), resolver=f"[::1]:{self.port}")
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        by_name = {r["name"]: r for r in json.loads(p.stdout)["results"]}
        broken = by_name["www.broken.example.test"]
        self.assertEqual(broken["status"], "error")
        self.assertIn("SERVFAIL", broken["error"])
        self.assertIn(f"at ::1@{self.port}", broken["error"])
        self.assertEqual(by_name["withset.example.test"]["status"], "drift")

    def test_authoritative_server_only_on_ipv6(self):
        # v6.test's only NS has an AAAA ::1 and no A record; NSD listens on ::1 alone. The
        # resolver (on 127.0.0.1) reaches it over IPv6 too.
        with harness.DnsServers() as servers:
            nsd = servers.start_nsd({"v6.test": data("v6.test.zone")}, address="::1")
            resolver = servers.start_unbound({"v6.test": [nsd.endpoint]})
            text = verify("--authoritative", "--port", str(nsd.port), data("v6.toml"),
                          resolver=resolver)
            js = verify("--authoritative", "--port", str(nsd.port), "--format", "json",
                        data("v6.toml"), resolver=resolver)
        server = f"::1@{nsd.port}"
        self.assertEqual(text.returncode, 1, text.stdout + text.stderr)
        self.assertIn(f"server {server} zone v6.test serial 5: ok", text.stdout)
        self.assertIn(f"server {server} zone v6.test serial 5: drift", text.stdout)
        self.assertIn("2 names checked: 1 ok, 1 drift, 0 unchecked, 0 errors", text.stdout)
        results = {r["name"]: r for r in json.loads(js.stdout)["results"]}
        self.assertEqual(set(results), {"v6.test", "www.v6.test"})
        self.assertEqual(
            [(s["server"], s["zone"], s["serial"], s["status"])
             for s in results["www.v6.test"]["servers"]], [(server, "v6.test", 5, "drift")])
        self.assertEqual(results["www.v6.test"]["unexpected"],
                         [{"flags": 0, "tag": "issue", "value": "stale.example"}])
        self.assertEqual([s["server"] for s in results["v6.test"]["servers"]], [server])
        self.assertEqual(results["v6.test"]["status"], "ok")

    def test_silent_ipv6_resolver_is_an_error_in_bounded_time(self):
        silent = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        silent.bind(("::1", 0))
        try:
            endpoint = f"::1@{silent.getsockname()[1]}"
            start = time.monotonic()
            p = subprocess.run([CAAPOL, "verify", "--dnssec", "off", "--resolver", endpoint, "--timeout", "0.3",
                                "--retries", "1", "--format", "json", data("ok.toml")],
                               capture_output=True, text=True, timeout=60)
            elapsed = time.monotonic() - start
        finally:
            silent.close()
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        results = json.loads(p.stdout)["results"]
        self.assertEqual([r["status"] for r in results], ["error", "error"])
        for r in results:
            self.assertIn("no answer after 2 tries", r["error"])
            self.assertIn(endpoint, r["error"])
        self.assertLess(elapsed, 5)  # 2 tries of 0.3 s, names asked concurrently


def main():
    global CAAPOL, DATA
    CAAPOL, DATA = sys.argv[1], sys.argv[2]
    ipv6 = sys.argv[3:] == ["ipv6"]
    if ipv6 and IPV6_UNAVAILABLE:
        print(f"SKIP: IPv6 tests: {IPV6_UNAVAILABLE}")
        return 77  # meson: skipped
    loader = unittest.TestLoader()
    classes = [OverIpv6] if ipv6 else [
        c for c in globals().values()
        if isinstance(c, type) and issubclass(c, unittest.TestCase) and c is not OverIpv6]
    suite = unittest.TestSuite(loader.loadTestsFromTestCase(c) for c in classes)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
