#!/usr/bin/env python3
"""Runs the README's shell blocks as a student pastes them: the quick start, the course's Parts A to D, then
the classroom demos of one container.

    python3 Tests/readme/run_readme.py [README.md]

Each section's blocks run in order in one bash session (`set -eo pipefail`), so a command that fails fails
the run, with the line and its section. Two kinds of line are treated specially, and only these:
- `./run.sh start` serves until Ctrl-C: it runs in the background until its section ends (then gets SIGINT,
  as Ctrl-C would), and the next line waits until http://localhost:8000/health answers.
- `REGISTRY=ghcr.io/your-name`, the student's own registry, becomes a registry this script runs for the
  occasion (the lab's `registry:2` on 127.0.0.1:5000, removed at the end), so Part B's push and pull are real.
Python standard library only.
"""

import os
import re
import subprocess
import sys

SECTIONS = [
    "Two commands", "Part A", "Part B", "Part C", "Part D",
    # The classroom demos a single container shows (the Swarm one needs the stack: swarm-check covers it).
    "A throttled container", "An OOM kill", "A restart policy at work",
]
# README_SECTIONS="Part C,Part D" runs only those, when working on one part.
ONLY = [s for s in os.environ.get("README_SECTIONS", "").split(",") if s]

START_SERVER = """./run.sh start >/tmp/readme-start.log 2>&1 &
readme_server=$!
trap 'kill -INT $readme_server 2>/dev/null; wait $readme_server 2>/dev/null' EXIT
for _ in $(seq 1 600); do
    curl -fs localhost:8000/health >/dev/null && break
    kill -0 $readme_server 2>/dev/null || break
    sleep 0.5
done
curl -fs localhost:8000/health >/dev/null || { cat /tmp/readme-start.log; exit 1; }"""


LOCAL_REGISTRY = "localhost:5000"
REGISTRY_CONTAINER = "readme-registry"


def start_registry():
    subprocess.run(["docker", "rm", "-f", REGISTRY_CONTAINER], capture_output=True)
    subprocess.run(["docker", "run", "-d", "--name", REGISTRY_CONTAINER, "-p", "127.0.0.1:5000:5000", "registry:2"],
                   check=True, capture_output=True)


def stop_registry():
    subprocess.run(["docker", "rm", "-f", REGISTRY_CONTAINER], capture_output=True)


def blocks_by_section(text):
    """(section heading, [block text]) for every ```sh block, in order."""
    sections = []
    heading = ""
    in_block = False
    lines = []
    for line in text.splitlines():
        if not in_block and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.strip() == "```sh":
            in_block, lines = True, []
        elif in_block and line.strip() == "```":
            in_block = False
            if not sections or sections[-1][0] != heading:
                sections.append((heading, []))
            sections[-1][1].append("\n".join(lines))
        elif in_block:
            lines.append(line)
    return sections


def commands(block):
    """The block's commands, continuation lines joined."""
    joined = []
    for line in block.splitlines():
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1] + "\n" + line
        else:
            joined.append(line)
    return joined


def script_for(blocks):
    out = ["set -eo pipefail"]
    for block in blocks:
        for command in commands(block):
            stripped = command.strip()
            if not stripped or stripped.startswith("#"):
                continue
            out.append("printf '%s\\n' " + shell_quote("$ " + stripped))
            if stripped.startswith("REGISTRY=ghcr.io/"):
                out.append("REGISTRY=" + LOCAL_REGISTRY)
                out.append("echo '  (here: REGISTRY=%s, a registry:2 started for this check)'" % LOCAL_REGISTRY)
            elif stripped.split("#")[0].strip() == "./run.sh start":
                out.append(START_SERVER)
            else:
                out.append(command)
    return "\n".join(out) + "\n"


def shell_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    with open(path) as handle:
        sections = blocks_by_section(handle.read())
    chosen = [(heading, blocks) for heading, blocks in sections if any(heading.startswith(s) for s in SECTIONS)]
    missing = [s for s in SECTIONS if not any(heading.startswith(s) for heading, _ in chosen)]
    if missing:
        sys.exit("FAIL the README has no shell blocks under: %s" % ", ".join(missing))
    start_registry()
    try:
        for heading, blocks in chosen:
            if ONLY and not any(heading.startswith(s) for s in ONLY):
                continue
            print("\n==== README: %s (%d block(s))" % (heading, len(blocks)), flush=True)
            result = subprocess.run(["bash", "-c", script_for(blocks)])
            if result.returncode != 0:
                sys.exit("FAIL README section '%s': a command exited %d (the last one shown above)"
                         % (heading, result.returncode))
    finally:
        stop_registry()
    print("README: every block ran")


if __name__ == "__main__":
    main()
