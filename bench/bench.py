#!/usr/bin/env python3
"""Benchmarks the app's GET /health against nginx serving the same body, on this machine, in one run.

Usage: bench.py APP_BINARY [--seconds N] [--rounds N]

Everything listens on 127.0.0.1 and every load is bounded in time. A virtual machine's speed drifts by 20%
from one minute to the next, so the two servers take turns, round after round, and each figure is the
median over the rounds. Prints one table with each figure, nginx's, their ratio and the target from issue
6, then the same loads with access logs on (LOG_LEVEL=INFO). Exits 1 when a target is missed.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_health(port, timeout=1.0):
    """Status and body of one GET /health on a fresh connection, or (None, None) if nothing answers yet."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
            client.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := client.recv(65536):
                data += chunk
    except OSError:
        return None, None
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None, None
    return int(parts[1]), body


def wait_for_200(port, deadline_seconds=10.0):
    """Polls until the first 200; returns the moment it arrived."""
    deadline = time.perf_counter() + deadline_seconds
    while time.perf_counter() < deadline:
        status, _ = get_health(port, timeout=0.5)
        if status == 200:
            return time.perf_counter()
        time.sleep(0.0005)
    raise SystemExit(f"bench: nothing answered 200 on port {port} within {deadline_seconds}s")


def memory_kib(pids, field):
    """Sum of a /proc/PID/status field (VmRSS, VmHWM) over `pids`, in KiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def process_tree(pid):
    """`pid` and its children (nginx's workers)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            pids += [int(child) for child in children.read().split()]
    except FileNotFoundError:
        pass
    return pids


def duration_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port, connections, seconds, close=False):
    threads = 1 if connections == 1 else 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "2s"]
    if close:
        command += ["-H", "Connection: close"]
    output = subprocess.run(
        command + [f"http://127.0.0.1:{port}/health"], capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = duration_ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(count) for count in errors.groups()) if errors else 0
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, "p99_ms": p99, "errors": socket_errors, "non_2xx": int(bad.group(1)) if bad else 0}


class Server:
    """One server under test: how to start it, and its process once started."""

    def __init__(self, name, command, env=None, log_path=os.devnull):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_path
        self.log = None
        self.port = None
        self.process = None

    def start(self, port):
        self.port = port
        # Output goes to a file, as Docker's json-file driver would take it.
        self.log = open(self.log_path, "wb")
        spawned = time.perf_counter()
        self.process = subprocess.Popen(self.command(port), env=self.env(port) if self.env else None,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        return wait_for_200(port) - spawned

    def pids(self):
        return process_tree(self.process.pid)

    def stop(self):
        """SIGTERM, then the time until the process has exited."""
        sent = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
            elapsed = time.perf_counter() - sent
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            elapsed = float("inf")
        self.log.close()
        return elapsed


def measure(server, seconds, with_memory=True):
    figures = {"start_ms": server.start(free_port()) * 1000}
    time.sleep(1)
    if with_memory:
        figures["idle_rss_kib"] = memory_kib(server.pids(), "VmRSS")
    wrk(server.port, 64, 1)  # warm-up, not counted
    figures["c64"] = wrk(server.port, 64, seconds)
    if with_memory:
        # VmHWM is the peak since start, which the 64-connection load sets; nginx's is summed over its processes.
        figures["peak_rss_kib"] = memory_kib(server.pids(), "VmHWM")
    figures["c1"] = wrk(server.port, 1, seconds)
    figures["close"] = wrk(server.port, 16, seconds, close=True)
    time.sleep(1)
    figures["sigterm_ms"] = server.stop() * 1000
    return figures


def median_figures(rounds):
    """Each figure's median over the rounds (for the wrk results, of each number separately)."""
    def median(values):
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    result = {}
    for key, value in rounds[0].items():
        if isinstance(value, dict):
            # Errors count in any round: a target of zero means zero every time.
            result[key] = {
                name: (max if name in ("errors", "non_2xx") else median)([figures[key][name] for figures in rounds])
                for name in value
            }
        else:
            result[key] = median([figures[key] for figures in rounds])
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app")
    parser.add_argument("--seconds", type=int, default=5, help="length of each measured load (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server takes (default 3)")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        raise SystemExit("bench: needs wrk and nginx (apt-get install -y wrk nginx-light)")

    workdir = tempfile.mkdtemp(prefix="bench-")
    try:
        return run(arguments, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def app_server(binary, level, log_path):
    def environment(port):
        return dict(os.environ, PORT=str(port), HOST="127.0.0.1", APP_ENV="production", LOG_LEVEL=level)

    return Server(f"app {level}", lambda port: [binary, "serve"], env=environment, log_path=log_path)


def nginx_server(workdir, body):
    with open(os.path.join(HERE, "nginx.conf.template")) as template:
        text = template.read().replace("@DIR@", workdir).replace("@BODY@", body)

    def command(port):
        path = os.path.join(workdir, "nginx.conf")
        with open(path, "w") as config:
            config.write(text.replace("@PORT@", str(port)))
        return ["nginx", "-e", os.path.join(workdir, "error.log"), "-p", workdir, "-c", path]

    return Server("nginx", command)


def run(arguments, workdir):
    # The body nginx serves is the app's own answer to /health.
    probe = app_server(arguments.app, "WARNING", os.devnull)
    probe.start(free_port())
    _, body = get_health(probe.port)
    probe.stop()
    body = body.decode()
    if "'" in body:
        raise SystemExit("bench: the /health body cannot go into nginx's quoted return")

    seconds = arguments.seconds
    print(f"bench: GET /health, {len(body)}-byte body, {seconds} s per load, {arguments.rounds} rounds,"
          f" 127.0.0.1, {os.cpu_count()} cores")
    rounds = {"nginx": [], "app": [], "info": []}
    for _ in range(arguments.rounds):
        rounds["nginx"].append(measure(nginx_server(workdir, body), seconds))
        rounds["app"].append(measure(app_server(arguments.app, "WARNING", os.path.join(workdir, "warn.log")), seconds))
        rounds["info"].append(
            measure(app_server(arguments.app, "INFO", os.path.join(workdir, "info.log")), seconds, with_memory=False))
    nginx, app, info = (median_figures(rounds[name]) for name in ("nginx", "app", "info"))

    rows = []

    def row(label, value, reference, unit, target, passed):
        ratio = f"{value / reference:.2f}x" if reference else "-"
        rows.append((label, f"{value:,.1f} {unit}" if isinstance(value, float) else f"{value:,} {unit}",
                     f"{reference:,.1f} {unit}" if isinstance(reference, float) else f"{reference:,} {unit}",
                     ratio, target, "ok" if passed else "MISSED"))
        return passed

    ok = True
    for key, label in (("c64", "64 keep-alive conns"), ("c1", "1 keep-alive conn"), ("close", "16 conns, close")):
        ok &= row(f"{label}: req/s", app[key]["rps"], nginx[key]["rps"], "/s", ">= 0.8x",
                  app[key]["rps"] >= 0.8 * nginx[key]["rps"])
    ok &= row("64 conns: p99 latency", app["c64"]["p99_ms"], nginx["c64"]["p99_ms"], "ms", "<= 1.5x",
              app["c64"]["p99_ms"] <= 1.5 * nginx["c64"]["p99_ms"])
    close_errors = app["close"]["errors"] + app["close"]["non_2xx"]
    ok &= row("16 conns, close: socket errors", close_errors,
              nginx["close"]["errors"] + nginx["close"]["non_2xx"], "", "0", close_errors == 0)
    ok &= row("spawn to first 200", app["start_ms"], nginx["start_ms"], "ms", "<= 1.0x",
              app["start_ms"] <= nginx["start_ms"])
    ok &= row("idle RSS", app["idle_rss_kib"], nginx["idle_rss_kib"], "KiB", "<= 8 MB",
              app["idle_rss_kib"] <= 8 * 1024)
    ok &= row("peak RSS, 64-conn load", app["peak_rss_kib"], nginx["peak_rss_kib"], "KiB", "<= 24 MB",
              app["peak_rss_kib"] <= 24 * 1024)
    ok &= row("SIGTERM to exit, idle", app["sigterm_ms"], nginx["sigterm_ms"], "ms", "<= 50 ms",
              app["sigterm_ms"] <= 50)
    for key, label in (("c64", "64 keep-alive conns"), ("c1", "1 keep-alive conn"), ("close", "16 conns, close")):
        row(f"INFO logs, {label}: req/s", info[key]["rps"], nginx[key]["rps"], "/s", "(report)", True)

    headers = ("figure", "app", "nginx", "ratio", "target", "")
    widths = [max(len(str(line[column])) for line in rows + [headers]) for column in range(len(headers))]
    print("| " + " | ".join(text.ljust(width) for text, width in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for line in rows:
        print("| " + " | ".join(str(text).ljust(width) for text, width in zip(line, widths)) + " |")
    print("nginx RSS is the sum of its master and worker processes; the app's p99 and RSS are its own.")
    print("bench: every target met" if ok else "bench: a target was MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
