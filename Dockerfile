# Two stages: the Swift toolchain builds one static executable; the runtime image holds only that file.

# ---- build ----
# The same Swift release as the workflow's test job (./run.sh lint checks they agree): with warnings as errors,
# a point release that floated in here alone could break only the image build.
FROM swift:6.3.1-bookworm AS build
WORKDIR /src

# The system libraries the app links, statically (libsqlite3.a; libssl.a and libcrypto.a for TLS to
# PostgreSQL). Versions come from the bookworm release the base image tracks: pinning them would break the
# build at every Debian security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev libssl-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# The manifest first: while it is unchanged, the resolve layer is reused and only the build reruns.
COPY Package.swift ./
RUN swift package resolve

# The test targets too (only their folders: .dockerignore leaves the scripts out): the manifest declares
# them, and SwiftPM refuses a target without its folder.
COPY Sources ./Sources
COPY Tests ./Tests
# Everything linked in (Swift runtime, SQLite, OpenSSL, the C library), stripped: the runtime stage needs no
# libraries at all, and the process maps one file instead of seven. With the functions it runs laid out
# together (Package.swift's link order), it is resident in about 7 MB. The linker's warnings about
# getaddrinfo and dlopen in static programs are expected: host lookups use the C library's built-in files
# and DNS sources, and the glibc of the runtime image below is the same release.
RUN swift build -c release -Xswiftc -static-executable -Xswiftc -warnings-as-errors --product app \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/app" /out/app \
    && strip /out/app

# ---- runtime ----
FROM debian:bookworm-slim

# A fixed, unprivileged user: files it writes on volumes have a predictable owner. Not a --system user:
# useradd warns when a system user's uid is above 999, and 10001 keeps clear of the host's own users.
# /data is where it may write (a SQLite file, say); mount a volume there to keep it.
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin app \
    && mkdir /data \
    && chown app:app /data

COPY --from=build /out/app /usr/local/bin/app
# The public root certificates, for sslmode=verify-full to a managed PostgreSQL: the bundle alone (the
# ca-certificates package would bring the openssl command and 13 MB with it). SSL_CERT_FILE tells the
# OpenSSL linked into the app where it is.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt

# Set at build time to trace a running container back to its commit (`/version` shows them).
ARG GIT_SHA=""
ARG APP_VERSION=""
ARG BUILD_TIME=""
ARG SOURCE_URL=""
ENV GIT_SHA=${GIT_SHA} \
    APP_VERSION=${APP_VERSION} \
    BUILD_TIME=${BUILD_TIME}
LABEL org.opencontainers.image.title="swift-devops-sample" \
      org.opencontainers.image.description="Sample Swift HTTP app for the course module Containers in a DevOps workflow" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.created="${BUILD_TIME}" \
      org.opencontainers.image.source="${SOURCE_URL}"

USER 10001:10001
WORKDIR /data
EXPOSE 8000
# The probes' own listener (/livez, /readyz, /health, /metrics on 16 connections of its own), which no
# client of the app can starve; HEALTHCHECK asks it. Not exposed: nothing outside the container needs it.
ENV MANAGEMENT_PORT=9000

# Exec form and the app's own probe: the slim image has no curl, and no shell is involved. While it starts
# (up to 30 s) Docker Engine 25+ probes every second, so a new container is healthy about a second after it
# starts, and failures there do not count; then every 30 s. Older engines ignore --start-interval and probe
# first after 30 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["app", "healthcheck"]

# The app is PID 1 and handles SIGTERM itself, so `docker stop` returns at once.
CMD ["app", "serve"]
