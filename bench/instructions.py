#!/usr/bin/env python3
"""User-space instructions per GET /health, for the app and for nginx, counted by callgrind.

Usage: instructions.py APP_BINARY [--requests N]

Wall-clock figures on a virtual machine drift by 20% from one minute to the next; an instruction count does
not, so a change of a few percent in the request path shows up here when bench.py cannot see it. Each server
runs under valgrind twice, answering N and then 2N requests (4 keep-alive connections, one loop or worker),
and the difference divided by N leaves out start and stop. Two pairs: logs off (the app at LOG_LEVEL=WARNING,
nginx with access_log off), and as deployed (the app at its production defaults, a JSON line per request on
standard output to a file; nginx writing its combined access log to a file). Exits 1 when a ratio misses its
target: at most 0.9x nginx with logs off, at most 1.0x as deployed. Needs valgrind (apt-get install -y valgrind).
"""

import argparse
import glob
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
CONNECTIONS = 4


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port, process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"instructions: nothing listened on port {port}")


def load(port, requests):
    """`requests` GET /health, spread over keep-alive connections, each answer read in full."""
    request = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    clients = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(CONNECTIONS)]
    for _ in range(requests // CONNECTIONS):
        for client in clients:
            client.sendall(request)
        for client in clients:
            data = b""
            while not data.endswith(b"}"):
                chunk = client.recv(65536)
                if not chunk:
                    raise SystemExit("instructions: the server closed a connection")
                data += chunk
    for client in clients:
        client.close()


def total_instructions(command, env, port, requests, workdir, stdout):
    """Instructions the command executed, in user space, while answering `requests`."""
    output = os.path.join(workdir, "callgrind.out")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}"] + command,
        env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process)
        load(port, requests)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    with open(output) as profile:
        return int(re.search(r"^(?:summary|totals): (\d+)", profile.read(), re.MULTILINE).group(1))


def per_request(command, env, port, requests, workdir, log_path=None):
    """Instructions per request; the command's standard output goes to `log_path` (a new file each run)."""
    counts = []
    for total in (requests, 2 * requests):
        with open(log_path or os.devnull, "w") as stdout:
            counts.append(total_instructions(command, env, port, total, workdir, stdout))
    return (counts[1] - counts[0]) / requests


def app_count(app, requests, workdir, deployed):
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", APP_ENV="production", EVENT_LOOPS="1")
    if not deployed:
        env["LOG_LEVEL"] = "WARNING"
    log = os.path.join(workdir, "app.log") if deployed else None
    return per_request([app, "serve"], env, port, requests, workdir, log)


def nginx_count(requests, workdir, deployed):
    port = free_port()
    access_log = os.path.join(workdir, "access.log") if deployed else "off"
    with open(os.path.join(HERE, "nginx.conf.template")) as template:
        config = (template.read().replace("@DIR@", workdir).replace("@PORT@", str(port))
                  .replace("@BODY@", '{"status": "ok"}').replace("@ACCESS_LOG@", access_log)
                  .replace("worker_processes 2;", "worker_processes 1;\nmaster_process off;"))
    config_path = os.path.join(workdir, "nginx.conf")
    with open(config_path, "w") as file:
        file.write(config)
    command = ["nginx", "-e", os.path.join(workdir, "error.log"), "-p", workdir, "-c", config_path]
    return per_request(command, dict(os.environ), port, requests, workdir)


TARGETS = {"logs off": 0.9, "as deployed": 1.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app")
    # nginx closes a keep-alive connection after 1000 requests: 2N over 4 connections stays under that.
    parser.add_argument("--requests", type=int, default=1800, help="N (default 1800)")
    arguments = parser.parse_args()
    for tool in ("valgrind", "nginx", "strip"):
        if shutil.which(tool) is None:
            raise SystemExit(f"instructions: needs {tool} (apt-get install -y valgrind nginx-light binutils)")
    workdir = tempfile.mkdtemp(prefix="instructions-")
    rows = []
    try:
        # This valgrind cannot read the toolchain's DWARF 5 debug information; the count does not need it.
        app = os.path.join(workdir, "app")
        subprocess.run(["strip", "-o", app, arguments.app], check=True)
        for name, deployed in (("logs off", False), ("as deployed", True)):
            rows.append((name, app_count(app, arguments.requests, workdir, deployed),
                         nginx_count(arguments.requests, workdir, deployed)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("instructions per GET /health (user space, callgrind, one event loop or worker)")
    print(f"{'':12} {'app':>8} {'nginx':>8} {'ratio':>6} {'target':>7}")
    missed = False
    for name, app_instructions, nginx_instructions in rows:
        ratio = app_instructions / nginx_instructions
        ok = ratio <= TARGETS[name]
        missed = missed or not ok
        print(f"{name:12} {app_instructions:8,.0f} {nginx_instructions:8,.0f} {ratio:5.2f}x {'<=':>3}{TARGETS[name]:.1f}x"
              f"  {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
