#!/usr/bin/env bash
# End-to-end check from outside, on real processes: three `sanxiang serve` for one county,
# 1,000 agencies, SIGKILL the leader, 1,000 more, restart it; all nodes must report the same
# ledger size and root, and exactly 2,000 agencies must be listed.
# Usage: tests/e2e/kill_leader.sh [path/to/sanxiang]
set -euo pipefail
B=${1:-target/release/sanxiang}
TOPO=cluster-config/demo.toml
REGION=hunan/changsha/liuyang
W=$(mktemp -d)
trap 'kill $(cat "$W"/pid* 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT

"$B" pki init --topology "$TOPO" --out "$W/pki" >/dev/null
"$B" pki issue --pki "$W/pki" --topology "$TOPO" --region "$REGION" --organ bureau --role clerk --name e2e >/dev/null
export SANXIANG_TOPOLOGY=$TOPO SANXIANG_REGION=$REGION SANXIANG_CA=$W/pki/ca.pem \
  SANXIANG_PEOPLE=$W/pki/people/$REGION SANXIANG_AS=bureau/clerk-e2e

start() { "$B" serve --topology "$TOPO" --node "$REGION/$1" --data "$W/n$1" --pki "$W/pki" --bootstrap >>"$W/log$1" 2>&1 & echo $! >"$W/pid$1"; }
for i in 1 2 3; do start $i; done

gen() { # gen FROM TO FILE
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
a, b, f = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f, "w") as o:
    for i in range(a, b):
        o.write(json.dumps({"name": f"测试执法机关{i:05d}", "powers": ["penalty", "inspection"],
                            "legal_basis": "《中华人民共和国行政处罚法》", "domain": "市场监管"}, ensure_ascii=False) + "\n")
PY
}
gen 0 1000 "$W/a.jsonl"; gen 1000 2000 "$W/b.jsonl"

t0=$(date +%s.%N)
"$B" agency import --file "$W/a.jsonl" >/dev/null
t1=$(date +%s.%N)
leader=$("$B" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["leader"])')
echo "first 1000 written in $(python3 -c "print(round($t1-$t0,2))") s; killing leader node $leader with SIGKILL"
kill -9 "$(cat "$W/pid$leader")"
t2=$(date +%s.%N)
"$B" agency import --file "$W/b.jsonl" >/dev/null
t3=$(date +%s.%N)
echo "second 1000 written in $(python3 -c "print(round($t3-$t2,2))") s (including the election)"
start "$leader"

# Wait until every node has applied the same ledger size (stale reads ask each node itself).
for attempt in $(seq 1 120); do
  heads=""
  for i in 1 2 3; do
    addr=$(python3 -c "import tomllib;t=tomllib.load(open('$TOPO','rb'));print([n['grpc'] for r in t['region'] if r['id']=='$REGION' for n in r['nodes'] if n['id']==$i][0])")
    h=$("$B" status --endpoints "$addr" --json --timeout-secs 2 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ledger_size"], d["ledger_root"])' || echo "down")
    heads="$heads$h;"
  done
  IFS=';' read -r h1 h2 h3 <<<"$heads"
  if [ "$h1" = "$h2" ] && [ "$h2" = "$h3" ] && [ "$h1" != "down" ]; then break; fi
  sleep 0.5
done
echo "node heads: $heads"
[ "$h1" = "$h2" ] && [ "$h2" = "$h3" ] || { echo "FAIL: ledgers differ"; exit 1; }
n=$("$B" agency list --json | python3 -c 'import json,sys; l=json.load(sys.stdin); names=[a["name"] for a in l]; assert len(names)==len(set(names)), "duplicate names"; print(len(l))')
echo "agencies listed: $n"
[ "$n" = 2000 ] || { echo "FAIL: expected 2000 agencies"; exit 1; }
echo "PASS"
