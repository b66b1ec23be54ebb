#!/usr/bin/env bash
# Certificates over time, from outside on real processes: the province, a city and a county of
# cluster-config/demo.toml (9 `sanxiang serve`), every certificate valid for 2 days. Items reach
# the province proven; `pki rotate` renews every certificate while the nodes run (they must
# present the renewal without a restart); then every clock is moved 3 days on with libfaketime,
# past the old certificates' end. The old certificates must now be refused, and new items must
# still reach the province proven, with no alert.
# Usage: tests/e2e/rotate.sh [path/to/sanxiang]   (needs Debian's faketime package)
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
TOPO=cluster-config/demo.toml
P=hunan; C=hunan/changsha; K=hunan/changsha/liuyang
LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIB" ] || { echo "libfaketime is missing: apt-get install faketime"; exit 1; }
W=$(mktemp -d)
trap 'kill $(cat "$W"/pid-* 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT

# Every process of this script, servers and clients, reads its wall clock from this file
# (re-read each second); monotonic time (Raft's timers) is left alone.
echo "+0d" >"$W/clock"
export LD_PRELOAD=$LIB FAKETIME_TIMESTAMP_FILE=$W/clock FAKETIME_CACHE_DURATION=1 DONT_FAKE_MONOTONIC=1

"$B" pki init --topology "$TOPO" --out "$W/pki" --days 2 >/dev/null
"$B" pki issue --pki "$W/pki" --topology "$TOPO" --region $P --organ bureau --role monitor --name e2e --days 2 >/dev/null
"$B" pki issue --pki "$W/pki" --topology "$TOPO" --region $K --organ bureau --role clerk --name e2e --days 2 >/dev/null
cp -r "$W/pki/people" "$W/old-people"

key() { echo "${1//\//_}-$2"; }
start() { # start REGION ID
  "$B" serve --bootstrap --topology "$TOPO" --node "$1/$2" --data "$W/data-$(key "$1" "$2")" --pki "$W/pki" \
    --tick-secs 5 >>"$W/log-$(key "$1" "$2")" 2>&1 &
  echo $! >"$W/pid-$(key "$1" "$2")"
}
as() { # as REGION ROLE ARGS... — a client command as the e2e person of REGION
  local r=$1 role=$2; shift 2
  "$B" "$@" --topology "$TOPO" --region "$r" --ca "$W/pki/ca.pem" --people "${PEOPLE:-$W/pki/people}/$r" --as "bureau/$role-e2e"
}
write() { # write PREFIX FROM TO
  python3 - "$@" "$W/batch.jsonl" <<'PY'
import json, sys
p, a, b, f = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(f, "w") as o:
    for i in range(a, b):
        o.write(json.dumps({"name": f"{p}执法机关{i:05d}", "powers": ["penalty"],
                            "legal_basis": "《中华人民共和国行政处罚法》", "domain": "市场监管"}, ensure_ascii=False) + "\n")
PY
  as $K clerk agency import --file "$W/batch.jsonl" >/dev/null
}
proven_at_province() { # proven_at_province N — the province holds N items of the county, all proven, no alert
  as $P monitor federation status --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin); n = int(sys.argv[1])
o = d["origins"].get("hunan/changsha/liuyang", {})
sys.exit(0 if o.get("items", 0) >= n and o.get("unproven", 1) == 0 and o.get("contiguous") and not d["alerts"] else 1)
' "$1"
}
wait_for() { # wait_for SECONDS WHAT COMMAND...
  local t0 secs=$1 what=$2; shift 2; t0=$(date +%s)
  until "$@"; do
    if [ $(( $(date +%s) - t0 )) -gt "$secs" ]; then echo "FAIL: $what"; return 1; fi
    sleep 1
  done
}
own_items() { as $K clerk federation status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["outbox"]["own_items"])'; }
old_refused() { ! PEOPLE="$W/old-people" as $K clerk agency list --json >/dev/null 2>&1; }
renewed_everywhere() {
  for r in $P $C $K; do for i in 1 2 3; do grep -q "node certificate renewed" "$W/log-$(key $r $i)" || return 1; done; done
}

for r in $P $C $K; do for i in 1 2 3; do start $r $i; done; done
echo "9 nodes started with certificates valid for 2 days; the county writes 20 agencies"
wait_for 60 "the county did not take writes" write 甲 0 20
before=$(own_items)
wait_for 120 "the first items did not reach the province proven" proven_at_province "$before"
echo "province holds $before items of the county, proven; renewing every certificate while the nodes run"
"$B" pki rotate --pki "$W/pki" --topology "$TOPO" --all --days 365 2>/dev/null | head -1
wait_for 60 "not every node presented its renewal" renewed_everywhere
echo "all 9 nodes present their renewed certificates (no restart); moving every clock 3 days on"
echo "+3d" >"$W/clock"
wait_for 30 "the old certificates are still accepted 3 days on" old_refused
why=$(PEOPLE="$W/old-people" as $K clerk agency list --json 2>&1 >/dev/null | head -1 || true)
echo "the old certificates are refused now (\"$why\"); the county writes 20 more"
wait_for 60 "the county did not take writes after the clock moved" write 乙 20 40
after=$(own_items)
[ "$after" -gt "$before" ] || { echo "FAIL: no new item at the county"; exit 1; }
wait_for 120 "items after the renewal did not reach the province proven" proven_at_province "$after"
echo "PASS: province holds all $after items of the county, every one proven, no alert, 3 days past the old certificates' end"
