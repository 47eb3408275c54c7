#!/usr/bin/env bash
# `make bench`: wamp-push and the Hummingbird peer side by side, each pinned to core 0, the load
# generator pinned to core 1, three runs per case, medians and ranges and the ratio
# wamp-push / peer. Loopback only; every server is killed on exit.
#
#   BENCH_QUICK=1      one short run of a few small cases (about a minute)
#   BENCH_SOAK=1       only the slow-reader soak (`make soak`), wamp-push only, full result lines
#   BENCH_RUNS=N       runs per case (default 3)
#   BENCH_OUT=DIR      keep the raw JSON lines there (default: a temporary directory, printed)
#   BENCH_CASES=REGEX  only the cases whose label matches (grep -E), e.g. '^fanout-10000-64-ws$'
#   BENCH_PEER=0       wamp-push only (no Hummingbird peer build or runs)
#   BENCH_CLUSTER=0    skip the two-node cases (they need redis-server; skipped with a note without it)
#   HUMMINGBIRD_PEER_BIN=PATH   use this peer binary instead of building Benchmarks/peers/hummingbird-peer
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=${BENCH_QUICK:-0}
SOAK=${BENCH_SOAK:-0}
RUNS=${BENCH_RUNS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wamp-push-bench.XXXXXX")
OUT=${BENCH_OUT:-$WORK/results}
mkdir -p "$OUT"
LOGS="$OUT/logs"
mkdir -p "$LOGS"
WP_PORT=${BENCH_WP_PORT:-18080}
WP_TLS_PORT=${BENCH_WP_TLS_PORT:-18443}
PEER_PORT=${BENCH_PEER_PORT:-18090}
WP_ZMQ_PORT=${BENCH_WP_ZMQ_PORT:-18555}
WP2_PORT=${BENCH_WP2_PORT:-18081}
REDIS_PORT=${BENCH_REDIS_PORT:-18379}
SERVER_PID=""
# The two-node cases: redis-server and the second node (the first one is SERVER_PID).
CLUSTER_PIDS=()
NODE_B_PID=""

log() { printf '%s\n' "$*" >&2; }

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        # A dead child stays a zombie (kill -0 still succeeds) until waited for: /proc tells.
        local state
        state=$(awk '{print $3}' "/proc/$SERVER_PID/stat" 2>/dev/null || echo gone)
        if [ "$state" != Z ] && [ "$state" != gone ]; then
            kill "$SERVER_PID" 2>/dev/null || true
            ( sleep 5; kill -9 "$SERVER_PID" 2>/dev/null ) &
            local killer=$!
            wait "$SERVER_PID" 2>/dev/null || true
            kill "$killer" 2>/dev/null || true
            wait "$killer" 2>/dev/null || true
        else
            # It ended on its own during the run: that is a finding, say how.
            local status=0
            wait "$SERVER_PID" 2>/dev/null || status=$?
            log "   !! server (pid $SERVER_PID) exited during the run with status $status$([ "$status" -gt 128 ] && echo " (signal $((status - 128)))")"
        fi
    fi
    SERVER_PID=""
}
stop_cluster() {
    for pid in "${CLUSTER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${CLUSTER_PIDS[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    CLUSTER_PIDS=()
    NODE_B_PID=""
}
cleanup() {
    stop_server
    stop_cluster
    rm -rf "$WORK/wamp-push"
    # With BENCH_OUT the results (and logs) live there; otherwise they stay in $WORK.
    if [ -n "${BENCH_OUT:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Pinning and limits ------------------------------------------------------------------------
CORES=$(nproc 2>/dev/null || echo 1)
if command -v taskset >/dev/null 2>&1 && [ "$CORES" -ge 2 ]; then
    PIN_SERVER=(taskset -c 0)
    PIN_LOADGEN=(taskset -c 1)
else
    log "note: taskset missing or fewer than 2 cores; server and load generator are not pinned"
    PIN_SERVER=()
    PIN_LOADGEN=()
fi
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
# Idle connections: as many as one process may hold, minus headroom (19,000 under a 20,000 limit).
IDLE_MAX=$(( FD_LIMIT == 0 ? 19000 : (FD_LIMIT > 51000 ? 50000 : FD_LIMIT - 1000) ))

# --- Build ---------------------------------------------------------------------------------------
log "== building (release)"
swift build -c release --product wamp-push >&2
swift build -c release --product wamp-push-bench >&2
BIN="$ROOT/.build/release"
PEER_BIN=${HUMMINGBIRD_PEER_BIN:-}
if [ -z "$PEER_BIN" ] && [ "$SOAK" != 1 ] && [ "${BENCH_PEER:-1}" != 0 ]; then
    if [ -d Benchmarks/peers/hummingbird-peer ]; then
        log "== building the Hummingbird peer (the first build takes several minutes)"
        swift build -c release --package-path Benchmarks/peers/hummingbird-peer >&2
        PEER_BIN="$ROOT/Benchmarks/peers/hummingbird-peer/.build/release/hummingbird-peer"
    else
        log "note: Benchmarks/peers/hummingbird-peer is missing: measuring wamp-push only"
    fi
fi

# --- Servers -------------------------------------------------------------------------------------
WP_DIR="$WORK/wamp-push"
mkdir -p "$WP_DIR"
TOKEN=$("$BIN/wamp-push" token create --user bench --db "$WP_DIR/bench.sqlite")

wait_for_port() { # port
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "server did not open port $1"; return 1
}

wait_for_token() { # port: until a WebSocket handshake there with the bench token gets 101
    local status
    for _ in $(seq 1 200); do
        status=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /wss?authToken=%s&userId=bench HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp\r\n\r\n' "$TOKEN" >&3 \
            && head -c 12 <&3 | cut -c10-12) 2>/dev/null || status=""
        if [ "$status" = 101 ]; then return 0; fi
        sleep 0.1
    done
    log "node on port $1 never admitted the bench token (last status: ${status:-none})"; return 1
}

start_server() { # name [case label]
    stop_server
    case "$1" in
    wamp-push)
        if [ ! -d "$WP_DIR" ]; then
            # Seen once (cause unknown): the work directory vanished between runs. Say so and
            # start again from a fresh database rather than abort the whole bench.
            log "   !! $WP_DIR disappeared; recreating it with a new token"
            mkdir -p "$WP_DIR"
            TOKEN=$("$BIN/wamp-push" token create --user bench --db "$WP_DIR/bench.sqlite")
        fi
        # cwd = work dir: the generated development certificate lands in its data/tls.
        # Every bench session is user "bench" from 127.0.0.1: lift the per-user session cap.
        # The ZeroMQ ingress (a receive thread) only for the cases that use it.
        local zeromq=()
        case "${2:-}" in *zeromq*) zeromq=(--espo-zeromq "tcp://127.0.0.1:$WP_ZMQ_PORT") ;; esac
        (cd "$WP_DIR" && WAMP_PUSH_MAX_SESSIONS_PER_USER=0 exec "${PIN_SERVER[@]}" "$BIN/wamp-push" serve --listen "127.0.0.1:$WP_PORT" \
            --listen "tls://127.0.0.1:$WP_TLS_PORT" "${zeromq[@]}" \
            --db "$WP_DIR/bench.sqlite" --log-level error) >>"$LOGS/wamp-push.log" 2>&1 &
        SERVER_PID=$!
        wait_for_port "$WP_PORT"; wait_for_port "$WP_TLS_PORT" ;;
    hummingbird-peer)
        "${PIN_SERVER[@]}" "$PEER_BIN" --host 127.0.0.1 --port "$PEER_PORT" >>"$LOGS/peer.log" 2>&1 &
        SERVER_PID=$!
        wait_for_port "$PEER_PORT" ;;
    cluster)
        # Two nodes and Redis, all on the server's core (the same one core the single node
        # gets), persistence off. Node B admits the bench token through the shared table.
        stop_cluster
        "${PIN_SERVER[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$WP_DIR" --logfile "$LOGS/redis.log" &
        CLUSTER_PIDS+=($!)
        wait_for_port "$REDIS_PORT"
        (cd "$WP_DIR" && WAMP_PUSH_MAX_SESSIONS_PER_USER=0 WAMP_PUSH_CLUSTER_NODE_ID=bench-a exec "${PIN_SERVER[@]}" "$BIN/wamp-push" serve \
            --listen "127.0.0.1:$WP_PORT" --db "$WP_DIR/bench.sqlite" --cluster-redis "redis://127.0.0.1:$REDIS_PORT" \
            --log-level error) >>"$LOGS/wamp-push-a.log" 2>&1 &
        SERVER_PID=$!
        (cd "$WP_DIR" && WAMP_PUSH_MAX_SESSIONS_PER_USER=0 WAMP_PUSH_CLUSTER_NODE_ID=bench-b exec "${PIN_SERVER[@]}" "$BIN/wamp-push" serve \
            --listen "127.0.0.1:$WP2_PORT" --db "$WP_DIR/bench-b.sqlite" --cluster-redis "redis://127.0.0.1:$REDIS_PORT" \
            --log-level error) >>"$LOGS/wamp-push-b.log" 2>&1 &
        NODE_B_PID=$!
        CLUSTER_PIDS+=("$NODE_B_PID")
        wait_for_port "$WP_PORT"; wait_for_port "$WP2_PORT"
        # Node A pushes its token table once its Redis connection is up: wait until node B
        # admits the bench token (a WebSocket handshake gets 101), not a fixed time.
        wait_for_token "$WP2_PORT" ;;
    esac
}

# --- Cases ---------------------------------------------------------------------------------------
# label | scenario and arguments | limit in seconds | servers (wp = wamp-push only)
if [ "$SOAK" = 1 ]; then
    # 1,000 HTTP + 1,000 WebSocket peers that never read, 5,000 healthy subscribers (see SoakScenario).
    CASES=("soak|soak ${BENCH_SOAK_ARGS:-}|300|wp")
elif [ "$QUICK" = 1 ]; then
    CASES=(
        "fanout-100-64-ws|fanout --subscribers 100 --payload 64 --seconds 2|60|both"
        "fanout-1000-64-ws|fanout --subscribers 1000 --payload 64 --seconds 2|60|both"
        "fanout-1000-64-wss|fanout --subscribers 1000 --payload 64 --seconds 2 --tls|60|wp"
        "fanout-1000-64-ws-zeromq|fanout --subscribers 1000 --payload 64 --seconds 2 --zeromq tcp://127.0.0.1:$WP_ZMQ_PORT|60|wp"
        "fanout-1000-64-ws-2nodes|fanout --subscribers 1000 --payload 64 --seconds 2 --threads 2|60|cluster"
        "latency-1000-10|latency --subscribers 1000 --rate 10 --seconds 3|60|both"
        "idle-2000-ws|idle --connections 2000 --sources 4 --settle-seconds 3|90|both"
        "idle-500-wss|idle --connections 500 --tls --settle-seconds 3|90|wp"
        "handshake-ws|handshake --seconds 2|30|both"
        "handshake-wss|handshake --seconds 2 --tls|30|wp"
        "webhook|webhook --seconds 2|30|wp"
    )
else
    CASES=()
    for subs in 100 1000 10000; do
        for payload in 64 1024; do
            CASES+=("fanout-$subs-$payload-ws|fanout --subscribers $subs --payload $payload --seconds 4|120|both")
            CASES+=("fanout-$subs-$payload-wss|fanout --subscribers $subs --payload $payload --seconds 4 --tls|120|wp")
        done
    done
    # The same fan-out with one publisher (8 publishes in flight instead of 32): how much of
    # the figure comes from batching several publishes into one write per connection.
    CASES+=("fanout-10000-64-ws-1pub|fanout --subscribers 10000 --payload 64 --seconds 4 --publishers 1 --window 32|120|both")
    # EspoCRM's own hand-over: the same fan-out to 1,000 subscribers published through the ZeroMQ
    # ingress (one PUSH sender) instead of POST /internal/publish (Docs/espocrm.md).
    CASES+=("fanout-1000-64-ws-zeromq|fanout --subscribers 1000 --payload 64 --seconds 4 --zeromq tcp://127.0.0.1:$WP_ZMQ_PORT|120|wp")
    # Two nodes through Redis: 10,000 subscribers split over them, publishes into node A
    # (Docs/scaling.md). Beside fanout-10000-64-ws and latency-10000-10 of the single node.
    CASES+=("fanout-10000-64-ws-2nodes|fanout --subscribers 10000 --payload 64 --seconds 4 --threads 2|120|cluster")
    CASES+=("latency-10000-10-2nodes|latency --subscribers 10000 --rate 10 --seconds 10 --threads 2|120|cluster")
    CASES+=(
        "latency-10000-10|latency --subscribers 10000 --rate 10 --seconds 10|120|both"
        "latency-1000-10|latency --subscribers 1000 --rate 10 --seconds 10|60|both"
        "idle-$IDLE_MAX-ws|idle --connections $IDLE_MAX --sources 4 --settle-seconds 8|300|both"
        "idle-$IDLE_MAX-wss|idle --connections $IDLE_MAX --sources 4 --tls --settle-seconds 8|300|wp"
        "handshake-ws|handshake --seconds 5 --concurrency 64|60|both"
        "handshake-wss|handshake --seconds 5 --concurrency 64 --tls|60|wp"
        "webhook|webhook --seconds 5 --concurrency 16|60|wp"
    )
fi

if [ -n "${BENCH_CASES:-}" ]; then
    FILTERED=()
    for entry in "${CASES[@]}"; do
        if printf '%s\n' "${entry%%|*}" | grep -Eq -- "$BENCH_CASES"; then FILTERED+=("$entry"); fi
    done
    [ ${#FILTERED[@]} -gt 0 ] || { log "BENCH_CASES='$BENCH_CASES' matches no case"; exit 2; }
    CASES=("${FILTERED[@]}")
fi

SERVERS=(wamp-push)
[ -n "$PEER_BIN" ] && [ "$SOAK" != 1 ] && SERVERS+=(hummingbird-peer)

run_case() { # server label args limit
    local server=$1 label=$2 args=$3 limit=$4 common
    if [ "$server" = wamp-push ]; then
        common=(--url "ws://127.0.0.1:$WP_PORT/wss" --tls-url "wss://127.0.0.1:$WP_TLS_PORT/wss"
                --publish-url "http://127.0.0.1:$WP_PORT" --token "$TOKEN" --user bench)
    elif [ "$server" = cluster ]; then
        common=(--url "ws://127.0.0.1:$WP_PORT/wss" --also-url "ws://127.0.0.1:$WP2_PORT/wss" --also-server-pid "$NODE_B_PID"
                --publish-url "http://127.0.0.1:$WP_PORT" --token "$TOKEN" --user bench)
    else
        common=(--url "ws://127.0.0.1:$PEER_PORT/wss" --publish-url "http://127.0.0.1:$PEER_PORT" --token none --user bench)
    fi
    local out rc=0
    # shellcheck disable=SC2086 # $args is a word list on purpose
    out=$(timeout --kill-after=5 "$limit" "${PIN_LOADGEN[@]}" "$BIN/wamp-push-bench" $args "${common[@]}" \
        --server-pid "$SERVER_PID" --label "$label" --json 2>>"$LOGS/loadgen.log") || rc=$?
    if [ -n "$out" ]; then
        printf '%s\n' "$out"
    else
        printf '{"scenario":"%s","label":"%s","error":"load generator failed or timed out (exit %s)"}\n' "${args%% *}" "$label" "$rc"
    fi
}

log "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $CORES cores, $(uname -r), open-file limit $FD_LIMIT, load $(cut -d' ' -f1-3 /proc/loadavg)"
log "== $RUNS run(s) per case; raw results in $OUT"
START=$(date +%s)
for entry in "${CASES[@]}"; do
    IFS='|' read -r label args limit which <<<"$entry"
    servers=("${SERVERS[@]}")
    if [ "$which" = cluster ]; then
        if [ "${BENCH_CLUSTER:-1}" = 0 ]; then continue; fi
        if ! command -v redis-server >/dev/null 2>&1; then log "note: redis-server missing: skipping $label"; continue; fi
        servers=(cluster)
    fi
    for server in "${servers[@]}"; do
        [ "$which" = wp ] && [ "$server" != wamp-push ] && continue
        for run in $(seq 1 "$RUNS"); do
            start_server "$server" "$label"
            line=$(run_case "$server" "$label" "$args" "$limit")
            stop_server
            stop_cluster
            # The two-node rows sit with wamp-push's, under their own label.
            file=$server; [ "$server" = cluster ] && file=wamp-push
            printf '%s\n' "$line" >>"$OUT/$file.jsonl"
            log "   $server $label run $run: $(printf '%s' "$line" | cut -c1-220)"
        done
    done
done
log "== done in $(( $(date +%s) - START )) s (load now $(cut -d' ' -f1-3 /proc/loadavg))"

if [ "$SOAK" = 1 ]; then
    echo
    cat "$OUT/wamp-push.jsonl"
    exit 0
fi
SUMMARY=(--server "wamp-push=$OUT/wamp-push.jsonl")
[ -n "$PEER_BIN" ] && SUMMARY+=(--server "hummingbird-peer=$OUT/hummingbird-peer.jsonl")
echo
"$BIN/wamp-push-bench" summarize "${SUMMARY[@]}" --targets
