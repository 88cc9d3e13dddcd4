#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on 127.0.0.1:$PGTEST_PORT, with one role per authentication
# method. Uses Debian's postgresql package (apt-get install postgresql).
#
#   eval "$(Tests/postgres/test-cluster.sh start)"   # fresh cluster; prints the TEST_DATABASE_URL* exports
#
# The cluster has TLS on, with a certificate for "localhost" from a CA made here and now (and a second CA that
# signed nothing, to be refused). A second, small cluster on PORT+1 has TLS off, for the modes that need it.
#   Tests/postgres/test-cluster.sh stop               # stop the server (the data stays)
#   Tests/postgres/test-cluster.sh resume             # start it again on the same data
set -euo pipefail

PORT="${PGTEST_PORT:-55432}"
PLAIN_PORT=$((PORT + 1))
DIR="${PGTEST_DIR:-/tmp/swift-devops-sample-pg}"
BIN="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n 1)"
[ -x "$BIN/initdb" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }

# initdb refuses to run as root: use the postgres account then.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_run() { as_owner "$BIN/pg_ctl" -D "$DIR/data" "$@"; }

start_server() {
    pg_ctl_run -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$DIR/tls/server.crt \
        -c ssl_key_file=$DIR/tls/server.key" -l "$DIR/server.log" -w -t 30 start >&2
}

# A throwaway CA, a server certificate it signs for the name localhost only (so 127.0.0.1 is a host name
# mismatch), and another CA that signed nothing.
make_certificates() {
    local tls="$DIR/tls"
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=swift-devops-sample test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
        -keyout "$tls/other-ca.key" -out "$tls/other-ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" \
        2>/dev/null
    printf 'subjectAltName=DNS:localhost\n' >"$tls/san.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/san.ext" -out "$tls/server.crt" 2>/dev/null
    chmod 600 "$tls/server.key"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$tls"; fi
    chmod 644 "$tls/ca.crt" "$tls/other-ca.crt"
}

# The cluster without TLS: only what the sslmode tests need (postgres over trust).
start_plain_cluster() {
    local plain="$DIR/plain"
    mkdir -p "$plain"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$plain"; fi
    as_owner "$BIN/initdb" -D "$plain/data" -U postgres --auth-local=trust --auth-host=trust >/dev/null
    as_owner "$BIN/pg_ctl" -D "$plain/data" -o "-p $PLAIN_PORT -k $plain -c listen_addresses=127.0.0.1 -c ssl=off" \
        -l "$plain/server.log" -w -t 30 start >&2
}

case "${1:-}" in
    start)
        if [ -f "$DIR/data/postmaster.pid" ]; then pg_ctl_run -m immediate -w stop >&2 || true; fi
        if [ -f "$DIR/plain/data/postmaster.pid" ]; then
            as_owner "$BIN/pg_ctl" -D "$DIR/plain/data" -m immediate -w stop >&2 || true
        fi
        rm -rf "$DIR"
        mkdir -p "$DIR"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR"; fi
        make_certificates
        as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=reject >/dev/null
        cat >"$DIR/hba.conf" <<'HBA'
local all all trust
host all postgres 127.0.0.1/32 trust
host all trust_user 127.0.0.1/32 trust
host all password_user 127.0.0.1/32 password
host all md5_user 127.0.0.1/32 md5
host all scram_user 127.0.0.1/32 scram-sha-256
hostnossl all tls_only_user 127.0.0.1/32 reject
hostssl all tls_only_user 127.0.0.1/32 scram-sha-256
HBA
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$DIR/hba.conf"; fi
        as_owner cp "$DIR/hba.conf" "$DIR/data/pg_hba.conf"
        start_server
        start_plain_cluster
        # md5_user's password is stored as MD5, or the server would answer md5 with SCRAM instead.
        as_owner "$BIN/psql" -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE ROLE scram_user LOGIN PASSWORD 'scram-pass-123';
SET password_encryption = 'md5';
CREATE ROLE md5_user LOGIN PASSWORD 'md5-pass-123';
RESET password_encryption;
CREATE ROLE password_user LOGIN PASSWORD 'clear-pass-123';
CREATE ROLE trust_user LOGIN;
CREATE ROLE tls_only_user LOGIN PASSWORD 'tls-pass-123';
CREATE DATABASE notes_scram OWNER scram_user;
CREATE DATABASE notes_md5 OWNER md5_user;
CREATE DATABASE notes_password OWNER password_user;
CREATE DATABASE notes_trust OWNER trust_user;
CREATE DATABASE notes_tls_only OWNER tls_only_user;
SQL
        cat <<URLS
export TEST_DATABASE_URL='postgresql://scram_user:scram-pass-123@127.0.0.1:$PORT/notes_scram'
export TEST_DATABASE_URL_SCRAM='postgresql://scram_user:scram-pass-123@127.0.0.1:$PORT/notes_scram'
export TEST_DATABASE_URL_MD5='postgresql://md5_user:md5-pass-123@127.0.0.1:$PORT/notes_md5'
export TEST_DATABASE_URL_PASSWORD='postgresql://password_user:clear-pass-123@127.0.0.1:$PORT/notes_password'
export TEST_DATABASE_URL_TRUST='postgresql://trust_user@127.0.0.1:$PORT/notes_trust'
export TEST_DATABASE_URL_TLS_ONLY='postgresql://tls_only_user:tls-pass-123@127.0.0.1:$PORT/notes_tls_only'
export TEST_POSTMASTER_PID_FILE='$DIR/data/postmaster.pid'
export TEST_DATABASE_URL_TLS='postgresql://scram_user:scram-pass-123@localhost:$PORT/notes_scram?sslmode=verify-full&sslrootcert=$DIR/tls/ca.crt'
export TEST_TLS_CA='$DIR/tls/ca.crt'
export TEST_TLS_OTHER_CA='$DIR/tls/other-ca.crt'
export TEST_DATABASE_URL_NO_TLS='postgresql://postgres@127.0.0.1:$PLAIN_PORT/postgres'
URLS
        ;;
    stop)
        pg_ctl_run -m fast -w stop >&2
        ;;
    resume)
        start_server
        ;;
    *)
        echo "usage: $0 start|stop|resume" >&2
        exit 2
        ;;
esac
