#!/usr/bin/env python3
"""The workflow's publishing sequence, run for real against a local registry: the image pushed is the image tested.

    python3 Tests/publish/publish_check.py <repository> <commit> <version> [<branch>]

<repository> is a name in a running registry (the lab's `registry:2`, e.g. localhost:5055/swift-devops-sample).
In order, as `.github/workflows/ci.yml` does it:
1. build the image once (amd64) and push it under one throwaway tag, `sha-<commit>-candidate`;
2. wrap it in an image index (the workflow's build pushes an index, with its SBOM and provenance; the lab's
   Docker driver pushes a bare manifest), and from here on use only that index's digest;
3. pull it by digest (the local tag removed first), smoke-test it (`app check`), run it until Docker calls it
   healthy, and probe /health and /version;
4. promote: add the human tags (the commit, its short form, the branch, the version and its major.minor,
   latest) to that digest with `docker buildx imagetools create`: no build after the tests;
5. check that every tag resolves to the tested digest, and that `docker run` of each tag answers /version with
   this commit;
6. self-test: point `latest` at another image and check that step 5's check fails, naming it.
Python standard library only; needs Docker with buildx.
"""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

PATIENCE = 60


def docker(*arguments, quiet=False):
    result = subprocess.run(["docker", *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("FAIL docker %s:\n%s" % (" ".join(arguments), (result.stderr or result.stdout).strip()))
    if not quiet and result.stdout.strip():
        print("     " + result.stdout.strip().replace("\n", "\n     "))
    return result.stdout.strip()


def step(text):
    print("\n---- " + text, flush=True)


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        sys.exit(1)


def digest_of(reference):
    """The digest a reference resolves to in the registry (the index's, for an index)."""
    manifest = docker("buildx", "imagetools", "inspect", reference, "--format", "{{json .Manifest}}", quiet=True)
    return json.loads(manifest)["digest"]


def mismatches(repository, tags, tested):
    """The tags that do not resolve to the tested digest, with what they resolve to."""
    found = {tag: digest_of("%s:%s" % (repository, tag)) for tag in tags}
    return {tag: digest for tag, digest in found.items() if digest != tested}


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return None, ""


def run_and_probe(reference, commit, name):
    """Runs the image detached, waits for Docker's healthy, and returns /health's and /version's answers."""
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    docker("run", "-d", "--name", name, "-p", "127.0.0.1::8000", reference, quiet=True)
    try:
        port = int(docker("port", name, "8000/tcp", quiet=True).splitlines()[0].rsplit(":", 1)[1])
        deadline = time.monotonic() + PATIENCE
        while docker("inspect", "-f", "{{.State.Health.Status}}", name, quiet=True) != "healthy":
            if time.monotonic() > deadline:
                sys.exit("FAIL %s was not healthy within %d s" % (reference, PATIENCE))
            time.sleep(0.2)
        health = get("http://127.0.0.1:%d/health" % port)
        version = get("http://127.0.0.1:%d/version" % port)
        return health, json.loads(version[1]) if version[0] == 200 else {}
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def human_tags(commit, version, branch):
    """The tags the workflow's metadata step gives a push: as on a push of a v* tag or of the default branch."""
    tags = [commit, commit[:7], "latest"]
    if branch and branch != "HEAD":
        tags.append(re.sub(r"[^A-Za-z0-9_.-]", "-", branch))
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if match:
        tags += [version, "%s.%s" % (match.group(1), match.group(2))]
    else:
        # 1.0.0+abc1234: a tag cannot hold "+".
        tags.append(version.replace("+", "-"))
    return tags


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    repository, commit, version = sys.argv[1:4]
    branch = sys.argv[4] if len(sys.argv) == 5 else ""
    try:
        publish(repository, commit, version, branch)
    finally:
        # By name, never by image id: an id may also carry another repository's tags.
        names = docker("images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}", repository,
                       quiet=True)
        for line in names.splitlines():
            name, tag, digest = line.split()
            reference = "%s:%s" % (name, tag) if tag != "<none>" else "%s@%s" % (name, digest)
            subprocess.run(["docker", "rmi", reference], capture_output=True)


def publish(repository, commit, version, branch):
    candidate = "%s:sha-%s-candidate" % (repository, commit)

    step("1. build once (linux/amd64), push under the throwaway tag " + candidate.rsplit(":", 1)[1])
    docker("build", "-q", "--build-arg", "GIT_SHA=" + commit, "--build-arg", "APP_VERSION=" + version,
           "-t", candidate, ".", quiet=True)
    docker("push", "-q", candidate)

    step("2. wrap it in an image index; its digest is the one tested, promoted and checked")
    docker("buildx", "imagetools", "create", "--progress", "plain", "-t", candidate,
           "%s@%s" % (repository, digest_of(candidate)), quiet=True)
    tested = digest_of(candidate)
    pinned = "%s@%s" % (repository, tested)
    print("     tested digest: " + tested)

    step("3. pull by digest; smoke, healthy, probes")
    docker("rmi", candidate, quiet=True)
    docker("pull", "-q", pinned)
    check(docker("run", "--rm", "-e", "APP_ENV=test", pinned, "app", "check", quiet=True) == "OK",
          "app check in the pulled image prints OK")
    health, answer = run_and_probe(pinned, commit, "publish-check-candidate")
    check(health[0] == 200 and '"status": "ok"' in health[1], "/health: %s %s" % health)
    check(answer.get("commit") == commit and answer.get("version") == version,
          "/version: commit %s, version %s" % (answer.get("commit"), answer.get("version")))

    tags = human_tags(commit, version, branch)
    step("4. promote: " + ", ".join(tags) + " -> the tested digest, with imagetools create (no build)")
    arguments = ["buildx", "imagetools", "create", "--progress", "plain"]
    for tag in tags:
        arguments += ["-t", "%s:%s" % (repository, tag)]
    docker(*arguments, pinned, quiet=True)

    step("5. every tag is the tested digest, and runs this commit")
    wrong = mismatches(repository, tags, tested)
    check(not wrong, "every tag resolves to %s%s" % (tested, "".join(
        "\n     %s -> %s" % item for item in wrong.items())))
    for tag in tags:
        reference = "%s:%s" % (repository, tag)
        subprocess.run(["docker", "rmi", reference], capture_output=True)
        docker("pull", "-q", reference, quiet=True)
        _, answer = run_and_probe(reference, commit, "publish-check-tag")
        check(answer.get("commit") == commit, "docker run %s: /version says commit %s" % (tag, answer.get("commit")))

    step("6. self-test: a tag pointed at another image is caught")
    decoy = "%s:latest" % repository
    # An image of its own (a label makes its config, so its id, differ), so that removing it touches nothing else.
    subprocess.run(["docker", "build", "-q", "-t", decoy, "-"], input="FROM debian:bookworm-slim\nLABEL decoy=true\n",
                   capture_output=True, text=True, check=True)
    docker("push", "-q", decoy, quiet=True)
    wrong = mismatches(repository, tags, tested)
    check(list(wrong) == ["latest"], "the check names the re-pointed tag: %s" % wrong)
    print("\npublish-check: the image pushed is the image tested (%s)" % tested)


if __name__ == "__main__":
    main()
