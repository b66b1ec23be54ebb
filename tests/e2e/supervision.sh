#!/usr/bin/env bash
# Supervision on the demo network, checked from outside the way an official would run it:
# `sanxiang demo` (7 regions × 3 nodes in one process, seeded with 2026Q3), then as the province
# - `monitor` shows every city and county with the seeded reporting and on-time rates,
# - `monitor --of` drills down to a county's overdue publication,
# - a notice drafted from `--qualifying` with one command is signed off by the head, reaches the
#   county, is acknowledged there, and shows as acknowledged at the province.
# Usage: tests/e2e/supervision.sh [path/to/sanxiang]
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
W=$(mktemp -d)
t0=$(date +%s%N)
"$B" demo --dir "$W" >"$W/demo.out" 2>"$W/demo.err" &
DEMO=$!
trap 'kill $DEMO 2>/dev/null || true; wait $DEMO 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 1 1200); do
  grep -q "Ctrl-C" "$W/demo.out" 2>/dev/null && break
  kill -0 $DEMO 2>/dev/null || { echo "FAIL: the demo stopped"; tail -20 "$W/demo.err"; exit 1; }
  sleep 0.1
done
grep -q "Ctrl-C" "$W/demo.out" || {
  echo "FAIL: the demo was not ready within 120 s"; grep -v " WARN " "$W/demo.err" | tail -20; exit 1; }
echo "demo seeded and ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms (7 regions × 3 nodes, one process)"

# as REGION PERSON command...
as() {
  local region=$1 who=$2; shift 2
  SANXIANG_TOPOLOGY="$W/topology.toml" SANXIANG_REGION="$region" SANXIANG_CA="$W/pki/ca.pem" \
    SANXIANG_PEOPLE="$W/pki/people/$region" SANXIANG_AS="$who" "$B" "$@"
}
COUNTY=hunan/changsha/ningxiang

as hunan bureau/supervisor-sup monitor
as hunan bureau/supervisor-sup monitor --json >"$W/province.json"
python3 - "$W/province.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
def fail(m):
    print("FAIL:", m); sys.exit(1)
r = v["region"]["reports"]
if (r["expected"], r["received"], r["on_time"]) != (18, 17, 16):
    fail(f"province rates {r['received']}/{r['expected']} on time {r['on_time']}, seeded 17/18, 16")
rows = {x["region"]: x for x in v["below"]}
want = {"hunan/changsha": (9, 9, 9), "hunan/zhuzhou": (9, 8, 7),
        "hunan/changsha/liuyang": (4, 4, 4), "hunan/changsha/ningxiang": (4, 4, 4),
        "hunan/zhuzhou/liling": (4, 4, 3), "hunan/zhuzhou/youxian": (4, 3, 3)}
if set(rows) != set(want):
    fail(f"rows {sorted(rows)}")
for k, (e, rec, ot) in want.items():
    x = rows[k]["reports"]
    if (x["expected"], x["received"], x["on_time"]) != (e, rec, ot):
        fail(f"{k}: {x['received']}/{x['expected']} on time {x['on_time']}, seeded {rec}/{e}, {ot}")
    link = rows[k]["link"]
    if link["alerts"] or link["unproven"] or not link["head_size"]:
        fail(f"{k}: link not verified: {link}")
if rows["hunan/changsha/ningxiang"]["publications_overdue"] != 1:
    fail("宁乡市 should have one overdue publication")
if rows["hunan/changsha/liuyang"]["correction_rate"]["num"] != 1:
    fail("浏阳市 should have one corrected decision")
if v["disagreements"]:
    fail(f"disagreements {v['disagreements']}")
print("PASS monitor at the province: every city and county, rates as seeded, links verified")
PY

as hunan bureau/supervisor-sup monitor --of $COUNTY
as hunan bureau/supervisor-sup monitor --of $COUNTY --json >"$W/county.json"
python3 - "$W/county.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
od = [o for o in v["overdue"] if any(r.startswith("PUB-3") for r in o["rules"])]
ag = v["agencies"]
if len(ag) != 3 or not od:
    print("FAIL: drill-down", len(ag), "agencies,", len(od), "overdue publications"); sys.exit(1)
print(f"PASS drill-down to 宁乡市: {len(ag)} agencies, overdue publication cases {[o['case_id'] for o in od]}")
PY

as hunan bureau/supervisor-sup monitor --qualifying
as hunan bureau/supervisor-sup monitor --qualifying --json >"$W/qualifying.json"
python3 - "$W/qualifying.json" <<'PY'
import json, sys
got = {(q["unit"], q["reason"]) for q in json.load(open(sys.argv[1]))}
want = {("hunan/zhuzhou/liling", "report_late"), ("hunan/zhuzhou/youxian#3", "report_missing"),
        ("hunan/changsha/ningxiang#1", "publication_overdue"),
        ("hunan/zhuzhou/youxian#3", "reviewer_ratio_below_5_percent"),
        ("hunan/zhuzhou/youxian#2", "certificate_expired")}
if got != want:
    print("FAIL: qualifying list", sorted(got), "seeded", sorted(want)); sys.exit(1)
print(f"PASS qualifying list: the {len(want)} seeded findings, nothing else")
PY
deadline=$(date -d "+30 days" +%F)
as hunan bureau/supervisor-sup notice draft-from-qualifying --kind criticism --reason publication_overdue \
  --title 关于行政执法决定逾期公示问题的通报 --deadline "$deadline" --json >"$W/draft.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/draft.json")
if as hunan bureau/clerk-clerk notice sign --id "$id" --prefix 湘司通 2>"$W/err.txt"; then
  echo "FAIL: a clerk signed off a notice"; exit 1
fi
grep -q "SUP-2" "$W/err.txt" || { echo "FAIL: $(cat "$W/err.txt")"; exit 1; }
as hunan bureau/head-zhou notice sign --id "$id" --prefix 湘司通
for _ in $(seq 1 300); do
  as $COUNTY agency-1/clerk-clerk notice list --json >"$W/inbox.json"
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); sys.exit(0 if any(i["doc"]["issuer"]=="hunan" and i["doc"]["id"]==int(sys.argv[2]) for i in v["inbox"]) else 1)' "$W/inbox.json" "$id" && break
  sleep 0.1
done
as $COUNTY agency-1/clerk-clerk notice list
# Only the agency named answers: the county bureau's clerk is refused (SUP-2).
if as $COUNTY bureau/clerk-clerk notice answer --issuer hunan --id "$id" --unit "$COUNTY#1" 2>"$W/err.txt"; then
  echo "FAIL: the bureau answered for the agency"; exit 1
fi
grep -q "SUP-2" "$W/err.txt" || { echo "FAIL: $(cat "$W/err.txt")"; exit 1; }
as $COUNTY agency-1/clerk-clerk notice answer --issuer hunan --id "$id" --unit "$COUNTY#1"
for _ in $(seq 1 300); do
  as hunan bureau/monitor-monitor monitor --json >"$W/after.json"
  python3 - "$W/after.json" "$id" <<'PY' && break
import json, sys
v = json.load(open(sys.argv[1]))
ok = any(n["id"] == int(sys.argv[2]) and n["unit"] == "hunan/changsha/ningxiang#1" and n["stage"] == "acknowledged"
         for n in v["notices"])
sys.exit(0 if ok else 1)
PY
  sleep 0.1
done
python3 - "$W/after.json" "$id" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
n = [n for n in v["notices"] if n["id"] == int(sys.argv[2])]
if not n or n[0]["stage"] != "acknowledged":
    print("FAIL: the province does not show the notice acknowledged:", n); sys.exit(1)
print(f"PASS {n[0]['number']} drafted from the qualifying list, signed off, delivered to {n[0]['unit']}, acknowledged there and shown acknowledged at the province")
PY
as hunan bureau/supervisor-sup monitor | tail -8

# One deployment-wide due rule: set at the province and sent to every region below.
as hunan bureau/supervisor-sup report due --days 10 --working --down
for _ in $(seq 1 300); do
  due=$(as hunan/zhuzhou/liling bureau/monitor-monitor monitor --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["period"]["due"])')
  [ "$due" = 2026-10-20 ] && break
  sleep 0.1
done
[ "$due" = 2026-10-20 ] || { echo "FAIL: 醴陵市 still has due $due after the province's rule"; exit 1; }
echo "PASS the province's due rule (10 working days) reached 醴陵市: 2026Q3 due $due"
echo PASS
