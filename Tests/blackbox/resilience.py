#!/usr/bin/env python3
"""The faults and attacks that used to break the app, replayed against the release binary with their targets.

    python3 Tests/blackbox/resilience.py APP DATABASE_URL POSTMASTER_PID_FILE

1. PostgreSQL frozen (SIGSTOP) under 32 writers: /health 503 within 3 s, no request waits past the database
   timeout plus 1 s, everything recovers after SIGCONT.
2. A note of one character made of 500,000 combining accents is refused; lists of the largest notes stay small.
3. A password in DATABASE_URL, wrapped in URL delimiters, appears nowhere: check, the logs, /health, /version,
   /metrics.
4. 1,100 clients sending a body byte every 8 s for 30 s: at least 95% of fresh /health probes get 200.
   800 clients holding 1 MiB partial bodies, or 1,000 pipelining without reading: RSS grows by 128 MiB at most.
   800 whole 1 MiB bodies held by /delay/10000 with a 128 MiB container's budget: RSS under 128 MiB, and at most
   48 MiB 12 s after the clients left. Every connection busy: 20 of 20 liveness probes pass on the management port.
   1,000 clients pipelining lists of 600 KB without reading, with that budget: RSS under 128 MiB.
5. 8 clients pipelining /metrics: /health stays fast and `app healthcheck` passes.

Python standard library only. Needs a file-descriptor limit above 2,500 (raised to the hard limit here).
"""

import json
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from hostile_clients import Server, health_is_ok, read_response

MIB = 1024 * 1024
MARKER = "Zq7MARKERpw"


def http(port, method, path, body=None, timeout=30.0):
    """(status, body text, seconds taken); status 0 when the connection failed or timed out."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        "http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
        headers={"Content-Type": "application/json"} if data else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started
    except OSError:
        return 0, "", time.monotonic() - started


def wait_for_health(port, status, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if http(port, "GET", "/health", timeout=2)[0] == status:
            return time.monotonic()
        time.sleep(0.1)
    return None


def postgres_processes(pid_file):
    """The postmaster and its children: SIGSTOP on all of them is what a frozen server looks like."""
    with open(pid_file) as handle:
        postmaster = int(handle.readline())
    pids = [postmaster]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return pids


def frozen_database(binary, database_url, pid_file):
    timeout = 5.0
    server = Server(binary, {"DATABASE_URL": database_url, "DATABASE_TIMEOUT_SECONDS": str(timeout)})
    results = []  # (started, seconds, status) of every POST
    probes = []  # (time, status) of /health
    stop = threading.Event()

    def writer(index):
        while not stop.is_set():
            started = time.monotonic()
            status, _, took = http(server.port, "POST", "/api/notes", {"text": "writer %d" % index})
            results.append((started, took, status))

    def prober():
        while not stop.is_set():
            probes.append((time.monotonic(), http(server.port, "GET", "/health", timeout=5)[0]))
            time.sleep(0.2)

    pids = []
    try:
        if wait_for_health(server.port, 200, 15) is None:
            return "not healthy with the database up"
        threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(32)]
        threads.append(threading.Thread(target=prober, daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(2)
        pids = postgres_processes(pid_file)
        frozen_at = time.monotonic()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        time.sleep(15)
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        resumed_at = time.monotonic()
        pids = []
        recovered = wait_for_health(server.port, 200, 20)
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=timeout + 5)

        first_503 = next((t for t, status in probes if t >= frozen_at and status == 503), None)
        late_ok = [t - frozen_at for t, status in probes if frozen_at + 3 <= t < resumed_at and status == 200]
        during = [(took, status) for started, took, status in results if started + took >= frozen_at
                  and started < resumed_at]
        longest = max((took for took, _ in during), default=0.0)
        after = [status for started, _, status in results if recovered and started > recovered]
        print("      before: /health answered 200 on all 387 probes of a 25 s freeze; POSTs hung 25 s")
        print("      now: first 503 %s into the freeze; %d ok answers after 3 s; longest request %.1f s;"
              " %d requests during the freeze (%d answered 503); healthy %s after SIGCONT; %d of %d writes"
              " after that answered 201" % (
                  "%.1f s" % (first_503 - frozen_at) if first_503 else "never", len(late_ok), longest, len(during),
                  sum(1 for _, status in during if status == 503),
                  "%.1f s" % (recovered - resumed_at) if recovered else "never", after.count(201), len(after)))
        if first_503 is None or first_503 - frozen_at > 3:
            return "/health did not answer 503 within 3 s of the freeze"
        if late_ok:
            return "/health answered 200 %d times more than 3 s into the freeze" % len(late_ok)
        if longest > timeout + 1:
            return "a request waited %.1f s, more than the database timeout plus 1 s" % longest
        if recovered is None:
            return "/health did not recover within 20 s of SIGCONT"
        if not after or after.count(201) != len(after):
            return "writes after the recovery did not all succeed: %r" % sorted(set(after))
        return None
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        stop.set()
        server.stop()


def heavy_notes(binary):
    server = Server(binary)
    try:
        heavy = "a" + "\u0301" * 500_000
        status, body, _ = http(server.port, "POST", "/api/notes", {"text": heavy})
        if status != 400 or "Unicode characters" not in body:
            return "one character of 500,000 scalars answered %d %s" % (status, body[:100])
        widest = "\U0001F600" * 1000
        for _ in range(100):
            if http(server.port, "POST", "/api/notes", {"text": widest})[0] != 201:
                return "a note of 1000 four-byte characters was refused"
        before = server.rss_kib()
        sizes = []
        threads = [threading.Thread(target=lambda: sizes.append(len(http(server.port, "GET",
                                                                            "/api/notes?limit=100")[1])))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        grown = server.rss_kib() - before
        print("      before: a 1 MB note was accepted; four lists of 100 pushed RSS past 1.2 GB")
        print("      now: refused with 400; lists of the 100 largest notes are %d KiB each; RSS grew %d KiB"
              % (max(sizes) // 1024, grown))
        if max(sizes) > 1024 * 1024:
            return "a list of 100 notes is %d bytes" % max(sizes)
        return None if grown < 64 * 1024 else "RSS grew %d KiB for four lists" % grown
    finally:
        server.stop()


def password_never_shown(binary):
    urls = ["postgresql://user:%s%s%s@127.0.0.1:1/db" % (before, MARKER, after)
            for before in ["", "/", "?", "#", "@", ":", "%"] for after in ["", "/", "?", "#", "@", ":", "%"]]
    environment = {"PATH": os.environ.get("PATH", "")}
    for url in urls:
        result = subprocess.run([binary, "check"], env=dict(environment, DATABASE_URL=url),
                                capture_output=True, text=True, timeout=10)
        if MARKER in result.stdout + result.stderr:
            return "check printed the password of %s" % url
    parseable = [url for url in urls if subprocess.run(
        [binary, "check"], env=dict(environment, DATABASE_URL=url), capture_output=True, timeout=10).returncode == 0]
    for url in parseable[::6]:
        process = subprocess.Popen([binary, "serve"], env=dict(environment, DATABASE_URL=url, PORT="0",
                                                               HOST="127.0.0.1", LOG_LEVEL="DEBUG"),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        shown = ""
        try:
            startup = ""
            while " started " not in startup:
                line = process.stdout.readline()
                if not line:
                    return "serve exited before its startup line with %s" % url
                shown += line
                startup = line
            # The startup line's port: the DEBUG configuration line before it shows PORT as set (0).
            port = int(startup.split(" port=")[1].split()[0])
            shown += "".join(http(port, "GET", path, timeout=5)[1]
                             for path in ["/health", "/version", "/metrics", "/api/notes"])
        finally:
            process.terminate()
            shown += process.communicate(timeout=10)[0]
        if MARKER in shown:
            return "serve showed the password of %s" % url
    print("      before: u:ab/cdSECRET@host printed whole; 4321/SECRETtail printed in the startup line")
    print("      now: %d URLs through check, %d through serve, the marker nowhere" % (len(urls),
                                                                                    len(parseable[::6])))
    return None


def slow_body_clients(binary):
    """1,100 clients each sending one body byte every 8 s, reconnecting when closed, for 30 s."""
    server = Server(binary)
    selector = selectors.DefaultSelector()
    head = b"POST /api/notes HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    next_byte = {}
    stop = threading.Event()
    probes = []

    def open_attacker(at):
        try:
            client = socket.socket()
            client.setblocking(False)
            client.connect_ex(("127.0.0.1", server.port))
            selector.register(client, selectors.EVENT_READ | selectors.EVENT_WRITE, "connecting")
            next_byte[client] = at
        except OSError:
            pass

    def attack():
        now = time.monotonic()
        for index in range(1100):
            open_attacker(now + (index % 80) * 0.1)
        while not stop.is_set():
            for key, events in selector.select(timeout=0.1):
                client = key.fileobj
                if key.data == "connecting" and events & selectors.EVENT_WRITE:
                    try:
                        client.send(head)
                        selector.modify(client, selectors.EVENT_READ, "open")
                    except OSError:
                        pass
                    continue
                # Anything to read is a 408, a 503 or a close: the attacker comes back at once.
                try:
                    client.recv(4096)
                except OSError:
                    pass
                selector.unregister(client)
                next_byte.pop(client, None)
                client.close()
                open_attacker(time.monotonic())
            now = time.monotonic()
            for client, at in list(next_byte.items()):
                if at <= now:
                    try:
                        client.send(b"a")
                    except OSError:
                        pass
                    next_byte[client] = now + 8

    def probe():
        while not stop.is_set():
            started = time.monotonic()
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=2) as client:
                    client.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\n\r\n")
                    response = read_response(client)
                    probes.append((response or (0,))[0])
            except OSError:
                probes.append(0)
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))

    attacker = threading.Thread(target=attack, daemon=True)
    prober = threading.Thread(target=probe, daemon=True)
    try:
        attacker.start()
        time.sleep(3)  # the attack is in place before the first probe
        prober.start()
        time.sleep(30)
        stop.set()
        attacker.join(timeout=10)
        prober.join(timeout=10)
        ok = probes.count(200) / max(1, len(probes))
        print("      before: every new client, /health included, got 503 for the whole attack")
        print("      now: %d of %d fresh /health probes got 200 (%.1f%%); the rest: %r" % (
            probes.count(200), len(probes), ok * 100, sorted(set(probes) - {200})))
        return None if ok >= 0.95 else "only %.1f%% of /health probes got 200" % (ok * 100)
    finally:
        stop.set()
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        server.stop()


def push_while_watching_rss(server, pending, seconds, pause):
    """Sends each [socket, remaining bytes] entry of `pending` as far as the server takes it, again and again for
    `seconds`, and returns the server's highest RSS (KiB) seen meanwhile."""
    peak = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for entry in pending:
            try:
                while entry[1]:
                    entry[1] = entry[1][entry[0].send(entry[1][:65536]):]
            except (BlockingIOError, OSError):
                pass
        peak = max(peak, server.rss_kib())
        time.sleep(pause)
    return peak


def held_memory(binary, name, clients, payload_for, before_text, env=None, prepare=None, peak_limit=None):
    """Opens `clients` connections that each send what `payload_for` gives as far as the server takes it, holds
    them 10 s and reports the server's RSS growth (and, with `peak_limit` in MiB, checks its peak too).
    `prepare` gets the server before the clients come."""
    server = Server(binary, env)
    sockets = []
    try:
        if prepare:
            prepare(server)
        time.sleep(0.5)
        baseline = server.rss_kib()
        peak = baseline
        pending = []
        for index in range(clients):
            client = server.connect()
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.setblocking(False)
            sockets.append(client)
            pending.append([client, memoryview(payload_for(index))])
        peak = max(peak, push_while_watching_rss(server, pending, seconds=10, pause=0.2))
        grown = (peak - baseline) // 1024
        ok, _ = health_is_ok(server, limit=1.0)
        print("      before: %s" % before_text)
        print("      now: %s: RSS %d MiB -> peak %d MiB (+%d MiB); /health %s" % (
            name, baseline // 1024, peak // 1024, grown, "ok" if ok else "FAILED"))
        if not ok:
            return "/health failed while they held memory"
        if peak_limit and peak >= peak_limit * 1024:
            return "RSS peaked at %d MiB" % (peak // 1024)
        return None if grown <= 128 else "RSS grew %d MiB" % grown
    finally:
        for client in sockets:
            client.close()
        server.stop()


def heavy_lists_never_read(binary, folder):
    """100 notes of 1,000 x U+0001 (each escapes to 6 bytes: a list of them is 600 KB), then 1,000 clients each
    pipeline 20 such lists and never read. As a 128 MiB container would run it, RSS stays under 128 MiB: a list
    is read and written a few notes at a time, as the client takes them."""
    def add_notes(server):
        for _ in range(100):
            if http(server.port, "POST", "/api/notes", {"text": "\u0001" * 1000})[0] != 201:
                raise RuntimeError("a note of 1,000 control characters was refused")

    burst = b"GET /api/notes?limit=100 HTTP/1.1\r\nHost: h\r\n\r\n" * 20
    return held_memory(
        binary, "1,000 clients pipelining 20 lists of 600 KB without reading", 1000, lambda _: burst,
        "each took its next request with up to 32 KiB pending and added a whole 600 KB answer: RSS 622 MiB",
        env={"MAX_BUFFERED_BYTES": str(32 * MIB), "DATABASE_URL": "sqlite:///%s/notes.db" % folder},
        prepare=add_notes, peak_limit=128)


def bodies_on_a_slow_route(binary):
    """800 clients each send a whole 1 MiB body to /delay/10000: every body reaches a handler that holds it for
    10 s. As a 128 MiB container would run it (the budget a quarter of that), RSS stays under 128 MiB; and once
    the clients leave, their handlers are cancelled and the memory goes back within seconds."""
    server = Server(binary, {"MAX_BUFFERED_BYTES": str(32 * MIB)})
    sockets = []
    try:
        time.sleep(0.5)
        idle = server.rss_kib()
        peak = idle
        request = b"GET /delay/10000 HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % MIB + b"x" * MIB
        pending = []
        for _ in range(800):
            client = server.connect()
            client.setblocking(False)
            sockets.append(client)
            pending.append([client, memoryview(request)])
        peak = max(peak, push_while_watching_rss(server, pending, seconds=12, pause=0.1))
        for client in sockets:
            client.close()
        sockets = []
        left = time.monotonic()
        after = server.rss_kib()
        while time.monotonic() < left + 12 and after > 48 * 1024:
            time.sleep(0.5)
            after = server.rss_kib()
        print("      before: RSS peaked at 529 MiB, and stayed at 502 MiB after the clients had gone")
        print("      now: idle %d MiB, peak %d MiB; %.1f s after they left: %d MiB" % (
            idle // 1024, peak // 1024, time.monotonic() - left, after // 1024))
        if peak >= 128 * 1024:
            return "RSS peaked at %d MiB, over a 128 MiB container's limit" % (peak // 1024)
        return None if after <= 48 * 1024 else "RSS still %d MiB 12 s after the clients left" % (after // 1024)
    finally:
        for client in sockets:
            client.close()
        server.stop()


def probes_under_held_connections(binary):
    """64 clients each pipeline 20 x /delay/10000 against MAX_CONNECTIONS=64: every connection of the app's port
    is busy. `app healthcheck --live` asks the management port, and passes 20 times out of 20."""
    server = Server(binary, {"MAX_CONNECTIONS": "64", "MANAGEMENT_PORT": "0", "SHUTDOWN_GRACE_SECONDS": "0"})
    holders = []
    try:
        management = server.management_port
        burst = b"GET /delay/10000 HTTP/1.1\r\nHost: h\r\n\r\n" * 20
        for _ in range(64):
            client = server.connect()
            client.sendall(burst)
            holders.append(client)
        time.sleep(0.5)
        environment = dict(os.environ, PORT=str(server.port), MANAGEMENT_PORT=str(management))
        passed = sum(
            subprocess.run([binary, "healthcheck", "--live"], env=environment, capture_output=True,
                           timeout=30).returncode == 0
            for _ in range(20))
        without = {name: value for name, value in environment.items() if name != "MANAGEMENT_PORT"}
        main_port = subprocess.run([binary, "healthcheck", "--live"], env=without, capture_output=True, text=True,
                                   timeout=30)
        print("      before: with the probes on the app's port, 9% of them passed")
        print("      now: %d of 20 on the management port; on the app's port: %s" % (
            passed, (main_port.stdout or main_port.stderr).strip()[:100]))
        return None if passed == 20 else "only %d of 20 probes passed" % passed
    finally:
        for client in holders:
            client.close()
        server.stop()


def partial_bodies(binary):
    body = b"x" * (MIB - 1)
    return held_memory(
        binary, "800 clients holding 1 MiB partial bodies", 800,
        lambda _: b"POST /api/notes HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % MIB + body,
        "800 such clients added 836 MiB of RSS")


def pipelining_non_readers(binary):
    burst = b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n" * 8000
    return held_memory(binary, "1,000 clients pipelining without reading", 1000, lambda _: burst,
                       "each could hold up to 1 MiB of unread responses: 1 GiB for 1,000")


def metrics_pipelining(binary):
    server = Server(binary, {"PORT": "0"})
    stop = threading.Event()
    latencies = []
    metrics_answered = []

    def flood():
        """Sends 100 /metrics requests at a time and reads the 100 responses (by their Content-Length)."""
        with server.connect(timeout=10) as client:
            batch = b"GET /metrics HTTP/1.1\r\nHost: m\r\n\r\n" * 100
            pending = b""
            while not stop.is_set():
                client.sendall(batch)
                answered = 0
                while answered < 100:
                    head_end = pending.find(b"\r\n\r\n")
                    length = int(pending[:head_end].lower().split(b"content-length: ")[1].split(b"\r\n")[0]) \
                        if head_end >= 0 else -1
                    if length >= 0 and len(pending) >= head_end + 4 + length:
                        pending = pending[head_end + 4 + length:]
                        answered += 1
                        continue
                    chunk = client.recv(1 << 20)
                    if not chunk:
                        return
                    pending += chunk
                metrics_answered.append(answered)

    flooders = [threading.Thread(target=flood, daemon=True) for _ in range(8)]
    try:
        for thread in flooders:
            thread.start()
        time.sleep(1)
        failures = 0
        for _ in range(8):
            result = subprocess.run([binary, "healthcheck"], env={"PORT": str(server.port), "HOST": "127.0.0.1",
                                                                  "PATH": os.environ.get("PATH", "")},
                                    capture_output=True, timeout=10)
            failures += result.returncode != 0
            for _ in range(5):
                ok, elapsed = health_is_ok(server, limit=5)
                latencies.append(elapsed if ok else 99)
                time.sleep(0.05)
        stop.set()
        worst = max(latencies)
        print("      before: /health took up to 2.6 s and `app healthcheck` failed 4 times of 8")
        print("      now: worst /health %.0f ms, median %.0f ms; `app healthcheck` failed %d of 8; %d /metrics"
              " answered meanwhile" % (worst * 1000, sorted(latencies)[len(latencies) // 2] * 1000, failures,
                                       sum(metrics_answered)))
        if sum(metrics_answered) < 1000:
            return "the /metrics flood did not run (%d answered)" % sum(metrics_answered)
        if failures:
            return "`app healthcheck` failed %d times of 8" % failures
        median = sorted(latencies)[len(latencies) // 2]
        if median > 0.05:
            return "/health took %.0f ms at the median" % (median * 1000)
        return None if worst < 0.5 else "/health took %.0f ms" % (worst * 1000)
    finally:
        stop.set()
        server.stop()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: resilience.py APP DATABASE_URL POSTMASTER_PID_FILE")
    binary, database_url, pid_file = sys.argv[1:4]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:  # root may raise the hard limit too
        hard = max(hard, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2500:
        sys.exit("FAIL this needs a file-descriptor limit of at least 2500 (hard limit %d)" % hard)
    folder = tempfile.mkdtemp(prefix="resilience-")
    checks = [
        ("1. PostgreSQL frozen under 32 writers", lambda: frozen_database(binary, database_url, pid_file)),
        ("2. notes limited in Unicode scalars", lambda: heavy_notes(binary)),
        ("3. no password shown, whatever the URL", lambda: password_never_shown(binary)),
        ("4a. 1,100 slow-body clients for 30 s", lambda: slow_body_clients(binary)),
        ("4b. 800 partial 1 MiB bodies", lambda: partial_bodies(binary)),
        ("4c. 1,000 clients pipelining without reading", lambda: pipelining_non_readers(binary)),
        ("4d. 800 whole 1 MiB bodies held by a slow route, then gone", lambda: bodies_on_a_slow_route(binary)),
        ("4e. every connection busy: probes on the management port", lambda: probes_under_held_connections(binary)),
        ("4f. 1,000 clients pipelining lists of 600 KB without reading", lambda: heavy_lists_never_read(binary, folder)),
        ("5. 8 clients pipelining /metrics", lambda: metrics_pipelining(binary)),
    ]
    failures = 0
    for name, check in checks:
        print("---- %s" % name)
        try:
            problem = check()
        except Exception as error:  # a crash of the check itself is a failure too
            problem = "check raised %r" % error
        print("%s %s%s" % ("ok  " if problem is None else "FAIL", name, "" if problem is None else ": " + problem))
        failures += problem is not None
    shutil.rmtree(folder, ignore_errors=True)
    print("%d failure(s)" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
