#!/usr/bin/env python3
"""/metrics read by Prometheus' own parsers, after traffic of every kind (good, unmatched, malformed).

    python3 Tests/blackbox/metrics_exposition.py APP

Needs `promtool` (Debian's prometheus package) and pip's prometheus-client.
"""

import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

EXPECTED = {
    "http_requests": "counter",
    "http_request_duration_seconds": "histogram",
    "http_requests_in_flight": "gauge",
    "http_connections_open": "gauge",
    "http_connections_rejected": "counter",
    "process_start_time_seconds": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_open_fds": "gauge",
    "app_build_info": "gauge",
    "log_lines_dropped": "counter",
    "http_event_loop_stall_seconds": "gauge",
}


def fail(message):
    raise SystemExit("FAIL " + message)


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def raw(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(data)
        while client.recv(65536):
            pass


def main():
    binary = sys.argv[1]
    if shutil.which("promtool") is None:
        fail("promtool is not installed (apt-get install -y prometheus)")
    env = {"PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING", "GIT_SHA": "0123abc", "APP_ENV": "test"}
    app = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while " port=" not in line:
            line = app.stdout.readline()
            if not line:
                fail("the app exited before its startup line")
        port = int(line.split(" port=")[1].split()[0])
        check(port)
    finally:
        app.terminate()
        app.wait(timeout=10)


def check(port):
    for path in ["/health", "/health", "/version", "/api/notes", "/api/notes/7", "/nope/1", "/nope/2", '/a"b']:
        get(port, path)
    raw(port, b"BREW /coffee HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    raw(port, b"garbage\r\n\r\n")
    status, headers, text = get(port, "/metrics")
    if status != 200:
        fail(f"/metrics answered {status}")
    if headers.get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8":
        fail(f"Content-Type is {headers.get('Content-Type')!r}")

    checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    # promtool exits 1 for lint problems and 3 for parse errors; both fail the check.
    if checked.returncode != 0:
        fail(f"promtool check metrics: {checked.stdout}{checked.stderr}")

    families = {family.name: family for family in text_string_to_metric_families(text)}
    for name, kind in EXPECTED.items():
        if name not in families:
            fail(f"no {name} family; got {sorted(families)}")
        if families[name].type != kind:
            fail(f"{name} is a {families[name].type}, not a {kind}")

    samples = [sample for sample in families["http_requests"].samples if sample.name == "http_requests_total"]
    labels = {(s.labels["method"], s.labels["route"], s.labels["status"]): s.value for s in samples}
    if labels.get(("GET", "/health", "200")) != 2:
        fail(f"GET /health 200 not counted twice: {labels}")
    if labels.get(("GET", "unmatched", "404")) != 3:
        fail(f"unmatched paths are not one series: {labels}")
    if labels.get(("GET", "/api/notes/{id}", "404")) != 1:
        fail(f"the route pattern is not the label: {labels}")
    if not any(method == "OTHER" for method, _, _ in labels):
        fail(f"an unknown method got its own label: {labels}")
    if any("nope" in route or "coffee" in route for _, route, _ in labels):
        fail(f"a raw path became a label: {labels}")

    histogram = [s for s in families["http_request_duration_seconds"].samples
                 if s.labels.get("route") == "/health" and s.name.endswith("_bucket")]
    bounds = [float(s.labels["le"]) for s in histogram]
    if bounds[0] != 0.0005 or bounds[-2] != 10 or bounds[-1] != float("inf"):
        fail(f"unexpected buckets {bounds}")
    counts = [s.value for s in histogram]
    if counts != sorted(counts) or counts[-1] != 2:
        fail(f"buckets are not cumulative up to the count: {counts}")

    info = families["app_build_info"].samples[0]
    if info.labels != {"version": "1.0.0", "commit": "0123abc", "env": "test"} or info.value != 1:
        fail(f"app_build_info is {info}")
    if families["process_resident_memory_bytes"].samples[0].value < 1_000_000:
        fail("process_resident_memory_bytes is implausibly small")
    print(f"OK /metrics: {len(families)} families, promtool and prometheus-client agree it is valid")


if __name__ == "__main__":
    main()
