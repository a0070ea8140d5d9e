#!/usr/bin/env python3
"""Hostile files: runs the built caapol on inputs generated at run time in a temporary
directory (nothing large is committed) and checks that each gets a definite, clearly worded
result: the expected exit status, no signal, no sanitizer report, bounded wall time and
memory, a located message (FILE:LINE:COL: or FILE:LINE:) for errors in the contents, the file
named for errors opening it, and no raw control characters on stdout or stderr.

Zone files go through `caapol lint --origin example.test` and `caapol import`, policies through `caapol check` and
`caapol generate`. A case whose failure is a behaviour known to be missing in another module
is reported as "KNOWN GAP" and counted separately (see KNOWN_GAPS).

Usage: test_hostile_files.py CAAPOL [NAME_SUBSTRING...]
The last line is "N passed, N failed, N known gaps, N skipped"; the exit status is 1 when
any case failed.
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CAAPOL = None
# A binary built with -Db_sanitize=address holds the ASan runtime; it runs several times
# slower and its resident memory includes shadow memory, so bounds differ.
SANITIZED = False
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
# Root reads a file of mode 000 anyway: as root, unreadable-file cases run caapol as nobody
# (setpriv, util-linux), or are skipped without it.
SETPRIV = shutil.which("setpriv", path="/usr/bin:/bin")
AS_NOBODY = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"] \
    if os.geteuid() == 0 and SETPRIV else []
UNREADABLE_SKIP = "running as root without setpriv: chmod 000 does not stop root reading" \
    if os.geteuid() == 0 and not SETPRIV else None
HANG_BOUND = 30.0  # seconds any single run may take (release build; ASan: x3)
RSS_BOUND_MB = 512  # peak resident memory of one run (release build only)
# CPU seconds (user + system; wall seconds without GNU time) the 100,000-domain policy may
# take, in every build: CPU time, since wall time on a loaded CI machine says little (this
# machine, load 8 on 2 cores: release 0.6 s CPU / 1.4 s wall, ASan+UBSan 7 s CPU / 17 s wall).
BIG_POLICY_BOUND = 20.0
OUTPUT_BOUND = 4 << 20  # no run may write more than 4 MiB to stderr (no echo of 1 MB values)
SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                   b"ERROR: UndefinedBehaviorSanitizer")
# FILE:LINE:COL: or FILE:LINE: at the start of a line, then a severity.
LOCATED = re.compile(rb"^(?P<file>[^\s:][^:\n]*):(?P<line>[0-9]+):(?:(?P<col>[0-9]+):)? "
                     rb"(?:error|warning|note)\b", re.M)
MARKER = "caapol-secret-9f3b1c"  # put in files that must never be read

# Case name -> why the behaviour is missing (and whose it is). The case still runs: its
# result is printed as KNOWN GAP, counted apart, and does not fail the test. When a gap is
# closed, the case passes and the line prints "GAP CLOSED": remove the entry then.
KNOWN_GAPS = {}


class Result:
    def __init__(self, argv, status, stdout, stderr, elapsed, max_rss_kb, cpu):
        self.argv, self.status, self.stdout, self.stderr = argv, status, stdout, stderr
        self.elapsed, self.max_rss_kb, self.cpu = elapsed, max_rss_kb, cpu


def run(argv, cwd, timeout, unprivileged=False):
    """Runs caapol with argv; returns a Result (status < 0: killed by that signal; None:
    killed after timeout). Peak RSS comes from GNU time when installed (None otherwise): the
    rusage of a child forked straight from this script would count the script's own memory."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC",
           "HOME": cwd}
    for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if key in os.environ:
            env[key] = os.environ[key]
    report = os.path.join(cwd, ".time-report")
    command = (AS_NOBODY if unprivileged else []) + [CAAPOL] + argv
    if GNU_TIME:
        command = [GNU_TIME, "-o", report, "-f", "%x %M %U %S"] + command
    start = time.monotonic()
    # A session of its own, so that a timeout kills caapol and not only GNU time.
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        timed_out = True
    elapsed = time.monotonic() - start
    status, max_rss_kb, cpu = proc.returncode, None, None
    if GNU_TIME and not timed_out and os.path.exists(report):
        with open(report) as f:
            lines = f.read().splitlines()
        os.remove(report)
        killed = [l for l in lines if l.startswith("Command terminated by signal ")]
        if killed:
            status = -int(killed[0].split()[-1])
        if lines and re.fullmatch(r"-?[0-9]+ [0-9]+ [0-9.]+ [0-9.]+", lines[-1]):
            fields = lines[-1].split()
            max_rss_kb, cpu = int(fields[1]), float(fields[2]) + float(fields[3])
    return Result(argv, None if timed_out else status, stdout, stderr, elapsed, max_rss_kb,
                  cpu)


def control_characters(data):
    """Raw control characters other than \\n and \\t: C0, DEL, and C1 (as UTF-8 code points
    or as raw bytes, since 0x9b alone is CSI on 8-bit terminals)."""
    bad = []
    for ch in data.decode("utf-8", errors="surrogateescape"):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable raw byte
            code -= 0xDC00
        if (code < 0x20 and ch not in "\n\t") or 0x7F <= code <= 0x9F:
            bad.append(code)
    return bad


def excerpt(data, limit=600):
    """The start of an output, control characters shown as \\xNN (the log stays clean)."""
    text = data[:limit].decode("utf-8", errors="backslashreplace")
    text = "".join(c if c in "\n\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)
                   else "\\x%02x" % ord(c) for c in text)
    return text if len(data) <= limit else text + "...(%d bytes)" % len(data)


class Case:
    """One run of caapol. exits: allowed exit statuses. cpu_bound: CPU seconds allowed (wall
    seconds when GNU time is missing), in every build; wall time is always bounded by
    HANG_BOUND (x3 under ASan). located: an error must be reported at
    FILE:LINE[:COL] of one of located_files (basenames); names_file: an error opening a file
    must name it. checks: extra functions (result, workdir) -> list of problems."""

    def __init__(self, name, argv, exits, located_files=(), names_file=None, checks=(),
                 bound=None, cpu_bound=None, skip=None, unprivileged=False):
        self.name, self.argv, self.exits = name, argv, set(exits)
        self.located_files = list(located_files)
        self.names_file, self.checks = names_file, list(checks)
        self.bound, self.cpu_bound, self.skip = bound, cpu_bound, skip
        self.unprivileged = unprivileged  # run as nobody when the test runs as root


def check_case(case, result, workdir):
    problems = []
    if result.status is None:
        problems.append("hang: killed after %.0f s" % result.elapsed)
        return problems
    if result.status < 0:
        problems.append("killed by signal %d" % -result.status)
    for mark in SANITIZER_MARKS:
        if mark in result.stderr:
            problems.append("sanitizer report on stderr (%s)" % mark.decode())
    if result.status not in case.exits:
        problems.append("exit status %d, expected %s" % (result.status, sorted(case.exits)))
    bound = case.bound or HANG_BOUND * (3 if SANITIZED else 1)
    if result.elapsed > bound:
        problems.append("took %.1f s, bound %.0f s" % (result.elapsed, bound))
    if case.cpu_bound is not None:
        spent, what = (result.cpu, "CPU") if result.cpu is not None else (result.elapsed,
                                                                          "wall")
        if spent > case.cpu_bound:
            problems.append("took %.1f s %s time, bound %.0f s" % (spent, what,
                                                                  case.cpu_bound))
    if not SANITIZED and (result.max_rss_kb or 0) > RSS_BOUND_MB * 1024:
        problems.append("peak RSS %d MB, bound %d MB" % (result.max_rss_kb // 1024,
                                                        RSS_BOUND_MB))
    if len(result.stderr) > OUTPUT_BOUND:
        problems.append("stderr holds %d bytes" % len(result.stderr))
    for stream, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        bad = control_characters(data)
        if bad:
            problems.append("raw control characters on %s: %s" % (
                stream, ", ".join("0x%02x" % c for c in sorted(set(bad))[:8])))
    if result.status in (1, 2) and case.located_files:
        files = {m.group("file").decode("utf-8", "replace")
                 for m in LOCATED.finditer(result.stderr)}
        if not any(os.path.basename(f) in case.located_files for f in files):
            problems.append("no located message FILE:LINE[:COL]: naming %s (located: %s)" % (
                " or ".join(case.located_files), sorted(files)[:4] or "none"))
    if result.status == 2 and case.names_file:
        if case.names_file.encode() not in result.stderr:
            problems.append("the message does not name %s" % case.names_file)
    for check in case.checks:
        problems += check(result, workdir)
    return problems


# ---------------------------------------------------------------------------- extra checks

def stdout_is_json(result, workdir):
    try:
        json.loads(result.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return ["stdout is not valid JSON: %s" % err]
    return []


def not_in_output(*needles):
    def check(result, workdir):
        return ["output holds %r: a file outside the include root was read" % n
                for n in needles if n.encode() in result.stdout + result.stderr]
    return check


def stderr_has(*needles):
    def check(result, workdir):
        return ["stderr lacks %r" % n for n in needles if n.encode() not in result.stderr]
    return check


def stderr_line_has(*needles):
    """One line of stderr holds every needle (e.g. both places of a duplicate)."""
    def check(result, workdir):
        for line in result.stderr.split(b"\n"):
            if all(n.encode() in line for n in needles):
                return []
        return ["no stderr line holds all of %s" % (needles,)]
    return check


def stderr_lines_at_most(limit):
    def check(result, workdir):
        lines = result.stderr.count(b"\n")
        return ["stderr holds %d lines, at most %d expected" % (lines, limit)] \
            if lines > limit else []
    return check


def stderr_smaller_than(limit):
    def check(result, workdir):
        if len(result.stderr) >= limit:
            return ["stderr holds %d bytes: a large input value is echoed" % len(result.stderr)]
        return []
    return check


def zone_lines_for_domains(count):
    record = re.compile(rb'^d[0-9]+\.example\.test\. 300 IN CAA 0 issue "letsencrypt\.org"$')

    def check(result, workdir):
        lines = [l for l in result.stdout.split(b"\n") if l and not l.startswith(b";")]
        good = sum(1 for l in lines if record.match(l))
        problems = []
        if good != count:
            problems.append("%d record lines, expected %d" % (good, count))
        if len(lines) != good:
            problems.append("%d unexpected non-comment lines" % (len(lines) - good))
        return problems
    return check


def directory_unchanged(path, before):
    def check(result, workdir):
        after = sorted(os.listdir(os.path.join(workdir, path)))
        if after != before:
            return ["%s changed: %s -> %s" % (path, before, after)]
        return []
    return check


def nothing_left(dir_, allowed):
    """No file other than `allowed` in dir_ (a temporary file left behind)."""
    def check(result, workdir):
        extra = sorted(set(os.listdir(os.path.join(workdir, dir_))) - set(allowed))
        return ["left behind in %s: %s" % (dir_ or ".", extra)] if extra else []
    return check


def absent(path):
    def check(result, workdir):
        if os.path.lexists(os.path.join(workdir, path)):
            return ["%s exists after a failed run" % path]
        return []
    return check


def file_is(path, content):
    def check(result, workdir):
        with open(os.path.join(workdir, path), "rb") as f:
            if f.read() != content:
                return ["%s was modified by a failed run" % path]
        return []
    return check


# ---------------------------------------------------------------------------- inputs

ZONE_HEAD = "$ORIGIN example.test.\n$TTL 300\n@ IN SOA ns hostmaster 1 7200 3600 1209600 300\n" \
            "@ IN NS ns\n"


def write(workdir, name, data):
    path = os.path.join(workdir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return name


def token_soup(rng, tokens, count):
    """Plausible-looking garbage: random tokens of the format, mixed with random bytes."""
    out = []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.8:
            out.append(rng.choice(tokens))
        else:
            out.append(rng.randbytes(rng.randint(1, 6)))
        out.append(rng.choice([b" ", b" ", b"\t", b"\n", b""]))
    return b"".join(out)


ZONE_TOKENS = [b"@", b"www", b"*.x", b"IN", b"CH", b"CAA", b"TXT", b"NS", b"SOA", b"CNAME",
               b"DNAME", b"3600", b"0", b"128", b"255", b"issue", b"issuewild", b"iodef",
               b'"letsencrypt.org"', b'"', b"\\", b"\\0", b"\\999", b"\\#", b"(", b")", b";",
               b"$ORIGIN", b"$TTL", b"$GENERATE", b"$INCLUDE", b"x.", b".", b"..", b"; c",
               b"account" b"uri=", b'"ca; a=b"', b"\n", b"\r\n", b"\x00", b"\xff"]
TOML_TOKENS = [b"version", b"=", b"1", b"[", b"]", b"[[", b"]]", b"{", b"}", b",", b".",
               b"domain", b'"example.test"', b"issue", b"ttl", b"inherit", b"true", b"false",
               b'"', b"'", b'"""', b"'''", b"\\u0000", b"\\", b"#", b"\n", b"-1", b"1e999",
               b"1979-05-27T07:32:00Z", b"0x1F", b"nan", b"inf", b"ca", b"critical",
               b'"letsencrypt.org"', b"\x00", b"\xc3", b"\xed\xa0\x80"]


def zone_cases(workdir, seeds):
    lint = ["lint", "--origin", "example.test"]
    cases = []

    def add(name, filename, data, exits=(1,), extra_argv=(), **kw):
        write(workdir, filename, data)
        kw.setdefault("located_files", [os.path.basename(filename)])
        cases.append(Case("zone " + name, lint + list(extra_argv) + [filename], exits, **kw))

    for seed in seeds:
        rng = random.Random(seed)
        add("random bytes seed %d" % seed, "random%d.zone" % seed, rng.randbytes(64 * 1024),
            exits=(1,))
        add("token soup seed %d" % seed, "soup%d.zone" % seed,
            ZONE_HEAD.encode() + token_soup(rng, ZONE_TOKENS, 20000), exits=(0, 1))
    write(workdir, "random-json.zone", random.Random(99).randbytes(16 * 1024))
    cases.append(Case("zone random bytes, --format json", lint + ["--format", "json",
                      "random-json.zone"], (1,), checks=[stdout_is_json]))

    add("1 MB CAA value", "bigvalue.zone",
        ZONE_HEAD + '@ IN CAA 0 issue "' + "x" * (1 << 20) + '"\n',
        checks=[stderr_smaller_than(64 * 1024)])
    add("1 MB CAA value in parentheses over many lines", "bigvalue-lines.zone",
        ZONE_HEAD + "@ IN CAA ( 0 issue\n" + ('"' + "x" * 1000 + '"\n') * 1024 + ")\n",
        checks=[stderr_smaller_than(64 * 1024)])
    add("5,000 nested parentheses", "parens.zone",
        ZONE_HEAD + "@ IN CAA " + "(" * 5000 + ' 0 issue "ca.example" ' + ")" * 5000 + "\n")
    add("5,000 unclosed parentheses", "parens-open.zone",
        ZONE_HEAD + "@ IN CAA " + "(\n" * 5000)
    add("a line of 10 MB", "longline.zone",
        ZONE_HEAD + "a" * (10 << 20) + ' IN CAA 0 issue "ca.example"\n',
        checks=[stderr_smaller_than(64 * 1024)])
    add("a quoted string of 10 MB without end", "longstring.zone",
        ZONE_HEAD + '@ IN CAA 0 issue "' + "y" * (10 << 20),
        checks=[stderr_smaller_than(64 * 1024)])
    add("50,000 records on one name", "manyrecords.zone",
        ZONE_HEAD + "".join('@ IN CAA 0 issue "letsencrypt.org; x=%d"\n' % i
                            for i in range(50000)), exits=(0,))
    add("5,000 syntax errors (reported up to the cap of 1,000)", "manyerrors.zone",
        ZONE_HEAD + "".join("n%d IN CAA\n" % i for i in range(5000)),
        checks=[stderr_lines_at_most(1010)])
    add("invalid UTF-8 in values", "utf8.zone",
        ZONE_HEAD.encode() + b'@ IN CAA 0 issue "ca\xff\xfe.example"\n'
        b'@ IN CAA 0 iodef "mailto:a\xc3@example.test"\nwww IN CAA 0 tbs "\xed\xa0\x80\xc0\xaf"\n',
        checks=[stderr_has("\\x")])
    add("invalid UTF-8 in values, --format json", "utf8-json.zone",
        ZONE_HEAD.encode() + b'@ IN CAA 0 issue "ca\xff\xfe.example"\n'
        b'www IN CAA 0 tbs "\xed\xa0\x80\xc0\xaf\x9b[2J"\n',
        extra_argv=["--format", "json"], located_files=[], checks=[stdout_is_json])
    add("NUL, ESC and newline escapes in a CAA value", "escapes.zone",
        ZONE_HEAD + '@ IN CAA 0 issue "ca.example\\000\\027[31m\\010\\013\\010;x=\\"y"\n'
        '@ IN CAA 0 tbs "a\\027]0;title\\007b\\155\\233"\n'
        '@ IN CAA 0 iodef "mailto:a@b\\010.example"\n')
    add("a C1 control (U+009B) in a value, --format json", "c1-json.zone",
        ZONE_HEAD.encode() + b'@ IN CAA 0 issue "ca\xc2\x9b[2J.example"\nx IN T\xc2\x9bXT "a"\n',
        extra_argv=["--format", "json"], located_files=[],
        checks=[stdout_is_json])
    add("NUL, ESC and newline escapes, --format json", "escapes-json.zone",
        ZONE_HEAD + '@ IN CAA 0 issue "ca.example\\000\\027[31m\\010"\n',
        extra_argv=["--format", "json"], located_files=[], checks=[stdout_is_json])
    add("NUL, ESC and newline escapes, --format sarif", "escapes-sarif.zone",
        ZONE_HEAD + '@ IN CAA 0 issue "ca.example\\000\\027[31m\\010"\n',
        extra_argv=["--format", "sarif"], located_files=[], checks=[stdout_is_json])
    add("raw control bytes in the file", "raw-controls.zone",
        ZONE_HEAD.encode() + b'@ IN CAA 0 issue "ca.exa\x1b[2Jmple"\n\x1b]0;t\x07 IN CAA 0 '
        b'issue "x"\n@ IN CAA 0 tbs "\x00\x9b"\n')

    add("an empty file", "empty.zone", b"", exits=(0,))
    os.mkdir(os.path.join(workdir, "emptydir.zone"))
    cases.append(Case("zone a directory given as a file (searched: empty)",
                      lint + ["emptydir.zone"], (0,)))
    cases.append(Case("zone a nonexistent file", lint + ["missing.zone"], (2,),
                      names_file="missing.zone"))
    write(workdir, "unreadable.zone", ZONE_HEAD)
    os.chmod(os.path.join(workdir, "unreadable.zone"), 0)
    cases.append(Case("zone an unreadable file", lint + ["unreadable.zone"], (2,),
                      names_file="unreadable.zone", unprivileged=True,
                      checks=[stderr_has("Permission denied")],
                      skip=UNREADABLE_SKIP))
    fifo = os.path.join(workdir, "fifo.zone")
    os.mkfifo(fifo)
    cases.append(Case("zone a FIFO given as a file", lint + ["fifo.zone"], (1, 2),
                      names_file="fifo.zone"))

    # $INCLUDE: loops, chains, escapes from the include root. The zones live in inc/, which
    # is the include root (the directory given; /tmp is no git work tree).
    secret = 'secret IN CAA 0 issue "%s.example"\n' % MARKER
    write(workdir, "outside.zone", secret)
    write(workdir, "inc/outside-link.zone", "")  # replaced by a symbolic link below
    os.remove(os.path.join(workdir, "inc/outside-link.zone"))
    os.symlink(os.path.join(workdir, "outside.zone"),
               os.path.join(workdir, "inc/outside-link.zone"))
    passwd_first = ""
    if os.path.exists("/etc/passwd"):
        with open("/etc/passwd") as f:
            passwd_first = f.readline().strip()
    never_read = not_in_output(MARKER, *([passwd_first] if passwd_first else []))
    inc_lint = lint + ["--include-root", "inc"]

    def add_inc(name, filename, data, exits=(1,), rule=None, default_root=False, **kw):
        write(workdir, "inc/" + filename, data)
        kw.setdefault("located_files", [filename])
        checks = kw.pop("checks", []) + ([stderr_has("[%s]" % rule)] if rule else [])
        argv = (lint if default_root else inc_lint) + ["inc/" + filename]
        cases.append(Case("zone " + name, argv, exits, checks=checks, **kw))

    add_inc("that $INCLUDEs itself", "self.zone", ZONE_HEAD + "$INCLUDE self.zone\n")
    add_inc("that $INCLUDEs itself by another spelling", "self2.zone",
            ZONE_HEAD + "$INCLUDE ./../inc/self2.zone\n")
    write(workdir, "inc/pair-b.zone", "$INCLUDE pair-a.zone\n")
    add_inc("pair including each other", "pair-a.zone", ZONE_HEAD + "$INCLUDE pair-b.zone\n",
            located_files=["pair-a.zone", "pair-b.zone"])
    for i in range(1, 40):
        write(workdir, "inc/chain%d.zone" % i, "$INCLUDE chain%d.zone\n" % (i + 1))
    write(workdir, "inc/chain40.zone", '@ IN CAA 0 issue "ca.example"\n')
    add_inc("$INCLUDE chain 40 deep", "chain0.zone", ZONE_HEAD + "$INCLUDE chain1.zone\n",
            located_files=["chain%d.zone" % i for i in range(0, 40)])
    add_inc("$INCLUDE of /etc/passwd", "passwd.zone", ZONE_HEAD + "$INCLUDE /etc/passwd\n",
            rule="include-outside-root", checks=[never_read])
    add_inc("$INCLUDE of /etc/passwd, default include root", "passwd-default.zone",
            ZONE_HEAD + "$INCLUDE /etc/passwd\n", rule="include-outside-root",
            default_root=True, checks=[never_read])
    add_inc("$INCLUDE of ../ outside the include root", "dotdot.zone",
            ZONE_HEAD + "$INCLUDE ../outside.zone\n", rule="include-outside-root",
            checks=[never_read])
    add_inc("$INCLUDE of a symbolic link leading outside the root", "link.zone",
            ZONE_HEAD + "$INCLUDE outside-link.zone\n", rule="include-outside-root",
            checks=[never_read])
    add_inc("$INCLUDE of /dev/zero", "devzero.zone", ZONE_HEAD + "$INCLUDE /dev/zero\n",
            rule="include-outside-root")
    add_inc("$INCLUDE of the include root itself", "incdir.zone",
            ZONE_HEAD + "$INCLUDE .\n", exits=(1,))
    add_inc("$INCLUDE of a missing file", "incmissing.zone",
            ZONE_HEAD + "$INCLUDE nothing-here.zone\n", exits=(1, 2))
    add_inc("$INCLUDE with a 1 MB file name", "incname.zone",
            ZONE_HEAD + "$INCLUDE " + "n" * (1 << 20) + "\n", exits=(1, 2),
            checks=[stderr_smaller_than(64 * 1024)])
    return cases


def policy_cases(workdir, seeds):
    cases = []
    head = 'version = 1\n'

    def add(name, filename, data, check_exits=(1,), generate_exits=(2,), extra=(),
            more_files=(), **kw):
        write(workdir, filename, data)
        files = [filename] + list(more_files)
        kw.setdefault("located_files", [os.path.basename(f) for f in files])
        cases.append(Case("policy check " + name, ["check"] + files, check_exits, **kw))
        gen_name = "policy generate " + ("%s " % " ".join(extra) if extra else "") + name
        cases.append(Case(gen_name, ["generate"] + list(extra) + files,
                          generate_exits, **kw))

    for seed in seeds:
        rng = random.Random(1000 + seed)
        add("random bytes seed %d" % seed, "random%d.toml" % seed, rng.randbytes(64 * 1024))
        add("token soup seed %d" % seed, "soup%d.toml" % seed,
            head.encode() + token_soup(rng, TOML_TOKENS, 20000))
    add("invalid UTF-8 in values", "utf8.toml",
        head.encode() + b'[domain."example.test"]\nissue = ["ca\xff.example"]\n')
    add("invalid UTF-8 in a key", "utf8-key.toml",
        head.encode() + b'[domain."ex\xc3\x28mple.test"]\nissue = ["ca.example"]\n')
    add("invalid UTF-8 in a comment", "utf8-comment.toml",
        head.encode() + b'# \xed\xa0\x80\n[domain."example.test"]\nissue = ["ca.example"]\n')
    add("escaped control characters in values", "controls.toml",
        head + '[domain."example.test"]\nissue = ["ca.example\\u001b[2J\\u0000"]\n'
        'iodef = ["mailto:a\\u009b@example.test"]\n'
        'property = [{ tag = "tbs", value = "a\\nb\\u0007" }]\n')
    add("a C1 control (U+009B) in a property value", "c1.toml",
        head + '[domain."example.test"]\nissue = []\n'
        'property = [{ tag = "tbs", value = "a\\u009b[2Jb" }]\n',
        extra=["--format", "json"])
    depth = 10000
    add("arrays nested 10,000 deep", "deep-arrays.toml",
        head + 'x = ' + "[" * depth + "]" * depth + "\n")
    add("arrays nested 10,000 deep, unclosed", "deep-arrays-open.toml",
        head + 'x = ' + "[" * depth + "\n")
    add("inline tables nested 10,000 deep", "deep-inline.toml",
        head + "x = " + "{ a = " * depth + "1" + " }" * depth + "\n")
    add("dotted keys 10,000 deep", "deep-dotted.toml",
        head + ".".join(["a"] * depth) + " = 1\n")
    add("table header [a.b.c...] 10,000 deep", "deep-header.toml",
        head + "[" + ".".join(["a"] * depth) + "]\n")
    add("array-of-tables header 10,000 deep", "deep-aot.toml",
        head + "[[" + ".".join(["a"] * depth) + "]]\n")
    add("arrays nested 10,000 deep inside a domain", "deep-domain.toml",
        head + '[domain."example.test"]\nissue = ' + "[" * depth + "]" * depth + "\n")
    big = "x" * (1 << 20)
    add("a 1 MB issuer value", "big-issuer.toml",
        head + '[domain."example.test"]\nissue = ["%s"]\n' % big,
        checks=[stderr_smaller_than(64 * 1024)])
    add("a 1 MB property value", "big-property.toml",
        head + '[domain."example.test"]\nissue = []\n'
        'property = [{ tag = "tbs", value = "%s" }]\n' % big,
        checks=[stderr_smaller_than(64 * 1024)])
    add("a 1 MB domain name", "big-domain.toml",
        head + '[domain."%s.example.test"]\nissue = []\n' % big,
        checks=[stderr_smaller_than(64 * 1024)])
    add("a 1 MB key", "big-key.toml", head + '%s = 1\n' % big,
        checks=[stderr_smaller_than(64 * 1024)])
    add("a 1 MB string without end", "big-open.toml", head + 'x = "%s' % big,
        checks=[stderr_smaller_than(64 * 1024)])
    write(workdir, "dup-b.toml", head + '[domain."Twice.Example.Test."]\nissue = []\n')
    add("a domain defined twice across two files", "dup-a.toml",
        head + '[domain."twice.example.test"]\nissue = ["ca.example"]\n',
        more_files=["dup-b.toml"], checks=[stderr_line_has("dup-a.toml", "dup-b.toml")])
    add("an empty file", "empty.toml", b"")

    # 100,000 domains: must succeed quickly.
    count = 100000
    write(workdir, "big.toml", head + "[defaults]\nttl = 300\n" + "".join(
        '[domain."d%d.example.test"]\nissue = ["letsencrypt.org"]\n' % i for i in range(count)))
    cases.append(Case("policy check 100,000 domains", ["check", "big.toml"], (0,),
                      cpu_bound=BIG_POLICY_BOUND,
                      checks=[stderr_has("checked %d domains" % count)]))
    cases.append(Case("policy generate --format zone 100,000 domains",
                      ["generate", "--format", "zone", "big.toml"], (0,),
                      cpu_bound=BIG_POLICY_BOUND, checks=[zone_lines_for_domains(count)]))
    cases.append(Case("policy generate --format json 100,000 domains",
                      ["generate", "--format", "json", "big.toml"], (0,),
                      cpu_bound=BIG_POLICY_BOUND, checks=[stdout_is_json]))

    # Files that cannot be read.
    os.mkdir(os.path.join(workdir, "dir.toml"))
    for cmd in ("check", "generate"):
        cases.append(Case("policy %s a directory given as a file" % cmd, [cmd, "dir.toml"],
                          (2,), names_file="dir.toml"))
        cases.append(Case("policy %s a nonexistent file" % cmd, [cmd, "missing.toml"], (2,),
                          names_file="missing.toml"))
    write(workdir, "unreadable.toml", head)
    os.chmod(os.path.join(workdir, "unreadable.toml"), 0)
    for cmd in ("check", "generate"):
        cases.append(Case("policy %s an unreadable file" % cmd, [cmd, "unreadable.toml"], (2,),
                          names_file="unreadable.toml", unprivileged=True,
                          checks=[stderr_has("Permission denied")],
                          skip=UNREADABLE_SKIP))
    os.mkfifo(os.path.join(workdir, "fifo.toml"))
    # A pipe named on the command line is read (<(...), FIFOs); one nobody writes to is
    # refused after 10 s of silence (core/input.cpp), never waited on for ever.
    cases.append(Case("policy check a FIFO given as a file", ["check", "fifo.toml"], (2,),
                      names_file="fifo.toml", bound=12))
    return cases


def output_cases(workdir):
    """generate -o FILE where FILE cannot be written: exit 2, nothing left behind."""
    write(workdir, "out/ok.toml", 'version = 1\n[domain."example.test"]\nissue = []\n')
    write(workdir, "out/bad.toml", 'version = 1\n[domain."example.test"]\nissue = [1]\n')
    write(workdir, "out/existing.zone", "; keep me\n")
    os.mkdir(os.path.join(workdir, "out/adir"))
    write(workdir, "out/adir/inside", "x")
    files = ["adir", "bad.toml", "existing.zone", "ok.toml"]
    gen = ["generate", "--policy"]
    return [
        Case("generate -o into a directory that does not exist",
             gen + ["out/ok.toml", "-o", "out/nodir/x.zone"], (2,), names_file="nodir",
             checks=[absent("out/nodir"), nothing_left("out", files)]),
        Case("generate -o a path that is a directory",
             gen + ["out/ok.toml", "-o", "out/adir"], (2,), names_file="adir",
             checks=[directory_unchanged("out/adir", ["inside"]),
                     nothing_left("out", files)]),
        Case("generate -o with a policy in error keeps the old file",
             gen + ["out/bad.toml", "-o", "out/existing.zone"], (2,),
             located_files=["bad.toml"],
             checks=[file_is("out/existing.zone", b"; keep me\n"),
                     nothing_left("out", files)]),
        Case("generate -o a path under a regular file",
             gen + ["out/ok.toml", "-o", "out/existing.zone/x.zone"], (2,),
             names_file="existing.zone",
             checks=[file_is("out/existing.zone", b"; keep me\n"),
                     nothing_left("out", files)]),
    ]


def import_cases(zone):
    """Every hostile zone again through `caapol import` (import): where lint finds errors,
    import refuses (exit 2) at a located place; elsewhere it writes or refuses (0 or 2)."""
    cases = []
    for i, case in enumerate(zone):
        if case.argv[0] != "lint" or "--format" in case.argv:
            continue
        exits = (2,) if 0 not in case.exits else (0, 2)
        checks = [c for c in case.checks if c is not stdout_is_json]
        cases.append(Case("import " + case.name[len("zone "):],
                          ["import", "-o", "imported-%d.toml" % i] + case.argv[1:], exits,
                          located_files=case.located_files, names_file=case.names_file,
                          checks=checks, bound=case.bound, cpu_bound=case.cpu_bound,
                          skip=case.skip, unprivileged=case.unprivileged))
    return cases


def main(argv):
    global CAAPOL, SANITIZED
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    CAAPOL = os.path.abspath(argv[1])
    filters = argv[2:]
    with open(CAAPOL, "rb") as f:
        SANITIZED = b"__asan_init" in f.read()
    seeds = [1, 2, 3, 4, 5]
    passed = failed = gaps = skipped = 0
    gap_names, failed_names = [], []
    workdir = tempfile.mkdtemp(prefix="caapol-hostile-")
    os.chmod(workdir, 0o755)  # nobody (see AS_NOBODY) must reach the unreadable files
    try:
        started = time.monotonic()
        zone = zone_cases(workdir, seeds)
        cases = zone + import_cases(zone) + policy_cases(workdir, seeds) + \
            output_cases(workdir)
        print("# %d cases, inputs generated in %.1f s under %s%s" % (
            len(cases), time.monotonic() - started, workdir,
            " (ASan build: time bounds x3, no memory bound)" if SANITIZED else ""))
        for case in cases:
            if filters and not any(f in case.name for f in filters):
                continue
            if case.skip:
                skipped += 1
                print("SKIP %s: %s" % (case.name, case.skip))
                continue
            timeout = (case.bound or HANG_BOUND) * (3 if SANITIZED else 1) + 5
            result = run(case.argv, workdir, timeout, case.unprivileged)
            problems = check_case(case, result, workdir)
            figures = "exit %s, %.2f s" % (result.status, result.elapsed)
            if result.cpu is not None:
                figures += " (%.2f s CPU)" % result.cpu
            if result.max_rss_kb is not None:
                figures += ", peak RSS %d MB" % (result.max_rss_kb // 1024)
            if not problems:
                passed += 1
                closed = " GAP CLOSED: remove it from KNOWN_GAPS" if case.name in KNOWN_GAPS \
                    else ""
                print("ok   %s (%s)%s" % (case.name, figures, closed))
            elif case.name in KNOWN_GAPS:
                gaps += 1
                gap_names.append(case.name)
                print("KNOWN GAP %s (%s): %s; %s" % (case.name, figures, KNOWN_GAPS[case.name],
                                                     "; ".join(problems)))
            else:
                failed += 1
                failed_names.append(case.name)
                print("FAIL %s (%s)\n  caapol %s\n  %s\n  stderr: %s" % (
                    case.name, figures, " ".join(a if len(a) < 80 else a[:80] + "..."
                                                 for a in case.argv),
                    "\n  ".join(problems), excerpt(result.stderr)))
        print("# total %.1f s" % (time.monotonic() - started))
    finally:
        for root, dirs, _ in os.walk(workdir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
        shutil.rmtree(workdir, ignore_errors=True)
    for name in failed_names:
        print("failed: " + name)
    for name in gap_names:
        print("known gap: %s: %s" % (name, KNOWN_GAPS[name]))
    print("%d passed, %d failed, %d known gaps, %d skipped" % (passed, failed, gaps, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
