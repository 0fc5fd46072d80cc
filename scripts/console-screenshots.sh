#!/usr/bin/env bash
# Usage: scripts/console-screenshots.sh OUT_DIR
# Starts a seeded AuthShield server (SQLite, a temporary data dir, a free 127.0.0.1 port), then runs the console
# offscreen through every screen it has registered and writes one PNG per screen into OUT_DIR.
# Needs a build (AUTHSHIELD_BUILD_DIR, default build/dev) with authshield-server and authshield-console, curl, jq.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
OUT_DIR=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${AUTHSHIELD_BUILD_DIR:-$ROOT/build/dev}
SERVER=$BUILD/server/authshield-server
CONSOLE=$BUILD/console/authshield-console
for binary in "$SERVER" "$CONSOLE"; do
    [[ -x $binary ]] || { echo "$binary is missing: build the authshield-server and authshield-console targets" >&2; exit 1; }
done
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

DATA=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT

# Only this script's variables reach the server; generous limits so seeding is not throttled.
SERVER_ENV=(env -i PATH="$PATH" HOME="$DATA"
    AUTHSHIELD_HTTP_LISTEN=127.0.0.1:0
    AUTHSHIELD_RATELIMIT_LOGIN_IP=10000/60s AUTHSHIELD_RATELIMIT_LOGIN_ACCOUNT=10000/60s
    AUTHSHIELD_RATELIMIT_GLOBAL_IP=100000/60s)
run_server() {
    "${SERVER_ENV[@]}" "$SERVER" "$@"
}

# Started directly (not through the function) so $! is the server itself and the trap's SIGTERM reaches it.
"${SERVER_ENV[@]}" "$SERVER" serve --data-dir "$DATA" 2>"$DATA/server.log" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 300); do # at most 30 s
    PORT=$(grep '"msg":"listening"' "$DATA/server.log" 2>/dev/null | head -n1 | jq -r '.port' || true)
    [[ -n $PORT && $PORT != null ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n $PORT && $PORT != null ]] || { echo "the server did not start" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
ADMIN=admin@example.com
PASSWORD='screenshots are worth a thousand words'
printf '%s\n' "$PASSWORD" | run_server create-admin --email "$ADMIN" --data-dir "$DATA" >/dev/null

api() { # api METHOD PATH [JSON]
    curl -sS -X "$1" "$URL$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        ${3:+--data "$3"} >/dev/null
}
login() { # login EMAIL PASSWORD → the JSON answer
    curl -sS -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
        --data "$(jq -n --arg e "$1" --arg p "$2" '{email:$e,password:$p}')"
}
TOKEN=$(login "$ADMIN" "$PASSWORD" | jq -r .access_token)

# Seed: a role, a handful of users (one disabled, one unverified), sessions, failed sign-ins → audit events.
api POST /api/v1/admin/roles '{"name":"support","description":"Help desk","permissions":["users.read","sessions.read"]}'
USER_PASSWORD='a perfectly good passphrase'
for name in alice bob carol dave erin frank; do
    api POST /api/v1/admin/users "$(jq -n --arg e "$name@example.com" --arg p "$USER_PASSWORD" --arg n "${name^}" \
        '{email:$e,password:$p,display_name:$n,email_verified:true,roles:["user"]}')"
done
api POST /api/v1/admin/users '{"email":"grace@example.com","display_name":"Grace","roles":["user","support"]}'
for name in alice bob carol; do
    login "$name@example.com" "$USER_PASSWORD" >/dev/null
done
for _ in 1 2 3; do
    login dave@example.com 'not the password' >/dev/null
done
FRANK=$(curl -sS "$URL/api/v1/admin/users?q=frank" -H "Authorization: Bearer $TOKEN" | jq -r '.items[0].id')
api PATCH "/api/v1/admin/users/$FRANK" '{"status":"disabled"}'

mkdir -p "$OUT_DIR"
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} \
    AUTHSHIELD_CONSOLE_EMAIL=$ADMIN AUTHSHIELD_CONSOLE_PASSWORD=$PASSWORD \
    XDG_CONFIG_HOME="$DATA/config" XDG_DATA_HOME="$DATA/share" \
    "$CONSOLE" --server "$URL" --screenshots "$OUT_DIR"
echo "screenshots in $OUT_DIR"
