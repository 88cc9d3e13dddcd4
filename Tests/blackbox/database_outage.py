#!/usr/bin/env python3
"""The database goes away under a running app and comes back: /health must follow, without a restart.

    python3 Tests/blackbox/database_outage.py APP DATABASE_URL STOP_COMMAND RESUME_COMMAND

Python standard library only.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_note(port, text):
    request = urllib.request.Request(
        "http://127.0.0.1:%d/api/notes" % port, data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(port, status, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        code, body = get(port, "/health")
        if code == status:
            return body
        time.sleep(0.2)
    raise SystemExit("FAIL /health did not become %d within %d s (last: %d %s)" % (status, limit, code, body))


def main():
    binary, database_url, stop_command, resume_command = sys.argv[1:5]
    password = database_url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    env = {"PORT": "0", "HOST": "127.0.0.1", "DATABASE_URL": database_url, "LOG_LEVEL": "INFO",
           "PATH": os.environ.get("PATH", "")}
    app = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, text=True)
    log = []
    line = ""
    while " port=" not in line:
        line = app.stdout.readline()
        if not line:
            raise SystemExit("FAIL the app exited before its startup line")
        log.append(line)
    port = int(line.split(" port=")[1].split()[0])
    threading.Thread(target=lambda: log.extend(app.stdout), daemon=True).start()
    try:
        body = wait_for(port, 200, 10)
        print("ok   healthy with the database up: %s" % body)
        if post_note(port, "before the outage") != 201:
            raise SystemExit("FAIL could not create a note while the database was up")

        subprocess.run(stop_command, shell=True, check=True)
        started = time.monotonic()
        body = wait_for(port, 503, 10)
        print("ok   503 %.1f s after the database stopped: %s" % (time.monotonic() - started, body))
        if '"database": {"status": "down"' not in body:
            raise SystemExit("FAIL the 503 does not name the database as down")
        if password and password in body:
            raise SystemExit("FAIL the health body shows the database password")
        status = post_note(port, "during the outage")
        if status != 503:
            raise SystemExit("FAIL POST during the outage answered %d, expected 503" % status)
        print("ok   the notes API answers 503 while the database is down")

        subprocess.run(resume_command, shell=True, check=True)
        started = time.monotonic()
        body = wait_for(port, 200, 15)
        print("ok   200 again %.1f s after the database returned: %s" % (time.monotonic() - started, body))
        if post_note(port, "after the outage") != 201:
            raise SystemExit("FAIL could not create a note after the database returned")
        print("ok   notes work again")
        if password and any(password in line for line in log):
            raise SystemExit("FAIL the log shows the database password")
    finally:
        app.terminate()
        app.wait(timeout=15)


if __name__ == "__main__":
    main()
