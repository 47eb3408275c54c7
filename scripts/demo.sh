#!/usr/bin/env bash
# make demo: watch simulated incoming WhatsApp messages arrive as WAMP events, no account needed.
# Starts (on loopback only) wamp-push, a fake wwebjs-api that posts an incoming-message webhook
# every few seconds, and a terminal WAMP client; stops everything after DEMO_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/wamp-push
PORT=${DEMO_PORT:-18080}
UPSTREAM_PORT=${DEMO_UPSTREAM_PORT:-13000}
SECONDS_TO_RUN=${DEMO_SECONDS:-30}
DIR=$(mktemp -d /tmp/wamp-push-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${DEMO_KEEP:-}" ] || rm -rf "$DIR"; }
trap cleanup EXIT INT TERM

TOKEN=$($BIN token create --user demo --db "$DIR/demo.sqlite")
WAMP_PUSH_WHATSAPP_API_URL="http://127.0.0.1:$UPSTREAM_PORT" \
  $BIN serve --listen 127.0.0.1:$PORT --db "$DIR/demo.sqlite" --log-level warning > "$DIR/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
kill -0 "${pids[0]}" 2>/dev/null || { echo "wamp-push did not start:"; cat "$DIR/server.log"; exit 1; }

$BIN fake-upstream --port "$UPSTREAM_PORT" --every 3 \
  --webhook-url "http://127.0.0.1:$PORT/api/v1/WhatsApp/action/webhook" > "$DIR/upstream.log" 2>&1 &
pids+=($!)

echo "wamp-push demo: server ws://127.0.0.1:$PORT, fake WhatsApp API http://127.0.0.1:$UPSTREAM_PORT"
echo "a simulated incoming message every 3 s for ${SECONDS_TO_RUN} s; events as a browser receives them:"
$BIN subscribe --url "ws://127.0.0.1:$PORT/wss" --user demo --token "$TOKEN" --topic WhatsApp --seconds "$SECONDS_TO_RUN"
