#!/usr/bin/env bash
# compose.yaml for real: the whole stack up, a note that outlives the app's container, the database stopped
# and started under a running app (Docker's health follows), Prometheus scraping the app, and a clean down.
# Needs Docker with postgres:15-bookworm and prom/prometheus:v2.42.0, and `docker compose` or docker-compose.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if docker compose version >/dev/null 2>&1; then
    compose_command=(docker compose)
elif command -v docker-compose >/dev/null; then
    compose_command=(docker-compose)
else
    echo "compose-check: neither 'docker compose' nor docker-compose is installed" >&2
    exit 1
fi

project="swiftsample-check-$$"
workdir="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
app_port="$(free_port)"
prometheus_port="$(free_port)"
password="$(secret)"
cat >"$workdir/env" <<ENV
POSTGRES_PASSWORD=$password
DATABASE_URL=postgresql://app:$password@db:5432/app
SECRET_KEY=$(secret)
APP_PORT=$app_port
PROMETHEUS_PORT=$prometheus_port
ENV
compose() { "${compose_command[@]}" --project-name "$project" --env-file "$workdir/env" "$@"; }
finish() {
    local status=$?
    if [ "$status" -ne 0 ]; then compose logs --tail 30 >&2 || true; fi
    compose down --volumes --remove-orphans >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap finish EXIT

step_start=$SECONDS
step() { printf 'compose-check: %s (%d s)\n' "$*" $((SECONDS - step_start)); step_start=$SECONDS; }

# The example file is what students copy: it must fill every variable the file requires.
"${compose_command[@]}" --env-file .env.example config --quiet
step "compose.yaml reads with .env.example"

compose up -d --build
step "up (build included)"

container_health() { docker inspect --format '{{.State.Health.Status}}' "$(compose ps -q "$1")"; }
wait_for_health() {
    local service="$1" want="$2" status=""
    for _ in $(seq 1 60); do
        status="$(container_health "$service")"
        if [ "$status" = "$want" ]; then return 0; fi
        sleep 1
    done
    echo "compose-check: $service stayed '$status', wanted '$want'" >&2
    return 1
}
app_url="http://127.0.0.1:$app_port"
wait_for_health app healthy
curl -fsS "$app_url/health" | grep -q '"database": {"status": "up"'
step "app healthy, on PostgreSQL"

note="$(curl -fsS -X POST "$app_url/api/notes" -H 'Content-Type: application/json' \
    -d '{"text": "written before the app container was recreated"}')"
id="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$note")"
compose up -d --force-recreate --no-deps app
wait_for_health app healthy
curl -fsS "$app_url/api/notes/$id" | grep -q 'written before the app container was recreated'
step "note $id still there after the app container was recreated"

compose stop db
status="$(curl -s -o /dev/null -w '%{http_code}' "$app_url/health")"
for _ in $(seq 1 20); do
    [ "$status" = 503 ] && break
    sleep 0.5
    status="$(curl -s -o /dev/null -w '%{http_code}' "$app_url/health")"
done
[ "$status" = 503 ]
[ "$(curl -s -o /dev/null -w '%{http_code}' "$app_url/livez")" = 200 ]
wait_for_health app unhealthy
step "database stopped: /health 503, /livez 200, Docker marks the app unhealthy"

compose start db
wait_for_health app healthy
step "database started: the app is healthy again"

targets=""
for _ in $(seq 1 60); do
    targets="$(curl -fsS "http://127.0.0.1:$prometheus_port/api/v1/targets" 2>/dev/null || true)"
    if python3 -c 'import json, sys; t = json.loads(sys.argv[1])["data"]["activeTargets"]; sys.exit(0 if [x["health"] for x in t] == ["up"] else 1)' "$targets" 2>/dev/null; then
        break
    fi
    targets=""
    sleep 1
done
[ -n "$targets" ] || { echo "compose-check: Prometheus never reported the app's target up" >&2; exit 1; }
step "Prometheus reports the app's target up"

compose down --volumes --remove-orphans
if docker volume ls --quiet | grep -q "^${project}_db-data$"; then
    echo "compose-check: the database volume outlived 'down --volumes'" >&2
    exit 1
fi
step "down, volumes removed"
echo "compose-check: OK"
