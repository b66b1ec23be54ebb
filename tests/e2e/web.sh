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

# The proof a reader downloads from the portal verifies offline with the CLI; altered, it fails.
PORTAL=$(grep -o "https://[0-9.:]*/portal" "$W/demo.out" | head -1)
item=$(curl -sk "$PORTAL" | grep -o 'href="/portal/publication[^"]*"' | head -1 | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
q=${item#*\?}
curl -skf "${PORTAL%/portal}/portal/proof?$q" -o "$W/proof.json"
size=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree_size"])' "$W/proof.json")
origin=${q%%&*}
curl -skf "${PORTAL%/portal}/portal/head?$origin&size=$size" -o "$W/head.json"
root=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$W/head.json")
"$B" ledger verify --proof "$W/proof.json" --root "$root"
"$B" ledger verify-head --file "$W/head.json" --ca "$W/pki/ca.pem"
python3 - "$W/proof.json" "$W/bad.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); d = p["leaf_data"]; p["leaf_data"] = d[:-2] + ("01" if d.endswith("00") else "00")
json.dump(p, open(sys.argv[2], "w"))
PY
if "$B" ledger verify --proof "$W/bad.json" --root "$root" 2>/dev/null; then echo "FAIL: an altered proof verified offline"; exit 1; fi

# `sanxiang web login` makes a link for the certificate it presents; a person of another region
# gets none from this region's node, and a client without a certificate neither.
SANXIANG_TOPOLOGY="$W/topology.toml" SANXIANG_REGION=hunan/changsha/liuyang SANXIANG_CA="$W/pki/ca.pem" \
  SANXIANG_PEOPLE="$W/pki/people/hunan/changsha/liuyang" SANXIANG_AS=bureau/clerk-clerk "$B" web login | tee "$W/login.txt"
link=$(grep -o "https://[^ ]*login?token=[0-9a-f]*" "$W/login.txt")
code=$(curl -sk -o /dev/null -w "%{http_code}" "$link"); [ "$code" = 303 ] || { echo "FAIL: the CLI's link answered $code"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" "$link"); [ "$code" = 403 ] || { echo "FAIL: a used link answered $code"; exit 1; }
liuyang=$(python3 -c 'import sys,tomllib; t=tomllib.load(open(sys.argv[1],"rb")); print([n["http"] for r in t["region"] if r["id"]=="hunan/changsha/liuyang" for n in r["nodes"]][0])' "$W/topology.toml")
P="$W/pki/people/hunan/bureau/supervisor-sup"
code=$(curl -sk -o /dev/null -w "%{http_code}" --cert "$P.pem" --key "$P.key" -X POST "https://$liuyang/login/link")
[ "$code" = 403 ] || { echo "FAIL: a person of another region got a link ($code)"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" -X POST "https://$liuyang/login/link")
[ "$code" = 401 ] || { echo "FAIL: a client without a certificate got a link ($code)"; exit 1; }
# A browser that presents its person certificate is signed in by it (no link, no cookie); the
# certificate comes as a PKCS#12 file for the browser's store from `pki issue --p12`.
export SANXIANG_P12_PASSWORD=演示口令-demo-2026
"$B" pki issue --pki "$W/pki" --topology "$W/topology.toml" --region hunan --organ bureau \
  --role monitor --name p12 --p12 --force
M="$W/pki/people/hunan/bureau/monitor-p12"
[ -s "$M.p12" ] || { echo "FAIL: no PKCS#12 file"; exit 1; }
if command -v openssl >/dev/null; then
  openssl pkcs12 -in "$M.p12" -noout -passin env:SANXIANG_P12_PASSWORD
  if openssl pkcs12 -in "$M.p12" -noout -passin pass:wrong 2>/dev/null; then echo "FAIL: a wrong password opened it"; exit 1; fi
fi
curl -skf --cert "$M.pem" --key "$M.key" "${PORTAL%/portal}/dashboard" | grep -q "监督看板" \
  || { echo "FAIL: a certificate did not sign in"; exit 1; }
# Every table of the dashboard as one Excel workbook, a sheet each; one table as CSV.
curl -skf --cert "$M.pem" --key "$M.key" "${PORTAL%/portal}/dashboard.xlsx" -o "$W/monitor.xlsx"
python3 - "$W/monitor.xlsx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
book = z.read("xl/workbook.xml").decode()
strings = z.read("xl/sharedStrings.xml").decode()
for sheet in ["地区", "执法单位", "超期事项", "未办结通报"]:
    assert f'name="{sheet}"' in book, f"no sheet {sheet}"
assert "长沙市" in strings, "the regions sheet has no 长沙市"
print("  xlsx:", len([n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]), "sheets")
PY
curl -skf --cert "$M.pem" --key "$M.key" "${PORTAL%/portal}/dashboard.csv?table=notices" | head -1 | grep -q "文号" \
  || { echo "FAIL: the notices table as CSV"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" --cert "$M.pem" --key "$M.key" "${PORTAL%/portal}/dashboard.csv?table=nope")
[ "$code" = 400 ] || { echo "FAIL: an unknown table answered $code"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" "${PORTAL%/portal}/dashboard.xlsx")
[ "$code" = 401 ] || { echo "FAIL: the workbook without a certificate or session answered $code"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" "${PORTAL%/portal}/dashboard")
[ "$code" = 401 ] || { echo "FAIL: the dashboard without a certificate or session answered $code"; exit 1; }
# For operators: /healthz and /readyz answer anyone; /metrics a node's certificate or a monitor's
# of the region, in a format promtool accepts; a refusal is counted under its rule.
H=${PORTAL%/portal}
[ "$(curl -sk "$H/healthz")" = ok ] || { echo "FAIL: /healthz"; exit 1; }
curl -skf "$H/readyz" | grep -q "^ready" || { echo "FAIL: /readyz"; exit 1; }
code=$(curl -sk -o /dev/null -w "%{http_code}" "$H/metrics")
[ "$code" = 403 ] || { echo "FAIL: /metrics without a certificate answered $code"; exit 1; }
C="$W/pki/people/hunan/bureau/clerk-clerk"
code=$(curl -sk -o /dev/null -w "%{http_code}" --cert "$C.pem" --key "$C.key" "$H/metrics")
[ "$code" = 403 ] || { echo "FAIL: /metrics for a clerk answered $code"; exit 1; }
N="$W/pki/nodes/hunan/node-1"
curl -skf --cert "$N.pem" --key "$N.key" "$H/metrics" >"$W/metrics.txt"
promtool check metrics <"$W/metrics.txt" || { echo "FAIL: promtool refused /metrics"; exit 1; }
for m in sanxiang_raft_term sanxiang_raft_applied_index sanxiang_log_fsyncs_total sanxiang_grpc_requests_total \
  sanxiang_grpc_request_duration_seconds_bucket sanxiang_uplink_backlog sanxiang_certificate_remaining_seconds; do
  grep -q "^$m" "$W/metrics.txt" || { echo "FAIL: /metrics has no $m"; exit 1; }
done
COUNTY=$(grep "WEB-LOGIN hunan/changsha/ningxiang agency-1/officer-zhang" "$W/demo.out" | grep -o "https://[0-9.:]*" | head -1)
curl -skf --cert "$N.pem" --key "$N.key" "$COUNTY/metrics" | grep -q 'sanxiang_writes_refused_total{rule="LAW-2"}' \
  || { echo "FAIL: the browser test's LAW-2 refusal is not counted on the county's node"; exit 1; }
echo "  metrics: $(grep -vc '^#' "$W/metrics.txt") samples, promtool accepts them"
echo "PASS web (offline proof, sign-in links by certificate only, sign-in by certificate, PKCS#12)"
echo "screenshots: $SHOTS"
