#!/usr/bin/env bash
# make demo: a living city on loopback. Serves the shipped inventory from its own SQLite database (var/demo.db)
# on 127.0.0.1:8000 and runs `ccis demo`: simulated agents for every site send readings through the real ingest
# API, a town loses power every few minutes and comes back, complaints arrive at each channel's daily rhythm.
# Nothing polls the inventory's addresses. It stops after CCIS_DEMO_MINUTES (default 60) or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCIS_DATABASE_URL="${CCIS_DEMO_DATABASE_URL:-sqlite:///var/demo.db}"
export CCIS_INVENTORY="${CCIS_INVENTORY:-inventory.yaml}"
BIN=.venv/bin
PORT="${CCIS_PORT:-8000}"
MINUTES="${CCIS_DEMO_MINUTES:-60}"

mkdir -p var
$BIN/ccis inventory check "$CCIS_INVENTORY"
$BIN/ccis db upgrade
$BIN/ccis serve &
SERVER=$!
trap 'kill $SERVER ${SIM:-} 2>/dev/null || true; wait' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "make demo: the server did not start" >&2; exit 1; }
  sleep 0.2
done
echo "make demo: the city is live on http://127.0.0.1:$PORT/ — /status (public), /noc and /mis (staff)" >&2
echo "make demo: to log in, add a user: printf 'a long password\\n' | CCIS_DATABASE_URL=$CCIS_DATABASE_URL $BIN/ccis users add admin --role administrator --password-stdin" >&2
$BIN/ccis demo --noc "http://127.0.0.1:$PORT" --state-dir var/demo --minutes "$MINUTES" &
SIM=$!
wait $SIM
