#!/usr/bin/env python3
"""The workflow builds its image once, and nothing is built after the first step that tests it.

    python3 Tests/workflow/build_once.py [.github/workflows/ci.yml]

A build is a step that uses docker/build-push-action or runs `docker build` / `docker buildx build`; a test is
a step that smoke-tests, runs, probes or scans the image. The check passes when the workflow has exactly one
build and every test comes after it in the same job, so the digest tested is the digest the publish job
tags. It then checks itself: the same workflow with a second build appended after the tests must fail.
Python standard library only (the workflow is read line by line: jobs at two spaces, steps at six).
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = re.compile(r"docker/build-push-action@|docker build\b|docker buildx build\b")
TEST = re.compile(r"\./run\.sh (smoke|docker-run|wait-healthy)|\bapp check\b|curl -f|aquasecurity/trivy-action@")


def steps_by_job(text):
    """{job: [step text, ...]} in order."""
    jobs = {}
    job = None
    in_jobs = False
    for line in text.splitlines():
        if line.startswith("jobs:"):
            in_jobs = True
            continue
        if in_jobs and re.match(r"^  [\w-]+:\s*$", line):
            job = line.strip().rstrip(":")
            jobs[job] = []
        elif job and line.startswith("      - "):
            jobs[job].append(line)
        elif job and jobs[job] and (line.startswith("        ") or not line.strip()):
            jobs[job][-1] += "\n" + line
    return jobs


def problems(text):
    found = []
    builds = [(job, index) for job, steps in steps_by_job(text).items() for index, step in enumerate(steps)
              if BUILD.search(step)]
    if len(builds) != 1:
        found.append("%d build steps (%s); the image must be built once" % (len(builds), builds))
    for job, steps in steps_by_job(text).items():
        tests = [index for index, step in enumerate(steps) if TEST.search(step)]
        if not tests:
            continue
        built_here = [index for build_job, index in builds if build_job == job]
        if not built_here or min(tests) < max(built_here):
            found.append("job %s tests an image at step %d but builds at %s" % (job, min(tests), built_here))
    return found


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".github", "workflows", "ci.yml")
    with open(path) as handle:
        text = handle.read()
    found = problems(text)
    for problem in found:
        print("FAIL " + problem)
    if found:
        sys.exit(1)
    rebuilt = text.rstrip() + "\n      - name: Build again\n        run: docker build -t again .\n"
    if not problems(rebuilt):
        sys.exit("FAIL the check does not notice a second build after the tests")
    print("ok   one build, before every test of its image; a second build after the tests would be caught")


if __name__ == "__main__":
    main()
