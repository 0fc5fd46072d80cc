#!/usr/bin/env bash
# Does the HTTP layer scale across cores? Starts the release server on the embedded default twice —
# with 1 and with N HTTP threads — and drives GET /health with wrk on 127.0.0.1 (bounded: DURATION
# seconds per run, each run repeated, best kept). Prints requests/s and the ratio N-thread/1-thread.
# The load generator shares the machine's cores, so compare ratios, not absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
THREADS_N=${THREADS_N:-$(nproc)}
command -v wrk >/dev/null || { echo "thread-scaling: installing wrk"; apt-get install -y -qq wrk >/dev/null; }
[ -x build/release/server/authshield-server ] || { cmake --preset release >/dev/null && cmake --build --preset release -j "$(nproc)" >/dev/null; }
BIN=build/release/server/authshield-server
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_server() { # $1 = http threads; prints the port once /health answers
  local log="$work/server-$1.log" port
  port=$(free_port)
  AUTHSHIELD_HTTP_LISTEN=127.0.0.1:$port AUTHSHIELD_HTTP_THREADS=$1 \
    "$BIN" serve --data-dir "$work/data-$1" >"$log" 2>&1 &
  echo $! >"$work/pid-$1"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health" && { echo "$port"; return; }
    sleep 0.1
  done
  echo "server did not start" >&2; cat "$log" >&2; exit 1
}

measure() { # $1 = port; best requests/s of two runs
  local best=0
  for _ in 1 2; do
    rps=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$1/health" | awk '/Requests\/sec/ {print int($2)}')
    [ "$rps" -gt "$best" ] && best=$rps
  done
  echo "$best"
}

# The access log costs a line per request; measure the layer, not stderr.
export AUTHSHIELD_LOG_LEVEL=warning
p1=$(run_server 1); r1=$(measure "$p1"); kill "$(cat "$work/pid-1")"; wait "$(cat "$work/pid-1")" 2>/dev/null || true
pn=$(run_server "$THREADS_N"); rn=$(measure "$pn"); kill "$(cat "$work/pid-$THREADS_N")"
echo "| HTTP threads | GET /health req/s |"
echo "|---|---|"
echo "| 1 | $r1 |"
echo "| $THREADS_N | $rn |"
awk -v a="$r1" -v b="$rn" -v n="$THREADS_N" 'BEGIN { printf "ratio %d-thread / 1-thread: %.2f\n", n, b / a }'
