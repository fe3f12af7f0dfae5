#!/usr/bin/env bash
# A private PostgreSQL cluster for Kratos (tests, benchmarks): installed with apt-get when missing, initialised with
# initdb in a temp dir, listening on a free loopback port only, password-protected (scram). Idempotent: a second
# call finds the running cluster and returns at once. Postgres refuses to run as root: as root the server runs as
# the `postgres` user (created by the Debian package; created here if missing).
#
# Usage: scripts/postgres.sh [start]        start if needed; prints the server URL (no database) on the last line
#        scripts/postgres.sh createdb NAME  a fresh, empty database NAME; prints its Kratos DSN on the last line
#        scripts/postgres.sh dropdb NAME    drops it (connections are closed first)
#        scripts/postgres.sh stop           stops the cluster (the data stays until the temp dir is removed)
#        scripts/postgres.sh status
# Env:   ORY_RECONCILE_PG_DIR (default ${TMPDIR:-/tmp}/ory-reconcile-postgres-<uid>), PG_BIN (dir of initdb, pg_ctl)
set -euo pipefail

BASE="${ORY_RECONCILE_PG_DIR:-${TMPDIR:-/tmp}/ory-reconcile-postgres-$(id -u)}"
DATA="$BASE/data"
DB_USER=ory

step() { echo "[postgres] $*" >&2; }
fail() { echo "[postgres] FAILED: $*" >&2; exit 1; }

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  return 1
}

install_postgres() {
  find_bin >/dev/null && return
  step "PostgreSQL is not installed: installing the Debian package with apt-get"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql; } >&2 \
    || fail "apt-get install postgresql failed"
  # The package may start its own cluster on port 5432; ours is separate and does not need it.
  find_bin >/dev/null || fail "postgresql installed, but initdb was not found (set PG_BIN)"
}

# As root, the server and its files belong to an unprivileged user.
RUN_AS=()
OWNER="$(id -un)"
if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  RUN_AS=(runuser -u postgres --)
fi
as_owner() { "${RUN_AS[@]}" "$@"; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

server_url() {
  echo "postgres://$DB_USER:$(cat "$BASE/password")@127.0.0.1:$(cat "$BASE/port")"
}

running() {
  [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  install_postgres
  BIN="$(find_bin)"
  mkdir -p "$BASE"
  exec 9>"$BASE/lock"
  flock 9 # concurrent callers (parallel test workers) wait for the first one
  if running && [ -f "$BASE/port" ]; then server_url; return; fi
  if [ "$OWNER" = postgres ] && ! id postgres >/dev/null 2>&1; then
    step "creating system user postgres"
    useradd --system --home-dir "$BASE" --shell /usr/sbin/nologin postgres
  fi
  chmod 755 "$BASE"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    step "initdb in $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$BASE/password")
    install -m 600 -o "$OWNER" "$BASE/password" "$BASE/pwfile"
    chown "$OWNER" "$DATA"
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$BASE/pwfile" -A scram-sha-256 -E UTF8 --no-locale >"$BASE/initdb.log" 2>&1 \
      || { rm -f "$BASE/pwfile"; fail "initdb failed: $(tail -n 20 "$BASE/initdb.log")"; }
    rm -f "$BASE/pwfile"
  fi
  local port
  port="$(free_port)"
  echo "$port" >"$BASE/port"
  touch "$BASE/server.log" && chown "$OWNER" "$BASE/server.log"
  step "starting PostgreSQL on 127.0.0.1:$port (data: $DATA)"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -t 60 start \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DATA -c max_connections=400" >&2 9>&- \
    || fail "pg_ctl start failed: $(tail -n 20 "$BASE/server.log")"
  server_url
}

psql_admin() {
  PGPASSWORD="$(cat "$BASE/password")" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(cat "$BASE/port")" -U "$DB_USER" -d postgres "$@"
}

valid_name() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || fail "database name '$1' must match ^[a-z_][a-z0-9_]{0,62}$"
}

command="${1:-start}"
case "$command" in
  start) start ;;
  createdb)
    name="${2:?usage: postgres.sh createdb NAME}"
    valid_name "$name"
    url="$(start)"
    BIN="$(find_bin)"
    psql_admin -c "CREATE DATABASE \"$name\"" >&2
    echo "$url/$name?sslmode=disable&max_conns=20&max_idle_conns=4"
    ;;
  dropdb)
    name="${2:?usage: postgres.sh dropdb NAME}"
    valid_name "$name"
    BIN="$(find_bin)" || exit 0
    running || exit 0
    psql_admin -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >&2
    ;;
  stop)
    BIN="$(find_bin)" || exit 0
    if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -w stop -m fast >&2; fi
    ;;
  status)
    BIN="$(find_bin)" || { echo "not installed"; exit 3; }
    if running; then echo "running: $(server_url | sed 's#//[^@]*@#//***@#')"; else echo "stopped"; exit 3; fi
    ;;
  *) fail "unknown command '$command' (expected start, createdb, dropdb, stop or status)" ;;
esac
