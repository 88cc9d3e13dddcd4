#!/usr/bin/env python3
"""A real Prometheus scrapes the app with monitoring/prometheus.yml; its HTTP API must see the target up and
samples of http_requests_total.

    python3 Tests/blackbox/prometheus_scrape.py APP

Needs Debian's `prometheus`. The config names the app as Compose's network does (app:8000); here that one
target is changed to the app on a free port of 127.0.0.1, and Prometheus listens on another. Python standard
library only.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "monitoring", "prometheus.yml")


def fail(message):
    raise SystemExit("FAIL " + message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(port, path, **query):
    url = f"http://127.0.0.1:{port}/api/v1/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["data"]


def main():
    binary = sys.argv[1]
    if shutil.which("prometheus") is None:
        fail("prometheus is not installed (apt-get install -y prometheus)")
    with open(CONFIG) as file:
        text = file.read()
    if text.count('"app:8000"') != 1:
        fail(f"{CONFIG} should name one target, \"app:8000\"")
    storage = tempfile.mkdtemp(prefix="prometheus-")
    app_port, web_port = free_port(), free_port()
    config = os.path.join(storage, "prometheus.yml")
    with open(config, "w") as file:
        file.write(text.replace('"app:8000"', f'"127.0.0.1:{app_port}"'))
    env = {"PORT": str(app_port), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"}
    app = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL)
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={storage}",
         f"--web.listen-address=127.0.0.1:{web_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_scrapes(app_port, web_port)
    finally:
        prometheus.terminate()
        app.terminate()
        prometheus.wait(timeout=30)
        app.wait(timeout=10)
        shutil.rmtree(storage, ignore_errors=True)


def wait_for_scrapes(app_port, web_port):
    deadline = time.monotonic() + 60
    last = "nothing yet"
    while time.monotonic() < deadline:
        time.sleep(1)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{app_port}/health", timeout=5).read()
            targets = api(web_port, "targets")["activeTargets"]
            health = [target["health"] for target in targets]
            result = api(web_port, "query", query="http_requests_total")["result"]
        except OSError as error:
            last = f"not answering yet: {error}"
            continue
        last = f"targets {health}, {len(result)} series of http_requests_total"
        if health == ["up"] and result:
            routes = sorted({series["metric"].get("route", "?") for series in result})
            print(f"OK Prometheus scraped the app: target up, http_requests_total for routes {routes}")
            return
    fail(f"Prometheus did not see the app within 60 s: {last}")


if __name__ == "__main__":
    main()
