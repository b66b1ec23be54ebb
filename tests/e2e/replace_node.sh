#!/usr/bin/env bash
# End-to-end replacement of a dead machine, on real processes: three `sanxiang serve --bootstrap`
# for one county, a writer importing agencies throughout (1,600 before the machine dies, the
# log purged behind snapshots); node 2 is SIGKILLed and its data
# deleted; node 4 (a new id, added to a copy of the topology on a free port, its certificate
# from `pki init`, which keeps the others) starts without --bootstrap; `cluster replace-node
# --old 2 --new 4` runs while the writes go on. Then the voters 1, 3, 4 report the same ledger
# size and root, the agencies listed are exactly those acknowledged, and node 2 restarted with
# an empty data directory refuses to start, saying why.
# Usage: tests/e2e/replace_node.sh [path/to/sanxiang]
set -euo pipefail
B=${1:-target/release/sanxiang}
REGION=hunan/changsha/liuyang
W=$(mktemp -d)
trap 'touch "$W/stop"; kill $(cat "$W"/pid* 2>/dev/null) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
TOPO=$W/topology.toml
free_ports() { # free_ports N: N distinct free loopback ports
  python3 -c 'import socket,sys; ss=[socket.socket() for _ in range(int(sys.argv[1]))]; [s.bind(("127.0.0.1", 0)) for s in ss]; print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
# The demo topology, the county's nodes moved to free ports (another check's processes may still
# hold the shipped ones while they stop).
python3 - "$TOPO" $(free_ports 6) <<'PY'
import sys
path, ports = sys.argv[1], sys.argv[2:]
text = open("cluster-config/demo.toml").read()
for i, old in enumerate(["7201", "7202", "7203", "8201", "8202", "8203"]):
    assert text.count(f"127.0.0.1:{old}") == 1, old
    text = text.replace(f"127.0.0.1:{old}", f"127.0.0.1:{ports[i]}")
open(path, "w").write(text)
PY

"$B" pki init --topology "$TOPO" --out "$W/pki" >/dev/null 2>&1
"$B" pki issue --pki "$W/pki" --topology "$TOPO" --region "$REGION" --organ bureau --role clerk --name e2e >/dev/null
export SANXIANG_TOPOLOGY=$TOPO SANXIANG_REGION=$REGION SANXIANG_CA=$W/pki/ca.pem \
  SANXIANG_PEOPLE=$W/pki/people/$REGION SANXIANG_AS=bureau/clerk-e2e SANXIANG_PKI=$W/pki

# Snapshots every 300 entries (1,000 kept behind each): by the time node 4 comes, the leader's log
# no longer starts at the beginning, and node 4 catches up from a snapshot, then the log.
serve() { # serve ID [--bootstrap]
  "$B" serve --topology "$TOPO" --node "$REGION/$1" --data "$W/n$1" --pki "$W/pki" \
    --snapshot-every 300 "${@:2}" >>"$W/log$1" 2>&1 &
  echo $! >"$W/pid$1"
}
addr() { python3 -c "import tomllib;t=tomllib.load(open('$TOPO','rb'));print([n['grpc'] for r in t['region'] if r['id']=='$REGION' for n in r['nodes'] if n['id']==$1][0])"; }
gen() { # gen FROM TO FILE
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
a, b, f = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f, "w") as o:
    for i in range(a, b):
        o.write(json.dumps({"name": f"替换测试机关{i:05d}", "powers": ["penalty"],
                            "legal_basis": "《中华人民共和国行政处罚法》", "domain": "市场监管"}, ensure_ascii=False) + "\n")
PY
}
acked() { cat "$W/acked" 2>/dev/null || echo 0; }
wait_acked() { # wait_acked N
  for _ in $(seq 1 600); do [ "$(acked)" -ge "$1" ] && return 0; sleep 0.1; done
  echo "FAIL: the writer stalled at $(acked) acknowledged writes"; exit 1
}

t_start=$(date +%s.%N)
for i in 1 2 3; do serve $i --bootstrap; done

# The writer: batches of 25 agencies, each retried with the same request ids until it is
# acknowledged (a retry is answered from the dedup table), so the count of acknowledged
# writes is exact.
N=100
(
  k=0
  while [ ! -e "$W/stop" ]; do
    gen $((k * N)) $((k * N + N)) "$W/batch.jsonl"
    b0=$(date +%s.%N)
    until "$B" agency import --file "$W/batch.jsonl" --client-id e2e-replace \
      --request-id $((k * N + 1)) --timeout-secs 10 >>"$W/import.log" 2>&1; do
      echo "batch $k: retrying" >>"$W/import.log"
      sleep 0.2
    done
    echo "$b0 $(date +%s.%N)" >>"$W/batches"
    k=$((k + 1))
    echo $((k * N)) >"$W/acked.tmp" && mv "$W/acked.tmp" "$W/acked"
  done
) &
echo $! >"$W/pid-writer"
wait_acked 1600

echo "$(acked) agencies written; SIGKILL node 2 and deleting its data"
p2=$(cat "$W/pid2")
kill -9 "$p2"
wait "$p2" 2>/dev/null || true
rm -f "$W/pid2"
rm -rf "$W/n2"

# The operator's steps: node 4 into the topology, its certificate, the process.
python3 - "$TOPO" "$(free_ports 1)" "$(addr 3)" <<'PY'
import sys, tomllib
path, port, three = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().split("\n")
at = [i for i, l in enumerate(lines) if f'grpc = "{three}"' in l]
assert len(at) == 1, "the county's node 3 line"
lines.insert(at[0] + 1, f'  {{ id = 4, grpc = "127.0.0.1:{port}" }},')
text = "\n".join(lines)
open(path, "w").write(text)
t = tomllib.loads(text)
assert [n["id"] for r in t["region"] if r["id"] == "hunan/changsha/liuyang" for n in r["nodes"]] == [1, 2, 3, 4]
PY
"$B" pki init --topology "$TOPO" --out "$W/pki" >/dev/null 2>&1
serve 4
t0=$(date +%s.%N)
"$B" cluster replace-node --node "$REGION/1" --old 2 --new 4 2>&1 | sed 's/^/  /'
t1=$(date +%s.%N)
wait_acked $(( $(acked) + 200 ))
# Batches of the writer that ran while the replacement did.
during=$(python3 -c "
t0, t1 = $t0, $t1
print(sum(1 for l in open('$W/batches') if float(l.split()[0]) < t1 and float(l.split()[1]) > t0))")
echo "replaced node 2 by node 4 in $(python3 -c "print(round($t1-$t0,2))") s; $during batches of $N writes were under way meanwhile"
[ "$during" -ge 1 ] || { echo "FAIL: no write ran during the replacement"; exit 1; }
touch "$W/stop"
wait "$(cat "$W/pid-writer")"
rm -f "$W/pid-writer"
total=$(acked)
echo "writer stopped: $total agencies acknowledged"

"$B" cluster members --node "$REGION/1" | sed 's/^/  /'
voters=$("$B" cluster members --node "$REGION/1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(str(m["id"]) for m in d["members"] if m["voter"]))')
[ "$voters" = "1,3,4" ] || { echo "FAIL: voters are $voters, expected 1,3,4"; exit 1; }

for attempt in $(seq 1 120); do
  heads=""
  for i in 1 3 4; do
    h=$("$B" status --endpoints "$(addr $i)" --json --timeout-secs 2 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ledger_size"], d["ledger_root"])' || echo "down")
    heads="$heads$h;"
  done
  IFS=';' read -r h1 h3 h4 <<<"$heads"
  if [ "$h1" = "$h3" ] && [ "$h3" = "$h4" ] && [ "$h1" != "down" ]; then break; fi
  sleep 0.5
done
echo "voter heads (1, 3, 4): $heads"
[ "$h1" = "$h3" ] && [ "$h3" = "$h4" ] || { echo "FAIL: ledgers differ"; exit 1; }
n=$("$B" agency list --json | python3 -c 'import json,sys; l=json.load(sys.stdin); names=[a["name"] for a in l]; assert len(names)==len(set(names)), "duplicate names"; print(len(l))')
echo "agencies listed: $n"
[ "$n" = "$total" ] || { echo "FAIL: $n agencies listed, $total acknowledged"; exit 1; }

echo "restarting node 2 with an empty data directory: it must refuse"
set +e
timeout 60 "$B" serve --topology "$TOPO" --node "$REGION/2" --data "$W/n2" --pki "$W/pki" --bootstrap >"$W/log2-again" 2>&1
code=$?
set -e
sed 's/^/  /' "$W/log2-again" | grep -v "^  $" | tail -3
[ "$code" != 0 ] && [ "$code" != 124 ] || { echo "FAIL: node 2 was not refused (exit $code)"; exit 1; }
grep -q "编号不再使用" "$W/log2-again" || { echo "FAIL: node 2's refusal does not say why"; exit 1; }
echo "took $(python3 -c "print(round($(date +%s.%N)-$t_start,1))") s"
echo "PASS"
