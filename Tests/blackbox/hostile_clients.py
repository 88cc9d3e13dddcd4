#!/usr/bin/env python3
"""Black-box check of the released `app` binary against malformed and hostile clients.

Starts the binary, throws each input at it over real TCP, checks the answer, and after every case checks
that a fresh client still gets 200 from /health. Python standard library only.

    python3 Tests/blackbox/hostile_clients.py .build/release/app
"""

import ctypes
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

FAST_TIMEOUTS = {
    "HEADER_TIMEOUT_SECONDS": "2",
    "BODY_TIMEOUT_SECONDS": "2",
    "IDLE_TIMEOUT_SECONDS": "2",
    "WRITE_TIMEOUT_SECONDS": "2",
}


class Server:
    """The app as a child process on a free port."""

    def __init__(self, binary, env=None, nofile=None):
        environment = {"PORT": "0", "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING", "PATH": os.environ.get("PATH", "")}
        environment.update(env or {})

        def limit_files():
            # The app dies with this script, however it ends (PR_SET_PDEATHSIG is 1).
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.process = subprocess.Popen(
            [binary, "serve"], env=environment, stdout=subprocess.PIPE, preexec_fn=limit_files, text=True
        )
        marker = " port="
        line = ""
        while marker not in line:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the app exited before its startup line")
        self.port = int(line.split(marker)[1].split()[0])
        management = line.split(" management_port=")[1].split()[0] if " management_port=" in line else "none"
        self.management_port = None if management == "none" else int(management)
        # Keep draining stdout so the app never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def connect(self, timeout=5.0):
        client = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.process.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open("/proc/%d/status" % self.process.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.process.terminate()
        return self.process.wait(timeout=15)


def read_response(client):
    """Reads one response; returns (status, head, body) or None if the connection closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, head.decode("latin-1"), rest[:length]


def closed_by_server(client, within=5.0):
    """True when the server closes (EOF or reset) within the time; any bytes before that are discarded."""
    client.settimeout(within)
    try:
        while client.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def health_is_ok(server, limit=1.0):
    started = time.monotonic()
    with server.connect(timeout=limit + 1) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: check\r\n\r\n")
        response = read_response(client)
    elapsed = time.monotonic() - started
    return response is not None and response[0] == 200 and elapsed <= limit, elapsed


def request(server, payload, expected, closes=True):
    """Sends raw bytes; expects one response with status `expected`, then (usually) a closed connection."""
    with server.connect() as client:
        client.sendall(payload)
        response = read_response(client)
        if response is None:
            return "closed without an answer"
        if response[0] != expected:
            return "answered %d, expected %d: %r" % (response[0], expected, response[2][:200])
        if closes and not closed_by_server(client):
            return "connection left open after %d" % expected
    return None


H = b"Host: t\r\n"

MALFORMED = [
    ("garbage request line", b"HELLO\r\n\r\n", 400),
    ("binary garbage", bytes(range(256)) + b"\r\n\r\n", 400),
    ("TLS client hello on a plain port", bytes.fromhex("160301020001000200") + b"\x03\x03" + b"\x00" * 40, 400),
    ("invalid method characters", b"GE(T / HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("control character in target", b"GET /a\x01b HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("space inside target", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("bad percent-escape", b"GET /%zz HTTP/1.1\r\n" + H + b"\r\n", 400),
    ("HTTP/2.0 request line", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    ("bare LF line endings", b"GET / HTTP/1.1\nHost: t\n\n", 400),
    ("obs-fold continuation line", b"GET / HTTP/1.1\r\n" + H + b"X-A: 1\r\n  folded\r\n\r\n", 400),
    ("whitespace before colon", b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
    ("NUL in header value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", 400),
    ("DEL in header value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x7fb\r\n\r\n", 400),
    ("non-token header name", b"GET / HTTP/1.1\r\n" + H + b"X[A]: 1\r\n\r\n", 400),
    ("missing Host on 1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host headers", b"GET / HTTP/1.1\r\n" + H + H + b"\r\n", 400),
    ("Content-Length with Transfer-Encoding", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 4\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("two different Content-Lengths", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    ("Content-Length not all digits", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello", 400),
    ("Content-Length overflow", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 184467440737095516160\r\n\r\n", 400),
    ("Transfer-Encoding gzip", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    ("chunked not last", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
    ("Transfer-Encoding on HTTP/1.0", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("bad chunk size", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    ("chunk size overflow", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n" + b"F" * 40 + b"\r\n", 400),
    ("missing CRLF after chunk", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n", 400),
    ("unsupported Expect", b"POST / HTTP/1.1\r\n" + H + b"Expect: magic\r\nContent-Length: 1\r\n\r\nz", 417),
    ("header section over 16 KiB", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 17000 + b"\r\n\r\n", 431),
    ("target over 8 KiB", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    ("101 header fields", b"GET / HTTP/1.1\r\n" + H + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n", 431),
    ("Content-Length over 1 MiB", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1048577\r\n\r\n", 413),
    ("Host with a space and @", b"GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n", 400),
    ("chunk size followed by spaces only", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3  \r\n", 400),
    ("16 KiB of chunk extensions", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
     + (b"1;" + b"e" * 4000 + b"\r\nx\r\n") * 5, 400),
]


def valid_edge_cases(server):
    """Requests the RFCs allow that used to be refused or misread."""
    cases = [
        (b"GET http://t?x=1 HTTP/1.1\r\n" + H + b"\r\n", 200, "absolute form with an empty path and a query"),
        (b"GET /api%2Fnotes HTTP/1.1\r\n" + H + b"\r\n", 404, "an encoded slash is not a separator"),
        (b"GET /health HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n", 200, "an IPv6 Host with a port"),
    ]
    for payload, expected, name in cases:
        with server.connect() as client:
            client.sendall(payload)
            response = read_response(client)
            if response is None or response[0] != expected:
                return "%s: answered %r, expected %d" % (name, response and response[0], expected)
    # RFC 9110 section 15.2: no 1xx for an HTTP/1.0 client, even one that asks for 100-continue.
    with server.connect() as client:
        client.sendall(b"POST /api/notes HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 13\r\n"
                       b"Content-Type: application/json\r\n\r\n")
        time.sleep(0.3)
        client.sendall(b'{"text": "a"}')
        response = read_response(client)
        if response is None or response[0] != 201:
            return "HTTP/1.0 with Expect: 100-continue got %r, expected 201 and no 100" % (response and response[0])
    return None


def chunked_over_limit(server):
    """A chunked body is counted as it streams: past 1 MiB it is refused without being buffered."""
    with server.connect() as client:
        client.sendall(b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
        try:
            for _ in range(20):
                client.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = read_response(client)
        if response is None or response[0] != 413:
            return "expected 413, got %r" % (response and response[0])
    return None


def smuggled_request_never_answered(server):
    hidden = b"GET /version HTTP/1.1\r\n" + H + b"\r\n"
    with server.connect() as client:
        client.sendall(b"POST / HTTP/1.1\r\n" + H + b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                       % (len(hidden) + 5) + hidden)
        first = read_response(client)
        if first is None or first[0] != 400:
            return "expected 400 first"
        client.settimeout(3)
        try:
            rest = client.recv(65536)
        except ConnectionResetError:
            rest = b""
        if rest:
            return "a second response followed: %r" % rest[:80]
    return None


def header_timeout(server):
    with server.connect() as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost:")
        client.settimeout(6)
        response = read_response(client)
        if response is None or response[0] != 408:
            return "expected 408, got %r" % (response and response[0])
    return None


def body_stall(server):
    with server.connect() as client:
        client.sendall(b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 100\r\n\r\npartial")
        client.settimeout(6)
        response = read_response(client)
        if response is None or response[0] != 408:
            return "expected 408, got %r" % (response and response[0])
    return None


def silent_connection_closed(server):
    with server.connect() as client:
        if not closed_by_server(client, within=5):
            return "a connection that never sent a byte stayed open"
    return None


def idle_keep_alive_closed(server):
    with server.connect() as client:
        client.sendall(b"GET /health HTTP/1.1\r\n" + H + b"\r\n")
        read_response(client)
        started = time.monotonic()
        if not closed_by_server(client, within=5):
            return "idle keep-alive connection stayed open"
        if time.monotonic() - started < 1.5:
            return "closed too early"
    return None


def half_close_still_answered(server):
    with server.connect() as client:
        client.sendall(b"GET /health HTTP/1.1\r\n" + H + b"\r\n")
        client.shutdown(socket.SHUT_WR)
        response = read_response(client)
        if response is None or response[0] != 200:
            return "no answer after the client's half-close"
    return None


def reset_mid_response(server):
    for _ in range(20):
        client = server.connect()
        client.sendall(b"GET /version HTTP/1.1\r\n" + H + b"\r\n" * 1)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    return None


def slowloris(server):
    """200 connections dribbling one byte a second must not slow a fresh client's /health past 1 s."""
    clients = [server.connect() for _ in range(200)]
    payload = b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 50
    worst = 0.0
    try:
        for second in range(4):
            for client in clients:
                try:
                    client.send(payload[second:second + 1])
                except OSError:
                    pass
            ok, elapsed = health_is_ok(server, limit=1.0)
            worst = max(worst, elapsed)
            if not ok:
                return "/health took %.3f s under slowloris" % elapsed
            time.sleep(1)
    finally:
        for client in clients:
            client.close()
    print("      (worst /health under slowloris: %.1f ms)" % (worst * 1000))
    return None


def non_reading_client(server):
    """Requests that are never read: reading stops at the output bound, memory stays bounded, then it is closed."""
    before = server.rss_kib()
    client = server.connect()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        client.sendall(b"GET /version HTTP/1.1\r\n" + H + b"\r\n" * 1)
        for _ in range(200):
            client.sendall((b"GET /version HTTP/1.1\r\n" + H + b"\r\n") * 500)
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading (or closed): that is the point
    ok, elapsed = health_is_ok(server)
    if not ok:
        return "others were affected: /health took %.3f s" % elapsed
    grown = server.rss_kib() - before
    time.sleep(3)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    closed = closed_by_server(client, within=10)
    client.close()
    if grown > 64 * 1024:
        return "memory grew by %d KiB" % grown
    if not closed:
        return "the non-reading client was never closed"
    print("      (RSS grew %d KiB while it flooded)" % grown)
    return None


def connection_limit(binary):
    """At MAX_CONNECTIONS: requests in progress are never closed for a newcomer (503 instead, then every one of
    them is answered; the minimum rate is off, or after a second these would be slow enough to go); connections
    that have sent nothing make room at once, the oldest first."""
    server = Server(binary, {"MAX_CONNECTIONS": "20", "BODY_MIN_RATE_BYTES_PER_SECOND": "0"})
    try:
        held = [server.connect() for _ in range(20)]
        for client in held:
            client.sendall(b"GET /health HTTP/1.1\r\n")
        for wait in (0, 1.2):
            time.sleep(wait)
            with server.connect() as extra:
                response = read_response(extra)
                if response is None or response[0] != 503:
                    return "a newcomer after %.1f s got %r, expected 503" % (wait, response and response[0])
        answered = 0
        for client in held:
            try:
                client.sendall(H + b"\r\n")
                answered += (read_response(client) or (0,))[0] == 200
            except OSError:
                pass
        if answered != 20:
            return "%d of the 20 requests in progress were answered" % answered
        for client in held:
            client.close()
        silent = [server.connect() for _ in range(20)]
        time.sleep(0.2)
        with server.connect() as fresh:
            fresh.sendall(b"GET /health HTTP/1.1\r\n" + H + b"\r\n")
            response = read_response(fresh)
            if response is None or response[0] != 200:
                return "a new client was not let in past 20 silent connections: %r" % (response and response[0])
        if not closed_by_server(silent[0], within=5):
            return "the oldest silent connection was not the one closed"
        for client in silent:
            client.close()
        time.sleep(0.2)
        ok, _ = health_is_ok(server)
        return None if ok else "no /health after the connections closed"
    finally:
        server.stop()


def out_of_descriptors(binary):
    """With few file descriptors, accepting fails with EMFILE: the server must not spin, and must recover."""
    server = Server(binary, nofile=48)
    try:
        clients = []
        for _ in range(80):
            try:
                clients.append(server.connect(timeout=1))
            except OSError:
                break
        before = server.cpu_seconds()
        time.sleep(1.0)
        spent = server.cpu_seconds() - before
        for client in clients:
            client.close()
        time.sleep(0.5)
        ok, _ = health_is_ok(server, limit=2.0)
        if spent > 0.3:
            return "burned %.2f s of CPU in 1 s while out of descriptors" % spent
        return None if ok else "no /health after descriptors were freed"
    finally:
        server.stop()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: hostile_clients.py PATH_TO_APP")
    binary = sys.argv[1]
    server = Server(binary, FAST_TIMEOUTS)
    failures = 0

    def run(name, check):
        nonlocal failures
        try:
            problem = check()
        except Exception as error:  # a crash of the check itself is a failure too
            problem = "check raised %r" % error
        if problem is None and server.process.poll() is not None:
            problem = "the server exited with %s" % server.process.returncode
        if problem is None:
            ok, elapsed = health_is_ok(server)
            if not ok:
                problem = "fresh /health failed afterwards (%.3f s)" % elapsed
        print("%s %s%s" % ("ok  " if problem is None else "FAIL", name, "" if problem is None else ": " + problem))
        failures += problem is not None

    for name, payload, status in MALFORMED:
        run("%s -> %d" % (name, status), lambda p=payload, s=status: request(server, p, s))
    run("chunked body over 1 MiB -> 413", lambda: chunked_over_limit(server))
    run("valid edge cases: absolute form, %2F, IPv6 Host, 1.0 with Expect", lambda: valid_edge_cases(server))
    run("request hidden in a body is never answered", lambda: smuggled_request_never_answered(server))
    run("stalled header -> 408", lambda: header_timeout(server))
    run("stalled body -> 408", lambda: body_stall(server))
    run("silent connection closed", lambda: silent_connection_closed(server))
    run("idle keep-alive connection closed", lambda: idle_keep_alive_closed(server))
    run("half-closed client still answered", lambda: half_close_still_answered(server))
    run("clients that reset mid-response", lambda: reset_mid_response(server))
    run("slowloris: 200 dribbling connections", lambda: slowloris(server))
    run("client that never reads its responses", lambda: non_reading_client(server))
    run("over MAX_CONNECTIONS -> 503 while every connection has a request in progress; silent ones make room",
        lambda: connection_limit(binary))
    run("out of file descriptors: no spin, recovers", lambda: out_of_descriptors(binary))

    status = server.stop()
    if status != 0:
        print("FAIL SIGTERM exit status %s" % status)
        failures += 1
    print("%d failure(s)" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
