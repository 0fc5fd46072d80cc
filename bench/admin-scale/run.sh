#!/usr/bin/env bash
# Admin API at scale (issue 7): a throw-away PostgreSQL 15, USERS accounts and EVENTS audit events seeded in bulk
# (seed_postgres.sql, generate_series), the release server on it, and measure.py for p50/p95 of list, deep page,
# search and audit queries plus the export rate. Everything is bounded: the whole run by TIMEOUT seconds.
#   bench/admin-scale/run.sh                      # 1,000,000 users, 5,000,000 events
#   USERS=100000 EVENTS=500000 bench/admin-scale/run.sh
#   BACKEND=sqlite bench/admin-scale/run.sh       # SQLite file instead (seed_sqlite.py, one transaction)
# Targets on the 2-core reference machine: page and search p95 < 50 ms, audit query p95 < 100 ms,
# export >= 100k events/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${USERS:-1000000}
EVENTS=${EVENTS:-5000000}
SAMPLES=${SAMPLES:-40}
EXPORT_SECONDS=${EXPORT_SECONDS:-15}
TIMEOUT=${TIMEOUT:-1500}
BIN=${BIN:-build/release/server/authshield-server}
BACKEND=${BACKEND:-postgres}
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$BIN" ] || { echo "admin-scale: build the release server first (cmake --preset release && cmake --build build/release -j2 --target authshield-server)" >&2; exit 2; }

work=$(mktemp -d)
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; } # initdb refuses root
cleanup() {
  [ -f "$work/server.pid" ] && kill "$(cat "$work/server.pid")" 2>/dev/null || true
  [ -d "$work/pg" ] && run_pg "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
# The whole run is bounded: a watchdog ends this script (and the trap cleans up) after TIMEOUT seconds.
( sleep "$TIMEOUT"; echo "admin-scale: time limit of ${TIMEOUT}s reached" >&2; kill -TERM $$ ) 2>/dev/null &
watchdog=$!

now_ms=$(($(date +%s) * 1000))
base_ms=$((now_ms - USERS * 1000 - 86400000))
audit_base_ms=$((now_ms - EVENTS * 100 - 60000))
export AUTHSHIELD_ENV=test
echo "admin-scale: $BACKEND, seeding $USERS users and $EVENTS audit events"
if [ "$BACKEND" = postgres ]; then
  mkdir -p "$work/pg" "$work/sock" && { [ "$(id -u)" != 0 ] || chown -R postgres "$work"; }
  run_pg "$PGBIN/initdb" -D "$work/pg" -U bench -A trust >/dev/null
  run_pg "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w start \
    -o "-p $pgport -k $work/sock -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c work_mem=32MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB" >/dev/null
  run_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U bench authshield
  export AUTHSHIELD_DATABASE_URL="postgresql://bench@127.0.0.1:$pgport/authshield"
  "$BIN" migrate --data-dir "$work/data" >/dev/null
  seed_start=$(date +%s)
  psql -q -h 127.0.0.1 -p "$pgport" -U bench -d authshield -v users="$USERS" -v events="$EVENTS" \
    -v base_ms="$base_ms" -v audit_base_ms="$audit_base_ms" -f bench/admin-scale/seed_postgres.sql | grep -i '^Time' || true
else
  mkdir -p "$work/data"
  export AUTHSHIELD_DATABASE_URL="sqlite://$work/data/bench.db"
  "$BIN" migrate --data-dir "$work/data" >/dev/null
  seed_start=$(date +%s)
  python3 bench/admin-scale/seed_sqlite.py "$work/data/bench.db" "$USERS" "$EVENTS" "$base_ms" "$audit_base_ms"
fi
echo "admin-scale: seeded in $(( $(date +%s) - seed_start )) s"

printf 'bench admin passphrase 1\n' | "$BIN" create-admin --email bench-admin@example.com --data-dir "$work/data" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AUTHSHIELD_HTTP_LISTEN=127.0.0.1:$port AUTHSHIELD_RATELIMIT_GLOBAL_IP=1000000/1s AUTHSHIELD_RATELIMIT_LOGIN_IP=1000/60s \
  "$BIN" serve --data-dir "$work/data" >"$work/server.log" 2>&1 &
echo $! >"$work/server.pid"
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
token=$(curl -sf -H 'Content-Type: application/json' -d '{"email":"bench-admin@example.com","password":"bench admin passphrase 1"}' \
  "http://127.0.0.1:$port/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 bench/admin-scale/measure.py "$port" "$token" "$USERS" "$SAMPLES" "$EXPORT_SECONDS" "$base_ms"
kill "$watchdog" 2>/dev/null || true
