#!/usr/bin/env python3
"""actionlint against the real inputs of every action the workflows pin by commit.

    python3 Tests/workflow/actionlint_pinned.py

actionlint checks a step's `with:` only for actions it knows by tag, never for one pinned to a commit SHA.
So each workflow is copied into a scratch repository where every `uses: OWNER/REPO[/PATH]@SHA # vX.Y.Z`
points at a local copy of that action's metadata at that very commit, and actionlint runs there: an input
the action does not have, or a required one left out, is reported at the workflow's own line.

The metadata lives in .github/action-metadata/OWNER/REPO[/PATH]/SHA.yml, copied unchanged from the action's
repository (`git show SHA:[PATH/]action.yml`). A pin with no copy fails with the command that makes one.
Needs actionlint. Python standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
METADATA = os.path.join(ROOT, ".github", "action-metadata")
ENTRY_POINT = re.compile(r"^\s+(?:pre|main|post):\s*['\"]?([^'\"\s]+)", re.MULTILINE)
LOCAL = re.compile(r"\./pinned/([\w./-]+?)/([0-9a-f]{40})")
PINNED = re.compile(r"(uses:\s*)([\w.-]+/[\w.-]+(?:/[\w./-]+)?)@([0-9a-f]{40})(\s*#\s*v\S+)")


def main():
    workflows = os.path.join(ROOT, ".github", "workflows")
    scratch = tempfile.mkdtemp(prefix="actionlint-pinned-")
    try:
        subprocess.run(["git", "init", "-q", scratch], check=True)
        os.makedirs(os.path.join(scratch, ".github", "workflows"))
        missing = []
        checked = set()
        for name in sorted(os.listdir(workflows)):
            if not name.endswith((".yml", ".yaml")):
                continue
            with open(os.path.join(workflows, name)) as file:
                text = file.read()

            def local(match):
                action, sha = match.group(2), match.group(3)
                source = os.path.join(METADATA, action, sha + ".yml")
                if not os.path.exists(source):
                    missing.append(f"{action}@{sha}")
                    return match.group(0)
                target = os.path.join(scratch, "pinned", action, sha)
                os.makedirs(target, exist_ok=True)
                shutil.copyfile(source, os.path.join(target, "action.yml"))
                # actionlint also checks that a JavaScript action's entry points exist: empty stand-ins.
                with open(source) as metadata:
                    for entry in ENTRY_POINT.findall(metadata.read()):
                        stand_in = os.path.normpath(os.path.join(target, entry))
                        os.makedirs(os.path.dirname(stand_in), exist_ok=True)
                        open(stand_in, "a").close()
                checked.add(f"{action}@{sha[:7]}")
                return f"{match.group(1)}./pinned/{action}/{sha}{match.group(4)}"

            with open(os.path.join(scratch, ".github", "workflows", name), "w") as file:
                file.write(PINNED.sub(local, text))
        if missing:
            for pin in missing:
                action, sha = pin.split("@")
                owner_repo = "/".join(action.split("/")[:2])
                path = "/".join(action.split("/")[2:])
                print(f"no metadata for {pin}: in a clone of https://github.com/{owner_repo}, run", file=sys.stderr)
                print(f"  git show {sha}:{path + '/' if path else ''}action.yml"
                      f" > .github/action-metadata/{action}/{sha}.yml   (or action.yaml)", file=sys.stderr)
            return 1
        result = subprocess.run(["actionlint", "-no-color"], cwd=scratch, capture_output=True, text=True)
        sys.stdout.write(LOCAL.sub(r"\1@\2", result.stdout.replace(scratch + "/", "")))
        sys.stderr.write(result.stderr)
        if result.returncode == 0:
            print(f"actionlint: inputs checked against the pinned commit of {len(checked)} actions")
        return result.returncode
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
