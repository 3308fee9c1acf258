#!/usr/bin/python3
"""deploy/: what this machine can check of the fleet's files.

- The systemd unit (deploy/systemd/scry@.service): systemd-analyze verifies it (where systemd
  is installed), and its ExecStart, with this build's scry and a compiled program in place of
  the installed ones, runs here: it serves metrics and stops on its KillSignal with exit 0.
- The DaemonSet (deploy/kubernetes/scry-daemonset.yaml): its command and args run here the
  same way; the port in its annotations, its container port and --metrics agree; the program
  it names is in the volume it mounts.
- The Prometheus configurations: promtool checks the hosts' one (deploy/prometheus, which
  the metrics test also runs); the Kubernetes one (Debian's Prometheus is built without
  Kubernetes discovery, so promtool cannot load it) has its relabelling applied here, as
  Prometheus applies it, to a pod the DaemonSet makes.

usage: deploy_test.py SCRY
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prometheus_test import REPO, TIMEOUT, check, failures, http_get, read_until  # noqa: E402

DEPLOY = os.path.join(REPO, "deploy")


def run_serving(argv, what):
    """Runs argv (a scry serving metrics), scrapes it once, stops it with SIGINT."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = read_until(proc.stderr, "serving metrics on", time.time() + TIMEOUT)
    text = ""
    if lines:
        port = int(lines[-1].rsplit(":", 1)[1].split("/")[0])
        time.sleep(0.5)  # BEGIN has run once the probes are attached
        text = http_get("http://127.0.0.1:%d/metrics" % port)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    check(bool(lines) and 'scry_starts_total{comm="scry"} 1' in text.splitlines(),
          "%s: serves the program's maps (%s)" % (what, " ".join(argv)))
    check(proc.returncode == 0, "%s: stops on SIGINT with exit 0 (exit %s) %s" % (what, proc.returncode, err.strip()[-300:]))


def systemd_unit(scry, program):
    path = os.path.join(DEPLOY, "systemd/scry@.service")
    unit = open(path).read()
    service = dict(re.findall(r"^(\w+)=(.*)$", unit.split("[Service]")[1].split("[Install]")[0], re.M))
    check(service.get("KillSignal") == "SIGINT", "the unit stops scry as Ctrl-C does")
    tmp = tempfile.mkdtemp(prefix="scry-unit.")
    try:
        if shutil.which("systemd-analyze"):
            local = os.path.join(tmp, "scry@fleet.service")
            with open(local, "w") as f:
                f.write(unit.replace("/usr/local/bin/scry", scry))
            r = subprocess.run(["systemd-analyze", "verify", local], capture_output=True, text=True)
            # Only what is about the unit itself: the environment (no /etc/scry here) is not.
            problems = [l for l in r.stderr.splitlines() if "scry@fleet.service" in l and "/etc/scry" not in l]
            check(not problems, "systemd-analyze verify: %s" % (problems or "no complaint"))
        else:
            print("SKIP systemd-analyze verify: systemd is not installed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    words = shlex.split(service["ExecStart"])
    env = {"SCRY_METRICS": "127.0.0.1:0", "SCRY_ARGS": "1 %d" % os.getpid()}
    argv = []
    for w in words:
        w = w.replace("/usr/local/bin/scry", scry).replace("/etc/scry/%i.scry", program)
        if w.startswith("$") and w.strip("${}") in env:
            argv += env[w.strip("${}")].split()  # $VAR: split into words, as systemd does
        else:
            argv.append(w.replace("${SCRY_METRICS}", env["SCRY_METRICS"]))
    run_serving(argv, "scry@.service's ExecStart")


def daemonset(scry, program):
    ds = yaml.safe_load(open(os.path.join(DEPLOY, "kubernetes/scry-daemonset.yaml")))
    pod = ds["spec"]["template"]
    container = pod["spec"]["containers"][0]
    args = container["args"]
    port = args[args.index("--metrics") + 1]
    check(pod["metadata"]["annotations"]["prometheus.io/port"] == port and
          container["ports"][0]["containerPort"] == int(port),
          "the DaemonSet's annotation, container port and --metrics agree (%s)" % port)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    check(os.path.dirname(args[-1]) == mounts["programs"], "the program it runs is in the programs volume")
    check(pod["spec"].get("hostPID") is True, "it sees the node's processes (hostPID)")
    argv = [scry] + ["127.0.0.1:0" if a == port else program if a == args[-1] else a for a in args]
    run_serving(argv + ["1", str(os.getpid())], "the DaemonSet's command")
    return pod, port


def kubernetes_scrape(pod, port):
    """The relabelling of deploy/kubernetes/prometheus-scrape.yml, applied as Prometheus does
    (regexes anchored at both ends, source labels joined by ';'), to a DaemonSet pod."""
    config = yaml.safe_load(open(os.path.join(DEPLOY, "kubernetes/prometheus-scrape.yml")))
    job = config["scrape_configs"][0]
    check(job["kubernetes_sd_configs"][0]["role"] == "pod", "pods are found through the Kubernetes API")
    labels = {"__address__": "10.1.2.3:8080", "__meta_kubernetes_pod_node_name": "node-7"}
    for name, value in pod["metadata"]["annotations"].items():
        labels["__meta_kubernetes_pod_annotation_" + re.sub(r"[^a-zA-Z0-9_]", "_", name)] = value
    kept = True
    for rule in job["relabel_configs"]:
        value = ";".join(labels.get(l, "") for l in rule["source_labels"])
        m = re.fullmatch(rule.get("regex", "(.*)"), value)
        action = rule.get("action", "replace")
        if action == "keep":
            kept = kept and m is not None
        elif m:
            labels[rule["target_label"]] = re.sub(r"\$(\d+)", lambda g: m.group(int(g.group(1))),
                                                  rule.get("replacement", "$1"))
    check(kept and labels["__address__"] == "10.1.2.3:" + port and labels.get("node") == "node-7",
          "a scry pod is scraped at its annotated port, labelled with its node: %s" %
          {k: v for k, v in labels.items() if not k.startswith("__meta")})


def main():
    scry = os.path.abspath(sys.argv[1])
    r = subprocess.run(["promtool", "check", "config", os.path.join(DEPLOY, "prometheus/scry-hosts.yml")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "promtool check config deploy/prometheus/scry-hosts.yml")
    tmp = tempfile.mkdtemp(prefix="scry-deploy.")
    try:
        program = os.path.join(tmp, "fleet.scry")
        r = subprocess.run([scry, "--compile", "-o", program, os.path.join(REPO, "tests/metrics/fleet.bt")],
                           capture_output=True, text=True)
        check(r.returncode == 0, "fleet.bt compiles: " + r.stderr.strip())
        systemd_unit(scry, program)
        pod, port = daemonset(scry, program)
        kubernetes_scrape(pod, port)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
