#!/usr/bin/env bash
# The web pages in a real browser: `sanxiang demo` (7 regions × 3 nodes, seeded), headless
# Chromium driven through chromedriver by tests/e2e/web.py. Screenshots go to $SHOTS (default:
# a temporary directory; docs/screenshots to refresh the README's).
# Usage: tests/e2e/web.sh [path/to/sanxiang]
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
HERE=$(dirname "$(realpath "$0")")
W=$(mktemp -d)
SHOTS=${SHOTS:-$W/shots}
mkdir -p "$SHOTS"
command -v chromedriver >/dev/null || { echo "FAIL: chromedriver is required (apt-get install chromium chromium-driver)"; exit 1; }
"$B" demo --dir "$W" >"$W/demo.out" 2>"$W/demo.err" &
DEMO=$!
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chromedriver --port="$PORT" >"$W/chromedriver.log" 2>&1 &
DRIVER=$!
trap 'kill $DEMO $DRIVER 2>/dev/null || true; wait $DEMO $DRIVER 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 1 1200); do
  grep -q "Ctrl-C" "$W/demo.out" 2>/dev/null && break
  kill -0 $DEMO 2>/dev/null || { echo "FAIL: the demo stopped"; tail -20 "$W/demo.err"; exit 1; }
  sleep 0.1
done
grep -q "WEB-LOGIN" "$W/demo.out" || { echo "FAIL: the demo printed no sign-in links"; tail -30 "$W/demo.out"; exit 1; }
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$PORT/status" >/dev/null && break; sleep 0.1; done
python3 "$HERE/web.py" "$W/demo.out" "http://127.0.0.1:$PORT" "$SHOTS"
echo "screenshots: $SHOTS"
