#!/usr/bin/env python3
"""The system calls the release binary makes per request, counted by strace: what a request costs the kernel.

Usage: system_calls.py APP_BINARY

Two ways a client asks: keep-alive (many requests on one connection, as a load balancer or wrk does) and one
request per connection (`Connection: close`, as `app healthcheck`, curl and Docker's probes do). For each, the
server runs under `strace -c` twice, answering N and then 2N requests, and the difference divided by N leaves
out start and stop. A keep-alive request costs what it costs nginx: one epoll_wait, one recvfrom, one sendto.
A closing one adds what nginx adds (the accept4, the epoll_ctl that watches the connection, a second
epoll_wait, the close) and one recvfrom that peeks for unread bytes before the close, about 8 in all. The
budgets leave room for the odd wake-up or read that finds nothing yet on a busy machine; a call made per
request adds 1. The calls that must not appear per request at all are named: the peer's address comes with
the accept, TCP_NODELAY with the listener, and a client that has already gone is not waited for with a
shutdown. Needs strace (apt-get install -y strace).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

REQUESTS = 200
BUDGETS = {
    # Name: (request, new connection per request, most calls per request, calls that must not appear).
    "keep-alive": (b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n", False, 3.5, ()),
    "Connection: close": (
        b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", True, 8.5,
        ("shutdown", "getpeername", "setsockopt")),
}


def read_answer(client):
    """Reads one answer to GET /health: the head, then the body its Content-Length gives."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = client.recv(65536)
        if not chunk:
            raise SystemExit("system_calls: the server closed before answering")
        answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
    while len(body) < length:
        body += client.recv(65536)


def exchange(port, request, closing, count):
    if closing:
        for _ in range(count):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
                client.sendall(request)
                read_answer(client)
                # The server closes: wait for it, so the next connection does not overlap this one.
                while client.recv(65536):
                    pass
    else:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            for _ in range(count):
                client.sendall(request)
                read_answer(client)


def counted_calls(app, workdir, request, closing, count):
    """Calls per system call name while the server started, answered `count` requests and stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    summary = os.path.join(workdir, "strace.txt")
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", APP_ENV="production", LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        ["strace", "-f", "-qq", "-c", "-o", summary, app, "serve"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        # The startup line, not a probe connection: a probe's calls would be counted too.
        for line in process.stdout:
            if b" started" in line:
                break
        else:
            raise SystemExit("system_calls: the server did not start")
        exchange(port, request, closing, count)
    finally:
        # To the server, not to strace: strace would detach and leave it running, holding the pipe open.
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as children:
            for child in children.read().split():
                os.kill(int(child), signal.SIGTERM)
        process.stdout.read()
        process.wait(timeout=30)
    calls = {}
    with open(summary) as text:
        for line in text:
            fields = line.split()
            if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
                calls[fields[-1]] = int(fields[3])
    return calls


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    if shutil.which("strace") is None:
        raise SystemExit("system_calls: needs strace (apt-get install -y strace)")
    app = sys.argv[1]
    failures = 0
    workdir = tempfile.mkdtemp(prefix="system-calls-")
    try:
        for name, (request, closing, budget, forbidden) in BUDGETS.items():
            once = counted_calls(app, workdir, request, closing, REQUESTS)
            twice = counted_calls(app, workdir, request, closing, 2 * REQUESTS)
            per_request = {call: (twice.get(call, 0) - once.get(call, 0)) / REQUESTS for call in twice}
            shown = ", ".join(f"{call} {value:.2f}" for call, value in sorted(per_request.items()) if value >= 0.05)
            total = sum(per_request.values())
            present = [call for call in forbidden if per_request.get(call, 0) >= 0.05]
            ok = total <= budget and not present
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {total:.2f} calls per request (at most {budget}): {shown}")
            if present:
                print(f"     {', '.join(present)} must not be called per request")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
