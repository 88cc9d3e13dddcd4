#!/usr/bin/env python3
"""The page `GET /` gives a browser, loaded by a real one: headless Chromium (Debian's `chromium`).

    python3 Tests/browser/page_check.py <path to app> [--screenshot docs/status-page.png]

Starts the binary with a version, a commit and a SECRET_KEY, lets Chromium run the page's script for a few
seconds (virtual time: the page's one-second refreshes run without waiting on the clock), and checks the
rendered DOM: the version, the commit, `ok`, and lines in the history. Then it turns the app's health off with
the switch and checks that the page shows the 503. Chromium logs any Content-Security-Policy violation, and one
fails the check. Python standard library only.
"""

import html
import os
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blackbox"))
from hostile_clients import Server  # noqa: E402

KEY = "page-key-0123456789"
VERSION = "9.8.7"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def chromium(url, *options):
    """Chromium's output (the DOM with --dump-dom) and its log, after 4 s of the page's virtual time."""
    result = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=4000", *options, url],
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        sys.exit("FAIL chromium exited %d: %s" % (result.returncode, result.stderr[-2000:]))
    return result.stdout, result.stderr


def text_of(dom, element_id):
    match = re.search(r'id="%s"[^>]*>([^<]*)<' % element_id, dom)
    return html.unescape(match.group(1)) if match else None


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        sys.exit(1)


def no_policy_violations(log):
    violations = [line for line in log.splitlines() if "Content Security Policy" in line or "Refused to" in line]
    check(not violations, "no Content-Security-Policy violation in Chromium's log" +
          ("".join("\n     " + line for line in violations)))


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--screenshot"):
        sys.exit(__doc__)
    server = Server(sys.argv[1], env={"SECRET_KEY": KEY, "APP_VERSION": VERSION, "GIT_SHA": COMMIT,
                                      "APP_ENV": "staging", "LOG_FORMAT": "text"})
    url = "http://127.0.0.1:%d/" % server.port
    try:
        dom, log = chromium(url, "--dump-dom")
        no_policy_violations(log)
        check(text_of(dom, "version") == VERSION, "the page shows the version: %s" % text_of(dom, "version"))
        check(text_of(dom, "commit") == COMMIT, "the page shows the commit")
        check(text_of(dom, "environment") == "staging", "the page shows the environment")
        check(text_of(dom, "hostname") == os.uname().nodename, "the page shows the replica: %s" % text_of(dom, "hostname"))
        check(text_of(dom, "health") == "ok" and 'class="health ok"' in dom, "the page shows health ok")
        rows = dom.count("<tr><td>")
        check(rows >= 2, "the history lists the answers of the refreshes: %d line(s)" % rows)
        if len(sys.argv) == 4:
            chromium(url, "--window-size=900,640", "--screenshot=" + os.path.abspath(sys.argv[3]))
            print("     screenshot written to %s" % sys.argv[3])

        switch = urllib.request.Request(
            url + "admin/health", data=b'{"healthy": false}', method="POST",
            headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
        urllib.request.urlopen(switch, timeout=10).read()
        dom, log = chromium(url, "--dump-dom")
        no_policy_violations(log)
        health = text_of(dom, "health")
        check(health == "503 unhealthy (manual)" and 'class="health failing"' in dom,
              "with the switch off the page shows: %s" % health)
        check("<td>503 unhealthy (manual)</td>" in dom, "and so does its history")
    finally:
        server.stop()
    print("page: every check passed")


if __name__ == "__main__":
    main()
