#!/usr/bin/env python3
"""Steady GET traffic through a front door, until told to stop; then one line of JSON about what happened.

    python3 Tests/swarm/load.py PORT STOP_FILE [--path /version] [--clients 4] [--max-seconds 300]

Each client keeps one connection to 127.0.0.1:PORT and asks PATH about 100 times a second, reconnecting after
any error. A request fails when it raises (refused, reset, timed out) or answers anything but 200. It stops
when STOP_FILE exists, or after --max-seconds. The report has requests sent and failed, the failures by kind,
the longest latency, and how many answers each commit (from /version) and replica (X-Replica) gave.
Python standard library only.
"""

import argparse
import http.client
import json
import os
import threading
import time
from collections import Counter


def client(port, path, stop, results, lock):
    connection = None
    sent = failed = 0
    longest = 0.0
    failures, commits, replicas = Counter(), Counter(), Counter()
    while not stop.is_set():
        started = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                failed += 1
                failures[f"status {response.status}"] += 1
            elif path == "/version":
                commits[json.loads(body).get("commit")] += 1
            # The last replica tried answered (nginx lists every one it tried).
            replica = (response.getheader("X-Replica") or "").split(",")[-1].strip()
            if replica:
                replicas[replica] += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            failed += 1
            failures[type(error).__name__] += 1
            if connection is not None:
                connection.close()
            connection = None
        sent += 1
        longest = max(longest, time.monotonic() - started)
        time.sleep(0.01)
    with lock:
        results["sent"] += sent
        results["failed"] += failed
        results["longest_ms"] = max(results["longest_ms"], round(longest * 1000, 1))
        results["failures"].update(failures)
        results["commits"].update(commits)
        results["replicas"].update(replicas)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("stop_file")
    parser.add_argument("--path", default="/version")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300)
    arguments = parser.parse_args()

    stop = threading.Event()
    lock = threading.Lock()
    results = {"sent": 0, "failed": 0, "longest_ms": 0.0, "failures": Counter(), "commits": Counter(),
               "replicas": Counter()}
    threads = [threading.Thread(target=client, args=(arguments.port, arguments.path, stop, results, lock))
               for _ in range(arguments.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while not os.path.exists(arguments.stop_file) and time.monotonic() - started < arguments.max_seconds:
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()
    results["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps({key: dict(value) if isinstance(value, Counter) else value for key, value in results.items()}))


if __name__ == "__main__":
    main()
