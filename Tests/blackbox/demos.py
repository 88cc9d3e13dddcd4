#!/usr/bin/env python3
"""The classroom demos, measured as the README's "Demos for the classroom" shows them.

    python3 Tests/blackbox/demos.py binary <path to app>
    python3 Tests/blackbox/demos.py docker <image>

`binary`: a CPU stress keeps every CPU the process may use busy for the seconds asked (no idle time in
/proc/stat meanwhile; its own CPU time from /proc/<pid>/stat) while /health keeps answering, and a memory stress
is resident while held and given back after (/proc/<pid>/status).
`docker`: in a container limited with --cpus=0.5 the stress is throttled (cgroup cpu.stat); with --memory=64m a
128 MiB stress ends in the OOM kill (OOMKilled=true); with --restart=on-failure /admin/crash is followed by a
restart (RestartCount=1) and a healthy container again. Python standard library only.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request

from hostile_clients import Server

KEY = "demo-key-0123456789"
PATIENCE = 60


def post(port, path):
    request = urllib.request.Request(
        "http://127.0.0.1:%d%s" % (port, path), method="POST", headers={"Authorization": "Bearer " + KEY}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def get_status(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(what, condition, patience=PATIENCE):
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            sys.exit("FAIL gave up waiting for %s after %d s" % (what, patience))
        time.sleep(0.05)


def stress_threads(pid):
    names = []
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, task)) as comm:
                names.append(comm.read().strip())
        except OSError:
            pass
    return [name for name in names if name.startswith("stress-")]


def idle_jiffies(cpus):
    """Idle and I/O-wait time of the given CPUs so far, in clock ticks (/proc/stat)."""
    total = 0
    with open("/proc/stat") as stat:
        for line in stat:
            fields = line.split()
            if fields[0].startswith("cpu") and fields[0] != "cpu" and int(fields[0][3:]) in cpus:
                total += int(fields[4]) + int(fields[5])
    return total


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        sys.exit(1)


def binary(path):
    server = Server(path, env={"SECRET_KEY": KEY})
    pid = server.process.pid
    try:
        seconds = 3
        cpus = os.sched_getaffinity(pid)
        before, idle_before = server.cpu_seconds(), idle_jiffies(cpus)
        status, started = post(server.port, "/admin/stress/cpu?seconds=%d" % seconds)
        check(status == 202, "cpu stress answered 202 at once: %s" % started)
        wait_for("the stress threads", lambda: len(stress_threads(pid)) == started["threads"])
        check(get_status(server.port, "/health") == 200, "/health answers 200 during the stress")
        wait_for("the cpu stress to end", lambda: not stress_threads(pid))
        burnt = server.cpu_seconds() - before
        idle = (idle_jiffies(cpus) - idle_before) / os.sysconf("SC_CLK_TCK")
        # The stress runs at the lowest priority: on a quiet machine it burns all the CPU time there is; beside
        # other work it takes what that leaves. Either way no CPU the process may use stays idle.
        check(started["threads"] == len(cpus), "one thread per CPU the process may use (%d)" % len(cpus))
        check(burnt > 0 and idle < 0.15 * seconds * len(cpus),
              "%d CPU(s) kept busy for %d s: idle %.2f s of them; the stress itself burnt %.2f s"
              % (len(cpus), seconds, idle, burnt))

        baseline = server.rss_kib()
        status, started = post(server.port, "/admin/stress/memory?mb=128&seconds=2")
        check(status == 202, "memory stress answered 202: %s" % started)
        wait_for("the memory stress to end", lambda: not stress_threads(pid))
        # The high-water mark saw it all resident at once (less the pages the kernel's per-thread counters had
        # not added in yet).
        peak = status_kib(pid, "VmHWM")
        check(peak >= baseline + 124 * 1024, "resident memory rose from %d MiB to %d MiB" % (baseline // 1024, peak // 1024))
        after = server.rss_kib()
        check(after < baseline + 16 * 1024, "given back when it ended: %d MiB resident" % (after // 1024))
    finally:
        server.stop()


def docker(*arguments, check_status=True):
    result = subprocess.run(["docker", *arguments], capture_output=True, text=True)
    if check_status and result.returncode != 0:
        sys.exit("FAIL docker %s: %s" % (" ".join(arguments), result.stderr.strip()))
    return result.stdout.strip()


def container(image, name, *options):
    docker("rm", "-f", name, check_status=False)
    docker("run", "-d", "--name", name, "-p", "127.0.0.1::8000", "-e", "SECRET_KEY=" + KEY,
           "--health-interval=1s", *options, image)
    port = int(docker("port", name, "8000/tcp").splitlines()[0].rsplit(":", 1)[1])
    wait_for(name + " healthy", lambda: docker("inspect", "-f", "{{.State.Health.Status}}", name) == "healthy")
    return port


def containers(image):
    names = ["demo-cpu", "demo-oom", "demo-crash"]
    try:
        port = container(image, "demo-cpu", "--cpus=0.5")
        status, started = post(port, "/admin/stress/cpu?seconds=3")
        check(status == 202, "--cpus=0.5: cpu stress started: %s" % started)
        wait_for("the stress to end", lambda: "cpu stress ended" in docker("logs", "demo-cpu"))
        # cgroup v2 keeps it in /sys/fs/cgroup/cpu.stat, v1 under the cpu controller.
        stat_text = docker("exec", "demo-cpu", "sh", "-c",
                           "cat /sys/fs/cgroup/cpu.stat 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.stat")
        stat = dict(line.split() for line in stat_text.splitlines())
        check(int(stat.get("nr_throttled", "0")) > 0,
              "--cpus=0.5: the kernel throttled the container %s time(s)" % stat.get("nr_throttled"))

        port = container(image, "demo-oom", "--memory=64m", "--memory-swap=64m")
        status, started = post(port, "/admin/stress/memory?mb=128&seconds=30")
        check(status == 202, "--memory=64m: a 128 MiB stress started: %s" % started)
        wait_for("the container to end", lambda: docker("inspect", "-f", "{{.State.Running}}", "demo-oom") == "false")
        killed = docker("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "demo-oom")
        check(killed == "true 137", "--memory=64m: OOMKilled and exit code: %s" % killed)

        port = container(image, "demo-crash", "--restart=on-failure")
        status, answer = post(port, "/admin/crash")
        check(status == 202 and answer["exit_status"] == 70, "/admin/crash answered: %s" % answer)
        wait_for("a restart", lambda: docker("inspect", "-f", "{{.RestartCount}}", "demo-crash") == "1")
        wait_for("healthy again", lambda: docker("inspect", "-f", "{{.State.Health.Status}}", "demo-crash") == "healthy")
        logs = docker("logs", "demo-crash")
        check("crash requested by hand" in logs and logs.count(" started ") == 2,
              "--restart=on-failure: RestartCount=1, healthy again, two startup lines in its log")
    finally:
        for name in names:
            docker("rm", "-f", name, check_status=False)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("binary", "docker"):
        sys.exit(__doc__)
    if sys.argv[1] == "binary":
        binary(sys.argv[2])
    else:
        containers(sys.argv[2])
    print("demos: every check passed")
