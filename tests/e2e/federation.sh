#!/usr/bin/env bash
# End-to-end check of federation on real processes (issue "The network, part 1", Done when):
# the province, one city and its two counties of cluster-config/demo.toml, 3 `sanxiang serve`
# each (12 processes). The counties write; the city's three nodes are stopped for OUTAGE
# seconds while the counties keep writing; after the city restarts, the province must hold
# every county item exactly once and in order, the lag must read 0 and no tamper alert may be
# raised. Then one county's history is rewritten (its data wiped and written anew): the alert
# must appear at the city and at the province.
# Usage: tests/e2e/federation.sh [path/to/sanxiang] [OUTAGE seconds, default 300]
set -euo pipefail
B=${1:-target/release/sanxiang}
OUTAGE=${2:-300}
TOPO=cluster-config/demo.toml
P=hunan; C=hunan/changsha; K1=hunan/changsha/liuyang; K2=hunan/changsha/ningxiang
W=$(mktemp -d)
trap 'kill $(cat "$W"/pid-* 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT

"$B" pki init --topology "$TOPO" --out "$W/pki" >/dev/null
for r in $P $C; do "$B" pki issue --pki "$W/pki" --topology "$TOPO" --region "$r" --organ bureau --role monitor --name e2e >/dev/null; done
for r in $K1 $K2; do "$B" pki issue --pki "$W/pki" --topology "$TOPO" --region "$r" --organ bureau --role clerk --name e2e >/dev/null; done

key() { echo "${1//\//_}-$2"; }
start() { # start REGION ID
  "$B" serve --topology "$TOPO" --node "$1/$2" --data "$W/data-$(key "$1" "$2")" --pki "$W/pki" \
    --tick-secs 5 --bootstrap >>"$W/log-$(key "$1" "$2")" 2>&1 &
  echo $! >"$W/pid-$(key "$1" "$2")"
}
stop() { # stop REGION ID (SIGTERM, then wait)
  local f="$W/pid-$(key "$1" "$2")"; local p; p=$(cat "$f"); rm -f "$f"
  kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
}
as() { # as REGION ROLE ARGS... — a client command as the e2e person of REGION
  local r=$1 role=$2; shift 2
  "$B" "$@" --topology "$TOPO" --region "$r" --ca "$W/pki/ca.pem" --people "$W/pki/people/$r" --as "bureau/$role-e2e"
}
fed() { as "$1" monitor federation status --json 2>/dev/null || as "$1" clerk federation status --json; }
gen() { # gen PREFIX FROM TO FILE
  python3 - "$@" <<'PY'
import json, sys
p, a, b, f = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(f, "w") as o:
    for i in range(a, b):
        o.write(json.dumps({"name": f"{p}执法机关{i:05d}", "powers": ["penalty"],
                            "legal_basis": "《中华人民共和国行政处罚法》", "domain": "市场监管"}, ensure_ascii=False) + "\n")
PY
}
write() { # write COUNTY PREFIX FROM TO
  local f="$W/batch-${1//\//_}.jsonl"
  gen "$2" "$3" "$4" "$f"
  as "$1" clerk agency import --file "$f" >/dev/null 2>"$f.err" || { cat "$f.err"; return 1; }
}
both() { # both FROM TO — both counties write at once (waiting for these two only, not the servers)
  write $K1 浏阳 "$1" "$2" & local a=$!
  write $K2 宁乡 "$1" "$2" & local b=$!
  wait $a; wait $b
}
# Waits until the province holds every item each county made, in order, and both links are drained.
converged() {
  python3 - "$W" <<'PY'
import json, sys, subprocess
w = sys.argv[1]
d = {k: json.load(open(f"{w}/{k}.json")) for k in ("p", "c", "k1", "k2")}
ok = True
for k, name in (("k1", "hunan/changsha/liuyang"), ("k2", "hunan/changsha/ningxiang")):
    own = d[k]["outbox"]["own_items"]
    o = d["p"]["origins"].get(name, {})
    if not (o.get("items") == own and o.get("last_item_seq") == own and o.get("contiguous")):
        ok = False
    if d[k]["outbox"]["backlog"] != 0 or d[k]["outbox"]["pending"] != 0:
        ok = False
if d["c"]["outbox"]["backlog"] != 0 or d["p"]["links"].get("hunan/changsha", {}).get("lag", 1) != 0:
    ok = False
sys.exit(0 if ok else 1)
PY
}
snapshot() {
  fed $P >"$W/p.json" && fed $C >"$W/c.json" && fed $K1 >"$W/k1.json" && fed $K2 >"$W/k2.json"
}
wait_converged() { # wait_converged SECONDS
  local t0; t0=$(date +%s)
  while true; do
    if snapshot 2>/dev/null && converged; then return 0; fi
    if [ $(( $(date +%s) - t0 )) -gt "$1" ]; then return 1; fi
    sleep 1
  done
}

for r in $P $C $K1 $K2; do for i in 1 2 3; do start "$r" "$i"; done; done
echo "12 nodes started; writing 200 agencies in each county"
both 0 200
wait_converged 120 || { echo "FAIL: first items did not reach the province"; exit 1; }
echo "province holds both counties' items; stopping the city's 3 nodes for $OUTAGE s while the counties keep writing"
for i in 1 2 3; do stop $C "$i"; done
t_end=$(( $(date +%s) + OUTAGE )); n=200
while [ "$(date +%s)" -lt "$t_end" ]; do
  both $n $((n + 50))
  n=$((n + 50))
  sleep 1
done
echo "counties wrote $n agencies each; restarting the city"
t0=$(date +%s.%N)
for i in 1 2 3; do start $C "$i"; done
wait_converged 300 || { echo "FAIL: the province did not catch up"; python3 -m json.tool "$W/p.json" | head -60; exit 1; }
t1=$(date +%s.%N)
python3 - "$W" "$n" <<'PY'
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
p = json.load(open(f"{w}/p.json"))
for name in ("hunan/changsha/liuyang", "hunan/changsha/ningxiang"):
    o = p["origins"][name]
    print(f"  province holds {o['items']} items of {name}: seq 1..{o['last_item_seq']} contiguous={o['contiguous']}, signed head size {o['head_size']}, unproven {o['unproven']}")
    assert o["unproven"] == 0, "every item proven against its county's signed head"
lag = p["links"]["hunan/changsha"]["lag"]
print(f"  lag of the city link at the province: {lag}")
assert lag == 0
for k in ("p", "c"):
    a = json.load(open(f"{w}/{k}.json"))["alerts"]
    assert not a, f"unexpected tamper alerts: {a}"
print("  no tamper alert at the city or the province")
PY
echo "caught up $(python3 -c "print(round($t1-$t0,1))") s after the city restarted (including its election)"

# The whole region loses its data (every node wiped): started together with --bootstrap, its
# nodes find no peer holding a membership and initialize it anew.
echo "rewriting the history of $K1: its data is wiped and written anew"
for i in 1 2 3; do stop $K1 "$i"; rm -rf "$W/data-$(key $K1 "$i")"; done
for i in 1 2 3; do start $K1 "$i"; done
write $K1 改写 0 20
for attempt in $(seq 1 120); do
  snapshot 2>/dev/null || true
  if python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
def found(k):
    try:
        a = json.load(open(f"{w}/{k}.json"))["alerts"]
    except Exception:
        return False
    return any(x["subject"] == "hunan/changsha/liuyang" and x["detected_by"] == "hunan/changsha" for x in a)
sys.exit(0 if found("c") and found("p") else 1)
PY
  then
    python3 -c "
import json; a=json.load(open('$W/p.json'))['alerts']
for x in a: print('  province sees alert:', x['kind'], x['subject'], 'detected by', x['detected_by'], '-', x['message'])"
    echo "PASS"; exit 0
  fi
  sleep 1
done
echo "FAIL: no tamper alert for the rewritten county"; exit 1
