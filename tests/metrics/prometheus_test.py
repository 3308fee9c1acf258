#!/usr/bin/python3
"""--metrics against the real Prometheus server (Debian's prometheus 2.42).

Three scry instances run tests/metrics/fleet.bt with --metrics on 127.0.0.1 (each with its own
parameter, so each reports other values); one Prometheus, started here with the fleet's scrape
configuration (deploy/prometheus/scry-hosts.yml, its targets file pointed at this test's),
scrapes them every second. The values are then checked through Prometheus' query API, per
instance and summed across them with PromQL, and one instance's /metrics text directly. Also:
a port already in use and a malformed --metrics are refused before anything is attached.

usage: prometheus_test.py SCRY [--compiled]
  --compiled: the instances run fleet.bt compiled first (scry --compile -o fleet.scry), as
  deploy/ runs programs.
"""
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INSTANCES = 3
TIMEOUT = 90  # seconds for any one thing to happen: an emulated or loaded machine is slow

failures = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_until(stream, needle, deadline):
    """Lines of `stream` up to the one that holds `needle` (None if it never comes)."""
    seen = []
    while time.time() < deadline:
        ready, _, _ = select.select([stream], [], [], 1)
        if not ready:
            continue
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    return None


class Scry:
    """One instance: scry --metrics 127.0.0.1:0 PROGRAM N PID, up and attached."""

    def __init__(self, scry, program, n):
        self.n = n
        self.proc = subprocess.Popen([scry, "--metrics", "127.0.0.1:0", program, str(n), str(os.getpid())],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + TIMEOUT
        lines = read_until(self.proc.stderr, "serving metrics on", deadline)
        self.port = int(lines[-1].rsplit(":", 1)[1].split("/")[0]) if lines else None
        self.attached = self.port is not None and read_until(self.proc.stdout, "Attaching", deadline) is not None

    def stop(self):
        """Ctrl-C; returns (exit status, what it printed at exit)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out + err


def http_get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def query(prom_port, promql):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (prom_port, urllib.parse.urlencode({"query": promql}))
    try:
        answer = json.loads(http_get(url))
    except OSError:
        return None
    return answer["data"]["result"] if answer.get("status") == "success" else None


def eventually(prom_port, promql, expected, what):
    """The query's one result, as a number, becomes `expected` (Prometheus scrapes every second)."""
    deadline = time.time() + TIMEOUT
    last = None
    while time.time() < deadline:
        result = query(prom_port, promql)
        if result and len(result) == 1:
            last = float(result[0]["value"][1])
            if last == expected:
                break
        else:
            last = result
        time.sleep(0.5)
    check(last == expected, "%s: %s = %s (expected %s)" % (what, promql, last, expected))


def start_prometheus(tmp, ports):
    """Prometheus with deploy/prometheus/scry-hosts.yml, scraping `ports` every second."""
    targets = os.path.join(tmp, "targets")
    os.makedirs(targets)
    with open(os.path.join(targets, "scry.json"), "w") as f:
        json.dump([{"targets": ["127.0.0.1:%d" % p for p in ports], "labels": {"role": "test"}}], f)
    with open(os.path.join(REPO, "deploy/prometheus/scry-hosts.yml")) as f:
        config = f.read()
    config = config.replace("/etc/prometheus/scry-targets", targets).replace("15s", "1s").replace("1m", "1s")
    with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
        f.write(config)
    port = free_port()
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    proc = subprocess.Popen(["prometheus", "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                             "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                             "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=log)
    return proc, port


def refusals(scry, taken_port):
    """--metrics on a port in use, or malformed: an error, non-zero, nothing attached."""
    r = subprocess.run([scry, "--metrics", "127.0.0.1:%d" % taken_port, "-e", "BEGIN { printf(\"ran\\n\"); }"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode != 0 and "cannot listen on 127.0.0.1:%d" % taken_port in r.stderr and
          "ran" not in r.stdout and "Attaching" not in r.stdout,
          "a port in use is refused before BEGIN: %r" % r.stderr.strip())
    r = subprocess.run([scry, "--metrics", "host:port", "-e", "BEGIN { exit(); }"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    check(r.returncode != 0 and "--metrics takes [ADDR:]PORT" in r.stderr, "a malformed --metrics: %r" % r.stderr.strip())


def main():
    scry = os.path.abspath(sys.argv[1])
    if not shutil.which("prometheus"):
        print("FAIL prometheus is not installed (scripts/setup.sh installs it)")
        return 1
    tmp = tempfile.mkdtemp(prefix="scry-metrics.")
    program = os.path.join(HERE, "fleet.bt")
    if "--compiled" in sys.argv[2:]:
        compiled = os.path.join(tmp, "fleet.scry")
        r = subprocess.run([scry, "--compile", "-o", compiled, program], capture_output=True, text=True)
        check(r.returncode == 0, "fleet.bt compiles into fleet.scry: " + r.stderr.strip())
        program = compiled
    instances, prom = [], None
    try:
        instances = [Scry(scry, program, n) for n in range(1, INSTANCES + 1)]
        check(all(i.attached for i in instances), "%d instances serve metrics and are attached" % INSTANCES)
        if not all(i.attached for i in instances):
            return 1
        # The probe's events: getppid() calls of this process, counted by every instance.
        for _ in range(7):
            os.getppid()
        text = http_get("http://127.0.0.1:%d/metrics" % instances[0].port)
        for line in ["# TYPE scry_requests_total counter", 'scry_requests_total{method="GET",status="200"} 10',
                     "# TYPE scry_latency_us histogram", 'scry_latency_us_bucket{le="1023"} 10',
                     'scry_latency_us_bucket{le="+Inf"} 10', "scry_latency_us_sum 4500", "scry_latency_us_count 10",
                     "scry_bytes_total 1000", 'scry_starts_total{comm="scry"} 1',
                     'scry_getppid_total{probe="tracepoint:syscalls:sys_enter_getppid"} 7',
                     "scry_events_lost_total 0", 'scry_map_full_total{map="@requests"} 0']:
            check(line in text.splitlines(), "instance 1's /metrics has: " + line)

        prom, prom_port = start_prometheus(tmp, [i.port for i in instances])
        eventually(prom_port, 'count(up{job="scry"} == 1)', INSTANCES, "Prometheus scrapes every instance")
        first = 'instance="127.0.0.1:%d"' % instances[0].port
        eventually(prom_port, 'scry_requests_total{%s,method="GET",status="200"}' % first, 10, "one instance's counter")
        # Across the fleet: instances 1, 2, 3 made 10, 20, 30 requests of 0, 100, 200... µs.
        eventually(prom_port, 'sum(scry_requests_total{method="GET"})', 60, "requests across the fleet")
        eventually(prom_port, "sum(scry_bytes_total)", 6000, "bytes across the fleet")
        eventually(prom_port, "sum(scry_latency_us_count)", 60, "histogram counts across the fleet")
        eventually(prom_port, "sum(scry_latency_us_sum)", 4500 + 19000 + 43500, "histogram sums across the fleet")
        eventually(prom_port, 'sum by (le) (scry_latency_us_bucket{le="1023"})', 10 + 11 + 11,
                   "values up to 1023 µs across the fleet")
        eventually(prom_port, 'sum(scry_getppid_total{role="test"})', 7 * INSTANCES, "probe events across the fleet")
        eventually(prom_port, "sum(scry_events_lost_total)", 0, "nothing lost")
        # The median of all 60 values (0..2900 µs), interpolated within its bucket by Prometheus:
        # not checked for a value, only that the buckets make a histogram it can use.
        result = query(prom_port, "histogram_quantile(0.5, sum by (le) (scry_latency_us_bucket))")
        check(bool(result) and 0 < float(result[0]["value"][1]) < 4096, "histogram_quantile over the fleet: %s" % result)
        refusals(scry, instances[0].port)
    finally:
        for i, inst in enumerate(instances):
            rc, out = inst.stop()
            check(rc == 0 and "@bytes: %d" % (1000 * (i + 1)) in out,
                  "instance %d stops on Ctrl-C and prints its maps (exit %s)" % (i + 1, rc))
        if prom:
            prom.terminate()
            try:
                prom.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                prom.kill()
        if failures and os.path.exists(os.path.join(tmp, "prometheus.log")):
            print("prometheus's log (last lines):")
            print("".join(open(os.path.join(tmp, "prometheus.log")).readlines()[-15:]))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
