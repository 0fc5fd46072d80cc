#!/usr/bin/env bash
# `make bench`: the numbers of issue 11, as ratios measured in one run (these machines are shared and noisy).
# Expects the release build with -DAUTHSHIELD_BUILD_BENCH=ON (and build/dev's ASan server for S6); `make bench`
# builds both. For each back-end (SQLite + in-process, PostgreSQL 15 + Redis 7 on free loopback ports) it seeds
# users with real Argon2id hashes, starts the release server, measures the references and the Argon2id ceiling,
# runs S1–S5 and the footprint with wrk, then S6 once against the ASan build; prints one markdown table.
#   BENCH_QUICK=1        3 s per wrk run, one run each, 100,000-request footprint (while developing)
#   BENCH_BACKENDS=...   "sqlite postgres" (default), or one of them
#   BENCH_KEEP=1         keep the work directory (logs, tokens) for inspection
# Everything listens on 127.0.0.1; every process started here is stopped on exit; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    DURATION=${BENCH_DURATION:-3}; RUNS=1; FOOTPRINT_REQUESTS=${BENCH_FOOTPRINT_REQUESTS:-100000}
else
    DURATION=${BENCH_DURATION:-10}; RUNS=2; FOOTPRINT_REQUESTS=${BENCH_FOOTPRINT_REQUESTS:-1000000}
fi
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
USER_COUNT=${BENCH_USER_COUNT:-1000} # 1,000 for the record; fewer only while developing
CONNECTIONS=64
TIMEOUT_S=5 # the server's idle and header timeouts during the bench (S5 checks them)
PACE_MS=20  # the fixed-rate S1 stream beside S2/S4/S5: 4 connections, one request per 20 ms each (≈ 200/s)
BIN=build/release/server/authshield-server
REF=build/release/bench/authshield-bench-reference
TOOL=build/release/bench/authshield-bench-tool
ASAN_BIN=${BENCH_ASAN_BIN:-build/dev/server/authshield-server}
PG_BIN=/usr/lib/postgresql/15/bin
for f in "$BIN" "$REF" "$TOOL"; do
    [ -x "$f" ] || { echo "bench: $f is missing; run 'make bench'" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/authshield-bench-XXXXXX)
chmod 755 "$work" # the postgres user must reach its data directory inside
PIDS=()
PG_DATA=""
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    [ -n "$PG_DATA" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ROWS="$work/rows.md"
: >"$ROWS"
row() { echo "| $* |" >>"$ROWS"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
pass() { awk "BEGIN { exit !($1) }" && echo PASS || echo FAIL; }
forget_pid() { local keep=() p; for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done; PIDS=("${keep[@]}"); }

stop_pid() { # $1 = pid; TERM, up to 15 s, then KILL; sets STOP_STATUS (call directly, not in $(...))
    local pid=$1 status=0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || status=$?
    forget_pid "$pid"
    STOP_STATUS=$status
}

# wrk_parse FILE → "rps p99_ms non2xx socket_errors requests"
wrk_parse() {
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        /^ +99%/ { p99 = ms($2) }
        /Non-2xx or 3xx responses/ { bad = $5 }
        /Socket errors/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
        / requests in / { reqs = $1 }
        END { printf "%d %.2f %d %d %d\n", rps, p99, bad, errs, reqs }' "$1"
}

parse() { read -r W_RPS W_P99 W_BAD W_ERR W_N < <(wrk_parse "$1"); } # sets W_RPS W_P99 W_BAD W_ERR W_N
TOTAL_REQUESTS=0 # requests the server under test answered (footprint)
# wrk_best NAME THREADS CONNECTIONS SCRIPT URL: best of RUNS; sets RPS P99 BAD ERRS
wrk_best() {
    local name=$1 threads=$2 conns=$3 script=$4 url=$5 best=-1 i out
    for i in $(seq 1 "$RUNS"); do
        out="$work/wrk-$name-$i.txt"
        if [ -n "$script" ]; then
            BENCH_WRK_THREADS=$threads wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 5s --latency -s "$script" "$url" >"$out" 2>&1
        else
            wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 5s --latency "$url" >"$out" 2>&1
        fi
        parse "$out"
        [[ $url == *":$SERVER_PORT"* ]] && TOTAL_REQUESTS=$((TOTAL_REQUESTS + W_N))
        if [ "$W_RPS" -gt "$best" ]; then best=$W_RPS; RPS=$W_RPS; P99=$W_P99; BAD=$W_BAD; ERRS=$W_ERR; fi
    done
}

start_reference() { # $1 = mode; sets REF_PID REF_PORT
    local port; port=$(free_port)
    "$REF" --mode "$1" --port "$port" >"$work/reference-$1.log" 2>&1 &
    REF_PID=$!; PIDS+=("$REF_PID"); REF_PORT=$port
    for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/bench" && return; sleep 0.05; done
    echo "bench: reference $1 did not start" >&2; cat "$work/reference-$1.log" >&2; exit 1
}

start_postgres() {
    mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        --no-instructions >"$work/pg/initdb.log" 2>&1
    PG_PORT=$(free_port)
    # As the test harness runs it: durability off, so S3 measures our statements rather than this disk's fsync.
    cat >>"$work/pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$work/pg'
fsync = off
full_page_writes = off
shared_buffers = 64MB
max_connections = 100
CONF
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 30 start >/dev/null
    PG_DATA="$work/pg/data"
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres authshield
}

start_redis() {
    REDIS_PORT=$(free_port)
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$work" \
        --logfile "$work/redis.log" &
    PIDS+=("$!")
    for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return; sleep 0.05; done
    echo "bench: redis did not start" >&2; exit 1
}

# The server's environment for back-end $1 (AUTHSHIELD_* only; unknown names are refused by the server).
server_env() {
    local backend=$1
    SERVER_ENV=(AUTHSHIELD_DATA_DIR="$work/data-$backend"
        AUTHSHIELD_HTTP_IDLE_TIMEOUT="${TIMEOUT_S}s" AUTHSHIELD_HTTP_HEADER_TIMEOUT="${TIMEOUT_S}s"
        AUTHSHIELD_HTTP_TRUSTED_PROXIES=127.0.0.1/32
        # The limits would answer most of a flood from one address with 429; the bench measures the work. One-second
        # windows: a sliding log keeps a timestamp per admitted request in the window, so 10^9/60s would make the
        # limiter's memory (not the server's) grow by ~1 MB per 130k requests and spoil the footprint.
        AUTHSHIELD_RATELIMIT_GLOBAL_IP=1000000/1s AUTHSHIELD_RATELIMIT_LOGIN_IP=1000000/1s
        AUTHSHIELD_RATELIMIT_LOGIN_ACCOUNT=1000000/1s AUTHSHIELD_RATELIMIT_REFRESH_IP=1000000/1s
        AUTHSHIELD_LOG_LEVEL="${BENCH_LOG_LEVEL:-info}")
    if [ "$backend" = postgres ]; then
        SERVER_ENV+=(AUTHSHIELD_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/authshield"
            AUTHSHIELD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0")
    fi
}

start_server() { # $1 = binary, $2 = log; sets SERVER_PID SERVER_PORT STARTUP_MS
    local port t0; port=$(free_port); t0=$(now_ms)
    env "${SERVER_ENV[@]}" AUTHSHIELD_HTTP_LISTEN="127.0.0.1:$port" "$1" serve >"$2" 2>&1 &
    SERVER_PID=$!; PIDS+=("$SERVER_PID"); SERVER_PORT=$port
    for _ in $(seq 1 600); do
        if curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; then STARTUP_MS=$(( $(now_ms) - t0 )); return; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.02
    done
    echo "bench: the server did not become ready" >&2; tail -20 "$2" >&2; exit 1
}

paced_s1() { # background fixed-rate S1 stream for $1 seconds into $2
    BENCH_TOKENS="$work/access.txt" BENCH_DELAY_MS=$PACE_MS \
        wrk -t1 -c4 -d"$1s" --timeout 5s --latency -s bench/s1-read.lua "http://127.0.0.1:$SERVER_PORT" >"$2" 2>&1
}

run_backend() {
    local b=$1 url out
    TOTAL_REQUESTS=0
    echo "bench: [$b] services and seeding (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    if [ "$b" = postgres ]; then start_postgres; start_redis; fi
    server_env "$b"
    env "${SERVER_ENV[@]}" "$TOOL" seed --count "$USER_COUNT" --out "$work/users.tsv" >&2
    start_server "$BIN" "$work/server-$b.log"
    local rss_idle; rss_idle=$(rss_kb "$SERVER_PID")
    row "$b | first start to /ready (generates keys) | | | ${STARTUP_MS} ms | < 1000 ms (SQLite) | $([ "$b" = sqlite ] && pass "$STARTUP_MS < 1000" || echo info)"
    row "$b | RSS idle after start | | | $((rss_idle / 1024)) MB | < 40 MB | $(pass "$rss_idle < 40 * 1024")"
    python3 bench/clients.py login "$SERVER_PORT" "$work/users.tsv" "$work/access.txt" "$work/refresh.txt" >&2
    url="http://127.0.0.1:$SERVER_PORT"

    echo "bench: [$b] Argon2id ceiling and references" >&2
    local ceiling
    ceiling=$(env "${SERVER_ENV[@]}" "$TOOL" argon2 --seconds 5 --max 5000 | awk '/verifies_per_second/ {print $2}')
    local ref_ours=-1 ref_ours_p99 ref_qt
    start_reference qt; wrk_best "ref-qt-$b" 2 "$CONNECTIONS" "" "http://127.0.0.1:$REF_PORT/bench"
    ref_qt=$RPS; stop_pid "$REF_PID"

    echo "bench: [$b] S1 authenticated read, interleaved with the bare route (ref, S1, ref, S1)" >&2
    # Interleaved so a load swing on this shared machine hits both sides of the ratio alike; best of each kept.
    local s1_best=-1 s1_p99 s1_bad i
    start_reference ours
    for i in $(seq 1 "$RUNS"); do
        RUNS=1 wrk_best "ref-ours-$b-$i" 2 "$CONNECTIONS" "" "http://127.0.0.1:$REF_PORT/bench"
        if [ "$RPS" -gt "$ref_ours" ]; then ref_ours=$RPS; ref_ours_p99=$P99; fi
        RUNS=1 BENCH_TOKENS="$work/access.txt" wrk_best "s1-$b-$i" 2 "$CONNECTIONS" bench/s1-read.lua "$url"
        if [ "$RPS" -gt "$s1_best" ]; then s1_best=$RPS; s1_p99=$P99; s1_bad=$((BAD + ERRS)); fi
    done
    stop_pid "$REF_PID"
    RPS=$s1_best; P99=$s1_p99; BAD=$s1_bad; ERRS=0
    row "$b | reference: bare route, our HttpServer | $ref_ours | $ref_ours_p99 | 1.00 | | "
    row "$b | reference: bare route, plain QHttpServer | $ref_qt | | $(ratio "$ref_qt" "$ref_ours") | | "
    row "$b | Argon2id ceiling ($(nproc) threads) | $ceiling | | | | "
    local s1_rps=$RPS rss_warm; rss_warm=$(rss_kb "$SERVER_PID")
    row "$b | S1 GET /users/me ($USER_COUNT tokens) | $RPS | $P99 | $(ratio "$RPS" "$ref_ours") ours / $(ratio "$RPS" "$ref_qt") Qt | ≥ 0.50 of bare, p99 < 5 ms, no errors | $(pass "$RPS >= 0.5 * $ref_ours && $P99 < 5 && $BAD + $ERRS == 0")"

    echo "bench: [$b] S2 login flood beside a paced S1 stream" >&2
    local best=-1 i s2_rps s2_p99 s2_bad s1p_p99 s1p_bad
    rm -f "$work"/s2-refresh-*.txt
    for i in $(seq 1 "$RUNS"); do
        paced_s1 "$DURATION" "$work/wrk-s2-paced-$b-$i.txt" &
        local paced=$!
        BENCH_USERS="$work/users.tsv" BENCH_REFRESH_OUT="$work/s2-refresh" \
            wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency -s bench/s2-login.lua "$url" \
            >"$work/wrk-s2-$b-$i.txt" 2>&1
        wait "$paced" || true
        parse "$work/wrk-s2-$b-$i.txt"
        TOTAL_REQUESTS=$((TOTAL_REQUESTS + W_N))
        if [ "$W_RPS" -gt "$best" ]; then
            best=$W_RPS; s2_rps=$W_RPS; s2_p99=$W_P99; s2_bad=$((W_BAD + W_ERR))
            parse "$work/wrk-s2-paced-$b-$i.txt"; s1p_p99=$W_P99; s1p_bad=$((W_BAD + W_ERR))
        fi
    done
    row "$b | S2 POST /auth/login (correct passwords) | $s2_rps | $s2_p99 | $(ratio "$s2_rps" "$ceiling") of ceiling | ≥ 0.85 of ceiling, no failures | $(pass "$s2_rps >= 0.85 * $ceiling && $s2_bad == 0")"
    row "$b | S2 side: paced S1 stream (4 conns, 20 ms pauses) | | $s1p_p99 | | p99 < 25 ms, no failures | $(pass "$s1p_p99 < 25 && $s1p_bad == 0")"

    echo "bench: [$b] S3 refresh rotation" >&2
    # Run 1 rotates the tokens of the first logins, run 2 those S2 issued: every token is presented once.
    best=-1
    local s3_rps s3_p99 s3_bad
    for i in $(seq 1 "$RUNS"); do
        local source="$work/refresh.txt"
        [ "$i" -gt 1 ] && { cat "$work"/s2-refresh-*.txt >"$work/refresh-2.txt"; source="$work/refresh-2.txt"; }
        BENCH_REFRESH="$source" BENCH_WRK_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency \
            -s bench/s3-refresh.lua "$url" >"$work/wrk-s3-$b-$i.txt" 2>&1
        parse "$work/wrk-s3-$b-$i.txt"
        TOTAL_REQUESTS=$((TOTAL_REQUESTS + W_N))
        if [ "$W_RPS" -gt "$best" ]; then best=$W_RPS; s3_rps=$W_RPS; s3_p99=$W_P99; s3_bad=$((W_BAD + W_ERR)); fi
    done
    row "$b | S3 POST /auth/refresh (each token once) | $s3_rps | $s3_p99 | $(ratio "$s3_rps" "$s1_rps") of S1 | report; no failures | $([ "$s3_bad" = 0 ] && echo PASS || echo "FAIL ($s3_bad failed)")"

    echo "bench: [$b] S4 hostile logins beside a paced S1 stream" >&2
    local rss_before_s4 rss_after_s4
    rss_before_s4=$(rss_kb "$SERVER_PID")
    paced_s1 "$DURATION" "$work/wrk-s4-paced-$b.txt" &
    local paced=$!
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s --latency -s bench/s4-hostile.lua "$url" \
        >"$work/wrk-s4-$b.txt" 2>&1
    wait "$paced" || true
    rss_after_s4=$(rss_kb "$SERVER_PID")
    parse "$work/wrk-s4-$b.txt"; TOTAL_REQUESTS=$((TOTAL_REQUESTS + W_N))
    local s4_rps=$W_RPS
    parse "$work/wrk-s4-paced-$b.txt"
    row "$b | S4 wrong passwords, 64 conns (one account + random) | $s4_rps | | RSS +$(( (rss_after_s4 - rss_before_s4) / 1024 )) MB | | info"
    row "$b | S4 side: paced S1 stream | | $W_P99 | | p99 < 25 ms, no failures | $(pass "$W_P99 < 25 && $W_BAD + $W_ERR == 0")"

    echo "bench: [$b] S5 connection storm beside a paced S1 stream" >&2
    paced_s1 "$DURATION" "$work/wrk-s5-paced-$b.txt" &
    paced=$!
    local storm; storm=$(python3 bench/clients.py storm "$SERVER_PORT" 1000 "$TIMEOUT_S")
    wait "$paced" || true
    parse "$work/wrk-s5-paced-$b.txt"
    local opened closed closed_max
    opened=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["opened"])' "$storm")
    closed=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["closed_by_server"])' "$storm")
    closed_max=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["closed_max_s"] or 0)' "$storm")
    row "$b | S5 1,000 idle/slow connections | | | $closed/$opened closed, last after ${closed_max} s | all closed within ${TIMEOUT_S} s + 2 s | $(pass "$closed == $opened && $opened == 1000 && $closed_max <= $TIMEOUT_S + 2")"
    row "$b | S5 side: paced S1 stream | | $W_P99 | | p99 < 25 ms, no failures | $(pass "$W_P99 < 25 && $W_BAD + $W_ERR == 0")"

    echo "bench: [$b] footprint: S1 until $FOOTPRINT_REQUESTS requests" >&2
    local rounds=0 rss_mixed; rss_mixed=$(rss_kb "$SERVER_PID")
    while [ "$TOTAL_REQUESTS" -lt "$FOOTPRINT_REQUESTS" ] && [ "$rounds" -lt 20 ]; do
        rounds=$((rounds + 1))
        BENCH_TOKENS="$work/access.txt" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s bench/s1-read.lua \
            "$url" >"$work/wrk-footprint-$b-$rounds.txt" 2>&1
        parse "$work/wrk-footprint-$b-$rounds.txt"
        TOTAL_REQUESTS=$((TOTAL_REQUESTS + W_N))
    done
    local rss_after; rss_after=$(rss_kb "$SERVER_PID")
    local growth_idle growth_warm
    growth_idle=$(awk -v a="$rss_after" -v b="$rss_idle" 'BEGIN { printf "%+.0f%%", (a - b) * 100 / b }')
    growth_warm=$(awk -v a="$rss_after" -v b="$rss_warm" 'BEGIN { printf "%+.0f%%", (a - b) * 100 / b }')
    row "$b | RSS after $TOTAL_REQUESTS requests | | | $((rss_after / 1024)) MB ($growth_warm vs warm $((rss_warm / 1024)) MB after S1; $growth_idle vs idle; $((rss_mixed / 1024)) MB after S2–S5) | growth < 10% (vs warm) | $(pass "$rss_after < 1.10 * $rss_warm")"
    stop_pid "$SERVER_PID"; local status=$STOP_STATUS
    row "$b | clean stop (SIGTERM) | | | exit $status | exit 0 | $([ "$status" = 0 ] && echo PASS || echo FAIL)"
    start_server "$BIN" "$work/server-$b-restart.log"
    row "$b | restart to /ready (keys and schema exist) | | | ${STARTUP_MS} ms | < 1000 ms (SQLite) | $([ "$b" = sqlite ] && pass "$STARTUP_MS < 1000" || echo info)"
    stop_pid "$SERVER_PID"
    if [ "$b" = postgres ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null; PG_DATA=""
    fi
}

run_s6() {
    if [ ! -x "$ASAN_BIN" ]; then row "sqlite | S6 200 aborted logins (ASan) | | | not run: $ASAN_BIN missing | | FAIL"; return; fi
    echo "bench: S6 disconnect storm against the ASan build" >&2
    server_env s6
    env "${SERVER_ENV[@]}" "$TOOL" seed --count 50 --out "$work/users-s6.tsv" >&2
    ASAN_OPTIONS=detect_leaks=1 start_server "$ASAN_BIN" "$work/server-s6.log"
    local result; result=$(python3 bench/clients.py abort "$SERVER_PORT" "$work/users-s6.tsv" 200)
    stop_pid "$SERVER_PID"; local status=$STOP_STATUS
    local reports; reports=$(grep -c -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$work/server-s6.log" || true)
    local ok; ok=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["next_logins_ok"], r["ready"])' "$result")
    row "sqlite (ASan) | S6 200 logins aborted mid-hash | | | next 5 logins ok: ${ok% *}/5, /ready ${ok#* }, exit $status, sanitizer reports $reports | no crash, no leak, next requests succeed | $([ "$ok" = "5 200" ] && [ "$status" = 0 ] && [ "$reports" = 0 ] && echo PASS || echo FAIL)"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for backend in $BACKENDS; do run_backend "$backend"; done
[ "${BENCH_SKIP_S6:-0}" = 1 ] || run_s6
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "AuthShield bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load average $load_start at start, $load_end at end; wrk ${DURATION}s × $RUNS (best kept), $CONNECTIONS connections"
echo
echo "| back-end | scenario | req/s | p99 ms | ratio / value | target | result |"
echo "|---|---|---|---|---|---|---|"
cat "$ROWS"
