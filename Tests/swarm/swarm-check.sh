#!/usr/bin/env bash
# deploy/swarm/stack.yml for real on a one-node swarm: 3 replicas behind the nginx front door, a rolling
# update of all of them to a new image while traffic flows (target: 0 failed requests), then a replica
# killed under traffic (target: no more lost than it had in flight). Leaves no stack, volume or swarm behind
# (a swarm that was already there stays).
# Needs Docker with nginx:1.22-bookworm and postgres:15-bookworm, and python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

stack="swarmcheck"
workdir="$(mktemp -d)"
sha="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
image="swift-devops-sample"
clients=4
joined_swarm=0

step_start=$SECONDS
step() { printf 'swarm-check: %s (%d s)\n' "$*" $((SECONDS - step_start)); step_start=$SECONDS; }
fail() { echo "swarm-check: $*" >&2; exit 1; }

finish() {
    local status=$?
    if [ "$status" -ne 0 ]; then
        docker service ps --no-trunc "${stack}_app" >&2 2>/dev/null || true
        docker service logs --tail 20 "${stack}_front" >&2 2>/dev/null || true
    fi
    touch "$workdir/stop"
    wait 2>/dev/null || true
    docker stack rm "$stack" >/dev/null 2>&1 || true
    # The volume can go once its container has: stack rm returns before the tasks are gone.
    for _ in $(seq 1 60); do
        [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")" ] && break
        sleep 0.5
    done
    docker volume rm "${stack}_db-data" >/dev/null 2>&1 || true
    if [ "$joined_swarm" = 1 ]; then docker swarm leave --force >/dev/null 2>&1 || true; fi
    rm -rf "$workdir"
}
trap finish EXIT

# Two images of this tree, told apart by the commit /version reports; the second build reuses every layer
# of the first but the last.
docker build -q --build-arg GIT_SHA="$sha" -t "$image:swarm-first" . >/dev/null
docker build -q --build-arg GIT_SHA="$sha-rolled" -t "$image:swarm-second" . >/dev/null
step "images $image:swarm-first and :swarm-second built"

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    joined_swarm=1
fi
front_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
APP_IMAGE="$image:swarm-first" POSTGRES_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
    SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(16))')" FRONT_PORT="$front_port" \
    docker stack deploy --compose-file deploy/swarm/stack.yml "$stack" >/dev/null
front="http://127.0.0.1:$front_port"

# Up when the front door has had answers from three different replicas, each on the database.
replicas_answering() {
    python3 - "$front" <<'PY'
import json, sys, urllib.request
seen = {}
for _ in range(30):
    try:
        with urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=3) as response:
            seen[response.headers["X-Replica"].split(",")[-1].strip()] = response.status
    except OSError:
        pass
print(sum(1 for status in seen.values() if status == 200))
PY
}
for _ in $(seq 1 120); do
    [ "$(replicas_answering)" = 3 ] && break
    sleep 1
done
[ "$(replicas_answering)" = 3 ] || fail "three ready replicas never answered through the front door"
step "stack up: 3 replicas ready behind the front door on 127.0.0.1:$front_port"

# Load through the front door for the whole of $1, then its report.
with_load() {
    rm -f "$workdir/stop"
    python3 Tests/swarm/load.py "$front_port" "$workdir/stop" --clients "$clients" >"$workdir/load.json" &
    local load=$!
    sleep 3
    "$@"
    sleep 3
    touch "$workdir/stop"
    wait "$load"
    cat "$workdir/load.json"
}
report_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$workdir/load.json" "$1"; }

rolling_update() {
    docker service update --detach=false --quiet --image "$image:swarm-second" "${stack}_app" >/dev/null
}
with_load rolling_update
step "rolling update of 3 replicas: $(report_field sent) requests, $(report_field failed) failed, longest $(report_field longest_ms) ms"
[ "$(report_field failed)" = 0 ] || fail "requests failed during the rolling update"

# Every replica now reports the new commit.
python3 - "$front" "$sha-rolled" <<'PY'
import json, sys, urllib.request
commits = {}
for _ in range(60):
    with urllib.request.urlopen(sys.argv[1] + "/version", timeout=3) as response:
        commits[response.headers["X-Replica"].split(",")[-1].strip()] = json.load(response)["commit"]
print("swarm-check: replicas after the update:", commits)
if len(commits) != 3 or set(commits.values()) != {sys.argv[2]}:
    sys.exit("swarm-check: not every replica reports the new commit")
PY

healthy_replicas() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_app" --filter health=healthy; }
kill_one_replica() {
    victim="$(healthy_replicas | head -n 1)"
    docker kill "$victim" >/dev/null
    # Swarm starts a replacement; the load goes on until three healthy replicas run again, none of them
    # the one killed.
    for _ in $(seq 1 90); do
        if [ "$(healthy_replicas | grep -cv "^$victim")" = 3 ]; then return 0; fi
        sleep 1
    done
}
with_load kill_one_replica
step "one replica killed: $(report_field sent) requests, $(report_field failed) failed, longest $(report_field longest_ms) ms"
# At most what the killed replica had in flight: each load client has one request out at a time.
[ "$(report_field failed)" -le "$clients" ] || fail "more requests failed than the killed replica had in flight"
[ "$(healthy_replicas | grep -cv "^$victim")" = 3 ] || fail "Swarm did not replace the killed replica"
step "Swarm replaced the killed replica"
echo "swarm-check: OK"
