#!/usr/bin/python3
"""bpftrace 0.17's own runtime test suite, run against scry: a test lane.

usage: bpftrace_suite.py SCRY [--filter PATTERN] [--list FILE] [--write-list FILE] [--keep]
                        [--only-kinds KINDS]

The tests are bpftrace's tests/runtime from Debian 12's `bpftrace` source package, fetched once
through apt (a private deb-src list; the machine's apt configuration is not touched) into
SCRY_COMPAT_CACHE (default /var/cache/scry-compat); BPFTRACE_SRC names an unpacked bpftrace
source tree instead. Nothing of it is kept in this repository. The test programs are built as
bpftrace's CMake builds them, and bpftrace's unchanged engine (runtime/engine/main.py) runs
every test with scry standing in as `bpftrace` (a symlink, so that `pidof bpftrace` finds it).
scry answers the engine's `--info` feature query itself and prints the attach marker the engine
waits for.

Outcomes are checked against the list (default: not_yet_passing.txt beside this script) of
tests that do not pass yet, each with a reason. The lane fails when a test not on the list
fails, when a listed test passes (take it off the list: the list only shrinks) unless its
reason starts with "flaky:", or when nothing ran. Tests whose program attaches a probe kind
this kernel lacks (scry --info: kprobe, kfunc, hardware) are skipped and counted as skipped.

Needs root, gcc, python3 with distutils (Debian: python3-distutils).
"""
import argparse
import fnmatch
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's, with distutils (the engine imports it)
MARKER_VAR = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
HUNG_AFTER = 90  # s; the engine's longest test is 5 s to attach plus a 5 s TIMEOUT
ENGINE_TIMEOUT = 2000  # s, for the whole suite (it takes a few minutes)


def say(msg):
    print("bpftrace-suite: " + msg, flush=True)


# --- the tests' source ------------------------------------------------------------------------

def unpacked_tree(cache):
    for d in sorted(os.listdir(cache)) if os.path.isdir(cache) else []:
        if d.startswith("bpftrace-") and os.path.isdir(os.path.join(cache, d, "tests", "runtime")):
            return os.path.join(cache, d)
    return None


def fetch_source(cache):
    """Debian's bpftrace source package, through apt with a deb-src list of our own."""
    parts = os.path.join(cache, "sources")
    lists = os.path.join(cache, "lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    os.makedirs(parts, exist_ok=True)
    with open(os.path.join(parts, "bookworm-src.sources"), "w") as f:
        f.write("Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n"
                "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    apt = ["apt-get", "-q", "-o", "Dir::Etc::SourceList=/dev/null", "-o", "Dir::Etc::SourceParts=" + parts,
           "-o", "Dir::State::Lists=" + lists]
    say("fetching Debian's bpftrace source package into " + cache)
    subprocess.run(apt + ["update"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(apt + ["source", "--download-only", "bpftrace"], cwd=cache, check=True,
                   stdout=subprocess.DEVNULL)
    tarballs = [f for f in os.listdir(cache) if f.startswith("bpftrace_") and ".orig.tar" in f]
    if not tarballs:
        sys.exit("bpftrace-suite: apt fetched no bpftrace orig tarball into " + cache)
    subprocess.run(["tar", "-xf", os.path.join(cache, sorted(tarballs)[-1]), "-C", cache], check=True)


def source_tree():
    if os.environ.get("BPFTRACE_SRC"):
        return os.environ["BPFTRACE_SRC"]
    cache = os.environ.get("SCRY_COMPAT_CACHE", "/var/cache/scry-compat")
    tree = unpacked_tree(cache)
    if not tree:
        os.makedirs(cache, exist_ok=True)
        fetch_source(cache)
        tree = unpacked_tree(cache)
    if not tree:
        sys.exit("bpftrace-suite: no bpftrace source tree in " + cache)
    return tree


# --- the build, laid out as bpftrace's tests/ build directory ----------------------------------

def has_sdt_header():
    r = subprocess.run(["gcc", "-E", "-x", "c", "-", "-o", "/dev/null"], input=b"#include <sys/sdt.h>\n",
                       stderr=subprocess.DEVNULL)
    return r.returncode == 0


def gcc(args, what):
    r = subprocess.run(["gcc"] + args, capture_output=True, text=True)
    if r.returncode:
        say("could not build %s:\n%s" % (what, r.stderr))
    return r.returncode == 0


def scale_timeouts(work, scale):
    """Multiplies every time limit of the work copy (each test's TIMEOUT, the engine's attach
    and default limits) by `scale`: an emulated guest (the VM lane) runs code 5-20 times slower
    than hardware, and a cold start there takes longer than some tests' 2 s. A test that hangs
    still fails, later."""
    rt = os.path.join(work, "runtime")
    for name in os.listdir(rt):
        path = os.path.join(rt, name)
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(re.sub(r"^(TIMEOUT\s+)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) * scale), text, flags=re.M))
    runner = os.path.join(rt, "engine", "runner.py")
    with open(runner) as f:
        text = f.read()
    with open(runner, "w") as f:
        f.write(re.sub(r"^((?:ATTACH|DEFAULT)_TIMEOUT\s*=\s*)(\d+)", lambda m: m.group(1) + str(int(m.group(2)) * scale),
                       text, flags=re.M))


def build_tests(tree, work):
    tests = os.path.join(tree, "tests")
    shutil.copytree(os.path.join(tests, "runtime"), os.path.join(work, "runtime"))
    # The engine's cmake_vars.py is a configure_file(@ONLY) template: no AOT runtime here.
    cv = os.path.join(work, "runtime", "engine", "cmake_vars.py")
    with open(cv) as f:
        text = f.read()
    with open(cv, "w") as f:
        f.write(re.sub(r"@LIBBCC_BPF_CONTAINS_RUNTIME@", "0", text))
    sdt = ["-DHAVE_SYSTEMTAP_SYS_SDT_H"] if has_sdt_header() else []
    libs, progs = os.path.join(work, "testlibs"), os.path.join(work, "testprogs")
    os.makedirs(libs)
    os.makedirs(progs)
    ok = True
    for src in sorted(os.listdir(os.path.join(tests, "testlibs"))):
        if src.endswith(".c"):
            lib = os.path.join(libs, "lib%s.so" % src[:-2])
            ok &= gcc(["-g", "-O0", "-fPIC", "-shared"] + sdt + ["-o", lib, os.path.join(tests, "testlibs", src)], src)
            if os.path.exists(lib):
                os.chmod(lib, 0o644)  # bpftrace's build clears the executable bit
    for src in sorted(os.listdir(os.path.join(tests, "testprogs"))):
        if not src.endswith(".c"):
            continue
        name = src[:-2]
        extra = []
        if name == "usdt_lib":  # links the USDT test library
            extra = ["-fPIC", "-I", os.path.join(tests, "testlibs"), "-L", libs, "-lusdt_tp", "-Wl,-rpath," + libs]
        ok &= gcc(["-g", "-O0", "-no-pie"] + sdt + ["-o", os.path.join(progs, name),
                                                    os.path.join(tests, "testprogs", src)] + extra, src)
    return ok


def install_tracer(scry, work):
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    os.symlink(scry, os.path.join(bindir, "bpftrace"))
    # Some tests pipe into `python` (Debian's python-is-python3); Debian 12 has only python3.
    if not shutil.which("python"):
        os.symlink("/usr/bin/python3", os.path.join(bindir, "python"))
    return bindir


# --- which tests this kernel cannot run ---------------------------------------------------------

def kernel_lacks(scry):
    """Probe kinds `scry --info` says this kernel cannot attach."""
    r = subprocess.run([scry, "--info"], capture_output=True, text=True, timeout=60)
    info = r.stdout + r.stderr  # bpftrace itself prints it on stderr
    lacks = []
    for kind in ("kprobe", "kfunc", "hardware"):
        if not re.search(r"^\s*%s: yes$" % kind, info, re.M):
            lacks.append(kind)
    return lacks, info


# Attach points of each kind, long and short spellings, as bpftrace 0.17 accepts them.
KIND_SPELLINGS = {
    "kprobe": ("kprobe", "kretprobe", "k", "kr"),
    "kfunc": ("kfunc", "kretfunc", "fentry", "fexit", "f", "fr"),
    "hardware": ("hardware", "h"),
}


def attaches(kind, text):
    """An attach point of the kind: its name, a colon and a function name or a wildcard (not a
    digit: `f:15` is a bitfield of a C definition)."""
    names = "|".join(KIND_SPELLINGS[kind])
    return re.search(r"""(?:^|[\s'"{};,/])(?:%s):[A-Za-z_*]""" % names, text, re.M) is not None


def needs_missing_kind(test, work, lacks):
    """The kind this kernel lacks that the test attaches or lists, or None. Tests expected to
    fail (WILL_FAIL) stay: they check an error that comes before anything is attached."""
    if test.will_fail:
        return None
    run = test.run or ""
    text = (test.prog or "") + "\n" + run
    for script in re.findall(r"runtime/scripts/[\w./-]+", run):
        try:
            with open(os.path.join(work, script)) as f:
                text += "\n" + f.read()
        except OSError:
            pass
    listing = re.search(r"(?:^|\s)(?:-l\w*|--list)\b", run) is not None
    for kind in lacks:
        if not listing:
            if attaches(kind, text):
                return kind
            continue
        # A listing needs the kind's functions to exist (hardware events are a fixed list).
        long_names = "|".join(KIND_SPELLINGS[kind][:2])
        if kind != "hardware" and (attaches(kind, text) or re.search(r"\b(?:%s):" % long_names, test.expect) or
                                   re.search(r"\bgrep\b[^|]*\b(?:%s)" % long_names, run)):
            return kind
    return None


def load_tests(work):
    spec = importlib.util.spec_from_file_location("engine_parser", os.path.join(work, "runtime", "engine", "parser.py"))
    parser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(parser)
    tests = []
    rt = os.path.join(work, "runtime")
    for name in sorted(os.listdir(rt)):
        path = os.path.join(rt, name)
        if os.path.isfile(path) and not name.startswith("."):
            tests.extend(parser.TestParser.read(path)[1])
    return tests


# --- running the engine -----------------------------------------------------------------------

def process_table():
    """{pid: (ppid, start time in s since boot)} of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            table[int(pid)] = (int(fields[1]), int(fields[19]) / tick)
        except (OSError, ValueError, IndexError):
            pass
    return table


def has_marker(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return (MARKER_VAR + "=").encode() in f.read()
    except OSError:
        return False


def watchdog(engine, since, stop, killed):
    """Kills what a test started that still runs after HUNG_AFTER seconds: the engine waits
    without a time limit for a tracer it sent SIGTERM, and for the end of the tracer's output,
    which a command the tracer left running (-c) holds open. So one hung tracer would hang the
    lane. Only the engine's descendants, and processes of a test (the engine's variable in
    their environment) that lost their parent since the lane started."""
    while not stop.wait(2):
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        table = process_table()
        children = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        ours, todo = set(), [engine.pid]
        while todo:
            for c in children.get(todo.pop(), []):
                if c not in ours:
                    ours.add(c)
                    todo.append(c)
        for pid, (ppid, started) in table.items():
            if ppid == 1 and started >= since and has_marker(pid):
                ours.add(pid)
        for pid in ours:
            if uptime - table[pid][1] < HUNG_AFTER or not has_marker(pid):
                continue
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                os.kill(pid, signal.SIGKILL)
                killed.append(cmd)
            except OSError:
                pass


RESULT = re.compile(r"^\[\s*(OK|FAILED|TIMEOUT|SKIP)\s*\] (.+?)\s*$")


def parse_log(log):
    """{test: outcome} in run order (duplicate names numbered " [2]"), the skip reasons, the
    engine's report of each failure, whether the engine got to its summary, and how many tests
    it started."""
    outcomes, reasons, details = {}, {}, {}
    finished = False
    started = 0
    current = None
    for line in log.splitlines():
        if line.startswith("[==========]") and " ran. " in line:
            finished = True
            current = None
            continue
        if line.startswith("[ RUN      ]"):
            started += 1
            current = None
            continue
        m = RESULT.match(line)
        if not m:
            if current and not line.startswith("["):  # the report, over several lines
                details[current] = details.get(current, "") + line + "\n"
            continue
        status, name = m.groups()
        if finished:
            if status == "SKIP" and name.endswith(")") and " (" in name:
                test, _, why = name.rpartition(" (")
                reasons.setdefault(test, why[:-1])
            continue
        key, n = name, 1
        while key in outcomes:
            n += 1
            key = "%s [%d]" % (name, n)
        outcomes[key] = {"OK": "PASS", "FAILED": "FAIL", "TIMEOUT": "FAIL", "SKIP": "SKIP"}[status]
        current = key if status in ("FAILED", "TIMEOUT") else None
    return outcomes, reasons, details, finished, started


def run_engine(work, bindir, flt, disabled, log_path):
    """The engine's log, whether it exited as the engine does (0, or 1 for failed tests), and
    the commands of processes the watchdog killed."""
    env = dict(os.environ)
    env["BPFTRACE_RUNTIME_TEST_EXECUTABLE"] = bindir
    env["RUNTIME_TEST_DISABLE"] = ",".join(disabled)
    cmd = [PYTHON, "runtime/engine/main.py"] + (["--filter", flt] if flt else [])
    with open("/proc/uptime") as f:
        since = float(f.read().split()[0])
    stop, killed = threading.Event(), []
    with open(log_path, "w") as log:
        engine = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        dog = threading.Thread(target=watchdog, args=(engine, since, stop, killed), daemon=True)
        dog.start()
        try:
            rc = engine.wait(timeout=ENGINE_TIMEOUT)
        except subprocess.TimeoutExpired:
            engine.kill()
            rc = engine.wait()
            killed.append("the engine itself, after %d s" % ENGINE_TIMEOUT)
    stop.set()
    dog.join()
    with open(log_path, errors="replace") as f:
        return f.read(), rc in (0, 1), killed


# --- the list of tests that do not pass yet -----------------------------------------------------

def read_list(path):
    """{test: reason} from lines `suite.test name | reason`."""
    listed = {}
    if not os.path.exists(path):
        return listed
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, reason = line.partition(" | ")
            if not sep or not reason.strip():
                sys.exit("bpftrace-suite: %s:%d: expected `suite.test name | reason`" % (path, n))
            listed[name.strip()] = reason.strip()
    return listed


def write_list(path, outcomes, listed):
    """The failing tests, with their known reasons; flaky ones stay listed whatever this run did."""
    with open(path, "w") as f:
        f.write("# bpftrace 0.17 runtime tests that scry does not pass yet: `suite.test name | reason`.\n"
                "# tests/compat/bpftrace_suite.py fails when a test not listed here fails, and when a listed\n"
                "# test passes (unless its reason starts with \"flaky:\"): this list only shrinks.\n")
        keep = {n for n, o in outcomes.items() if o == "FAIL"}
        keep |= {n for n, why in listed.items() if why.startswith("flaky:")}
        for name in sorted(keep):
            f.write("%s | %s\n" % (name, listed.get(name, "TODO: why")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scry")
    ap.add_argument("--filter", default="", help="fnmatch pattern on 'file.test name' (the engine's --filter)")
    ap.add_argument("--list", default=os.path.join(HERE, "not_yet_passing.txt"))
    ap.add_argument("--write-list", help="write the failing tests to this file (keeps known reasons)")
    ap.add_argument("--log", help="where the engine's log goes (default: a file in /tmp, printed)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--only-kinds", default="",
                    help="run only the tests that attach one of these probe kinds (kprobe,kfunc): the VM lane's share; "
                         "the others count as skipped")
    ap.add_argument("--timeout-scale", type=int, default=1,
                    help="multiply every test's time limit by this (the VM lane's emulated guest is slow)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bpftrace-suite: must run as root")
    scry = os.path.realpath(args.scry)
    t0 = time.time()
    tree = source_tree()
    for target, fstype in (("/sys/kernel/tracing", "tracefs"), ("/sys/kernel/debug", "debugfs")):
        if subprocess.run(["mountpoint", "-q", target]).returncode:
            subprocess.run(["mount", "-t", fstype, "nodev", target], stderr=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="bpftrace-suite.")
    try:
        if not build_tests(tree, work):
            sys.exit("bpftrace-suite: the test programs did not build")
        if args.timeout_scale > 1:
            scale_timeouts(work, args.timeout_scale)
        bindir = install_tracer(scry, work)
        lacks, _ = kernel_lacks(scry)
        tests = load_tests(work)
        missing = {}
        only = [k for k in args.only_kinds.split(",") if k]
        for t in tests:
            kind = needs_missing_kind(t, work, lacks)
            if kind:
                missing["%s.%s" % (t.suite, t.name)] = "this kernel cannot attach %s probes" % kind
            elif only and not needs_missing_kind(t, work, only):
                missing["%s.%s" % (t.suite, t.name)] = "not in this run: it attaches no %s probe" % "/".join(only)
        say("%s, %d tests, against %s; this kernel lacks: %s" %
            (os.path.basename(tree), len(tests), scry, ", ".join(lacks) or "nothing"))
        log_path = args.log
        if not log_path:
            fd, log_path = tempfile.mkstemp(prefix="bpftrace-suite.", suffix=".log")
            os.close(fd)
        log, engine_ok, killed = run_engine(work, bindir, args.filter, sorted(missing), log_path)
        outcomes, reasons, details, finished, started = parse_log(log)
        reasons.update(missing)
        listed = read_list(args.list)
        if args.write_list:
            write_list(args.write_list, outcomes, listed)
        report(outcomes, reasons, details, listed, killed, args.filter, log_path)
        counts = {o: sum(1 for v in outcomes.values() if v == o) for o in ("PASS", "FAIL", "SKIP")}
        unexpected = [n for n, o in outcomes.items() if o == "FAIL" and n not in listed]
        stale = [n for n, o in outcomes.items() if o == "PASS" and n in listed and not listed[n].startswith("flaky:")]
        say("%d passed, %d failed (%d of them listed), %d skipped of %d; %.0f s" %
            (counts["PASS"], counts["FAIL"], counts["FAIL"] - len(unexpected), counts["SKIP"], len(outcomes),
             time.time() - t0))
        # A process that had to be killed is a failure whatever the test's outcome: SIGTERM
        # must always stop scry, and scry must stop what it started.
        ok = not unexpected and not stale and not killed and counts["PASS"] > 0
        if not counts["PASS"]:
            say("FAIL: no test passed (did anything run?)")
        # The engine must have run every test it started and got to its summary: a crash of
        # the engine must not look like a shorter, passing run.
        ran = len(outcomes)  # a test skipped before it starts has an outcome but no RUN line
        if not engine_ok or not finished or started > ran:
            say("FAIL: the engine did not finish (exit status, or %d tests started and %d outcomes)" % (started, ran))
            ok = False
        return 0 if ok else 1
    finally:
        if args.keep:
            say("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(outcomes, reasons, details, listed, killed, flt, log_path):
    per_file = {}
    for name, o in outcomes.items():
        per_file.setdefault(name.split(".", 1)[0], {"PASS": 0, "FAIL": 0, "SKIP": 0})[o] += 1
    print("%-16s %6s %6s %6s" % ("file", "pass", "fail", "skip"))
    for suite in sorted(per_file):
        c = per_file[suite]
        print("%-16s %6d %6d %6d" % (suite, c["PASS"], c["FAIL"], c["SKIP"]))
    for name, o in outcomes.items():
        if o == "FAIL" and name not in listed:
            print("\nFAILED, and not in the list: %s\n%s" % (name, details.get(name, "")), end="")
    for name, o in outcomes.items():
        if o == "PASS" and name in listed and not listed[name].startswith("flaky:"):
            print("PASSES now, take it off the list: %s (listed: %s)" % (name, listed[name]))
    for name in sorted(n for n, o in outcomes.items() if o == "SKIP"):
        base = re.sub(r" \[\d+\]$", "", name)
        print("skipped: %s (%s)" % (name, reasons.get(base, "?")))
    if not flt:
        for name in sorted(set(listed) - set(outcomes)):
            print("listed but not run: %s" % name)
    for cmd in killed:
        print("killed a process of a test still running after %d s: %s" % (HUNG_AFTER, cmd))
    print("engine log: " + log_path)


if __name__ == "__main__":
    sys.exit(main())
