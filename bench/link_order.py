#!/usr/bin/env python3
"""Writes the link order of the release binary: the functions the server runs, to be laid out together.

Usage: link_order.py APP_BINARY OUTPUT

The kernel maps a program's pages 64 KiB at a time around each page it touches (fault-around), so a function
the server runs costs its whole neighbourhood in resident memory. The linker places the functions listed in
OUTPUT first, in that order (lld's --symbol-ordering-file, set in Package.swift), so the server's working set
is a few dense blocks instead of pages scattered over a 10 MB program. This runs APP_BINARY under callgrind
twice: through a start, one GET /health and a SIGTERM, then through a start, one request to each kind of route
(the probes, the pages, the notes API, errors, a malformed request) and a SIGTERM. The first run's functions
come first, so that an idle server's pages are the densest; each part is in name order, so that a change
reads as a diff. A function missing from the list still links; it only lies elsewhere. Needs valgrind and
binutils (apt-get install -y valgrind binutils).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

# The server is started and awaited as for the instruction count.
from instructions import free_port, wait_until_listening

HEADER = """\
# The functions the server runs, for lld's --symbol-ordering-file (see Package.swift): laid out together, they
# take fewer of the program's pages. First what a server that starts, answers GET /health and stops runs.
# Regenerate after a change to the start or the request path with ./run.sh link-order; bench/link_order.py
# says how the list is made.
"""

# One of each kind of exchange a running server has; the first is the one an idle server sees (its probe).
EXCHANGES = [
    b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /livez HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\n\r\n",
    b"GET /version HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /whoami HTTP/1.1\r\nHost: a\r\nX-Request-ID: link-order\r\n\r\n",
    b"GET /status/418 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /delay/1 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /api/notes HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"text": "one"}',
    b"GET /api/notes HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /api/notes/1 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"DELETE /api/notes/1 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"HEAD /health HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    b"GET /missing HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /health HTTP/1.0\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
]


def exchange(port, request):
    """Sends one request on a new connection and reads its whole answer (by Content-Length, or to the close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = client.recv(65536)
            if not chunk:
                return
            answer += chunk
        head, body = answer.split(b"\r\n\r\n", 1)
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        if request.startswith(b"HEAD ") or length is None:
            return
        while len(body) < int(length.group(1)):
            chunk = client.recv(65536)
            if not chunk:
                return
            body += chunk


def executed_functions(app, workdir, exchanges):
    """Names of the functions callgrind saw run while the server started, answered `exchanges` and stopped."""
    port = free_port()
    profile = os.path.join(workdir, "callgrind.out")
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", APP_ENV="production",
               DATABASE_URL=f"sqlite:///{os.path.join(workdir, 'notes.db')}", EVENT_LOOPS="1")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no", f"--callgrind-out-file={profile}", app, "serve"],
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process)
        for request in exchanges:
            exchange(port, request)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    with open(profile) as text:
        # Recursion shows as name'2, name'3: the same function.
        return {re.sub(r"'\d+$", "", match) for match in re.findall(r"^c?fn=(.+)$", text.read(), re.MULTILINE)}


def defined_functions(app):
    listing = subprocess.run(["nm", "--defined-only", app], check=True, capture_output=True, text=True).stdout
    return {parts[2] for parts in (line.split(maxsplit=2) for line in listing.splitlines())
            if len(parts) == 3 and parts[1] in "tTwW"}


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    binary, output = sys.argv[1:]
    for tool in ("valgrind", "nm", "strip"):
        if shutil.which(tool) is None:
            raise SystemExit(f"link_order: needs {tool} (apt-get install -y valgrind binutils)")
    workdir = tempfile.mkdtemp(prefix="link-order-")
    try:
        # This valgrind cannot read the toolchain's DWARF 5 debug information; the symbol table is enough.
        app = os.path.join(workdir, "app")
        subprocess.run(["strip", "--strip-debug", "-o", app, binary], check=True)
        functions = defined_functions(app)
        idle = executed_functions(app, workdir, EXCHANGES[:1]) & functions
        serving = executed_functions(app, workdir, EXCHANGES) & functions
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with open(output, "w") as file:
        file.write(HEADER)
        file.writelines(name + "\n" for name in sorted(idle))
        file.write("# The other routes, errors and the notes API.\n")
        file.writelines(name + "\n" for name in sorted(serving - idle))
    print(f"link_order: {len(idle | serving)} functions written to {output}")


if __name__ == "__main__":
    main()
