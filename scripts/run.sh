#!/usr/bin/env bash
# make run: migrate the SQLite database under var/, serve the shipped inventory on 127.0.0.1:8000,
# and run the data centre's site agent on this host (it collects only this host and loopback services).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCIS_DATABASE_URL="${CCIS_DATABASE_URL:-sqlite:///var/ccis.db}"
export CCIS_INVENTORY="${CCIS_INVENTORY:-inventory.yaml}"
BIN=.venv/bin
SITE=dc-civic
TOKEN=var/agent-$SITE.token
PORT="${CCIS_PORT:-8000}"

mkdir -p var
$BIN/ccis inventory check "$CCIS_INVENTORY"
$BIN/ccis db upgrade
[ -s "$TOKEN" ] || $BIN/ccis tokens issue --site "$SITE" --out "$TOKEN"

$BIN/ccis serve &
SERVER=$!
trap 'kill $SERVER ${AGENT:-} 2>/dev/null || true; wait' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "make run: the server did not start" >&2; exit 1; }
  sleep 0.2
done
$BIN/ccis agent --site "$SITE" --noc "http://127.0.0.1:$PORT" --token-file "$TOKEN" \
  --state-dir var/agent --loopback-only &
AGENT=$!
echo "make run: CCIS is serving on http://127.0.0.1:$PORT/ (staff login at /login, API docs at /docs); Ctrl-C stops it" >&2
echo "make run: first administrator: printf 'a long password\\n' | $BIN/ccis users add admin --role administrator --password-stdin" >&2
wait $SERVER
