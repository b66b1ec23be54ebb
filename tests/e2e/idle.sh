#!/usr/bin/env bash
# An idle network adds nothing to its ledgers: `sanxiang demo` (7 regions × 3 nodes, tick 5 s)
# left alone for SECONDS (default 600) after its seed has settled; every node's ledger size and
# applied index are read from its /metrics before and after. Not in .ci/run (it takes minutes).
# Usage: tests/e2e/idle.sh [path/to/sanxiang] [SECONDS]
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
SECS=${2:-600}
W=$(mktemp -d)
"$B" demo --dir "$W" >"$W/demo.out" 2>"$W/demo.err" &
DEMO=$!
trap 'kill $DEMO 2>/dev/null || true; wait $DEMO 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 1 1200); do
  grep -q "Ctrl-C" "$W/demo.out" 2>/dev/null && break
  kill -0 $DEMO 2>/dev/null || { echo "FAIL: the demo stopped"; tail -20 "$W/demo.err"; exit 1; }
  sleep 0.1
done
sample() {
  python3 - "$W" <<'PY'
import json, subprocess, sys, tomllib
w = sys.argv[1]
t = tomllib.load(open(f"{w}/topology.toml", "rb"))
cert = f"{w}/pki/nodes/hunan/node-1"
out = {}
for r in t["region"]:
    for n in r["nodes"]:
        m = subprocess.run(["curl", "-sk", "--cert", cert + ".pem", "--key", cert + ".key",
                            f"https://{n['http']}/metrics"], capture_output=True, text=True).stdout
        v = dict(l.split()[:2] for l in m.splitlines()
                 if l.startswith(("sanxiang_ledger_leaves ", "sanxiang_raft_applied_index ")))
        out[f"{r['id']}#{n['id']}"] = (int(v.get("sanxiang_ledger_leaves", -1)),
                                       int(v.get("sanxiang_raft_applied_index", -1)))
print(json.dumps(out))
PY
}
# Settled: the seed's last items travelled up, were acknowledged and their heads recorded —
# two samples 10 s apart with the same ledgers (at most 2 minutes).
leaves() { python3 -c 'import json,sys; print(sorted((k, v[0]) for k, v in json.load(open(sys.argv[1])).items()))' "$1"; }
sample >"$W/before.json"
for _ in $(seq 1 12); do
  sleep 10
  sample >"$W/next.json"
  [ "$(leaves "$W/before.json")" = "$(leaves "$W/next.json")" ] && break
  mv "$W/next.json" "$W/before.json"
done
[ -f "$W/next.json" ] || { echo "FAIL: the ledgers never settled after the seed"; exit 1; }
echo "idle for $SECS s …"
sleep "$SECS"
sample >"$W/after.json"
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
b = json.load(open(f"{w}/before.json")); a = json.load(open(f"{w}/after.json"))
grew = 0
for k in sorted(b):
    (lb, ib), (la, ia) = b[k], a[k]
    print(f"{k:32} leaves {lb:5} -> {la:5}   applied {ib:5} -> {ia:5}")
    grew += la != lb
    if ia <= ib:
        print(f"FAIL: {k} applied nothing (no ticks?)"); sys.exit(1)
if grew:
    print(f"FAIL: {grew} of {len(b)} ledgers grew while idle"); sys.exit(1)
print(f"PASS idle: {len(b)} nodes, every ledger unchanged while the ticks were applied")
PY
