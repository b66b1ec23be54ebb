#!/usr/bin/env bash
# The README walkthrough, run as written against `sanxiang demo`: a penalty case from opening
# through legal review (first "supplement", then approve) to the decision, with the refusals a
# user meets on the way (REC-2, REV-1, PUB-2). Usage: tests/e2e/walkthrough.sh [path/to/sanxiang]
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
W=$(mktemp -d)
"$B" demo --empty --dir "$W" >"$W/demo.log" 2>&1 &
DEMO=$!
trap 'kill $DEMO 2>/dev/null || true; wait $DEMO 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 1 100); do [ -f "$W/env.sh" ] && break; sleep 0.2; done
# shellcheck disable=SC1091
source "$W/env.sh"
sanxiang() { "$B" "$@"; }
expect_refused() { # expect_refused RULE command...
  local rule=$1; shift
  if out=$("$B" "$@" 2>&1); then echo "FAIL: expected refusal $rule, got: $out"; exit 1; fi
  grep -q "($rule)" <<<"$out" || { echo "FAIL: expected $rule, got: $out"; exit 1; }
  echo "  refused as expected: $out"
}
sanxiang status >/dev/null

# --- walkthrough (README "A penalty case, start to finish") ---
sanxiang agency add --name 浏阳市市场监督管理局 --powers penalty,inspection,licensing --legal-basis 《中华人民共和国行政处罚法》 --domain 市场监管
sanxiang officer add --agency 1 --name 张三 --user zhang --duties enforcement
sanxiang officer add --agency 1 --name 李四 --user li --duties enforcement
sanxiang officer add --agency 1 --name 王五 --user wang --duties reviewer --legal-qualification
sanxiang officer add --agency 1 --name 赵六 --user zhao --duties head,enforcement
for o in 1 2 3 4; do
  sanxiang cert issue --as supervisor-sup --officer $o --number 43018120240$o --from 2024-01-01 --until 2027-12-31 --area 浏阳市市场监管
done
sanxiang case open --as officer-zhang --agency 1 --kind penalty --party-kind legal \
  --party-name 浏阳某某商贸有限公司 --credit-code 91430181MA4L16JQ9P --party-phone 13812345678 \
  --party-address 浏阳市集里街道某路1号 --summary 销售超过保质期的食品 --handlers 1,2 --amount-yuan 20000
sanxiang case step --as officer-zhang --case 1 --kind investigation --officers 1,2 --av \
  --place 浏阳市集里街道某超市 --text 现场检查，发现超过保质期食品12件，制作现场笔录。
expect_refused REC-2 case step --as officer-zhang --case 1 --kind seizure --officers 1,2 \
  --place 浏阳市集里街道某超市 --text 扣押超过保质期食品12件。
sanxiang case step --as officer-zhang --case 1 --kind seizure --officers 1,2 --av \
  --place 浏阳市集里街道某超市 --text 扣押超过保质期食品12件，全程录像。
expect_refused PUB-2 case submit --as officer-zhang --case 1 --materials 立案审批表、现场笔录、扣押清单、证据照片
sanxiang case step --as officer-zhang --case 1 --kind rights-notice --officers 1,2 --place 浏阳市市场监督管理局 \
  --text 送达行政处罚事先告知书，告知拟作出处罚的事实、理由、依据及陈述、申辩、听证权利。
sanxiang case submit --as officer-zhang --case 1 --materials 立案审批表、现场笔录、扣押清单、证据照片
sanxiang case review --as reviewer-wang --case 1 --opinion supplement --failed-points 4 --reasons 缺少进货凭证，请补充证据
expect_refused REV-1 case decide --as head-zhao --case 1 --deciders 4 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片 --basis 《食品安全法》第一百二十四条 --discretion 首次违法，按裁量基准从轻
sanxiang case submit --as officer-zhang --case 1 --materials 补充：进货凭证、供货商说明
sanxiang case review --as reviewer-wang --case 1 --opinion approve
sanxiang case decide --as head-zhao --case 1 --deciders 4 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片、进货凭证 --basis 《食品安全法》第一百二十四条 --discretion 首次违法，按裁量基准从轻
sanxiang case show --as monitor-monitor --id 1 | grep -E '"state"|"phone"|"credit_code"'
# Publication (PUB-3, PUB-4): personal data typed into the text never reach the public.
sanxiang publication draft --as officer-zhang --case 1 --content "浏阳某某商贸有限公司（统一社会信用代码91430181MA4L16JQ9P）销售超过保质期的食品，罚款人民币两万元。法定代表人李某，身份证号11010519491231002X，手机13812345678，住址：浏阳市集里街道某路1号。"
sanxiang publication release --as head-zhao --id 1
sanxiang publication list --as monitor-monitor --case 1 | grep '"public_text"'
# The region's status summary (counters moved by every accepted command).
sanxiang case summary --as monitor-monitor | grep -E 'region/(cases/state/Decided|decisions/major|publications/published_on_time)'
# An officer whose certificate has expired cannot act (PUB-2).
sanxiang officer add --agency 1 --name 钱七 --user qian --duties enforcement
sanxiang cert issue --as supervisor-sup --officer 5 --number 430181201905 --from 2019-01-01 --until 2024-12-31 --area 浏阳市市场监管
expect_refused PUB-2 case step --as officer-zhang --case 1 --kind service --officers 1,5 --av \
  --place 浏阳某某商贸有限公司 --text 直接送达行政处罚决定书。
# An officer whose certificate was revoked can no longer act (PUB-2).
sanxiang cert revoke --as supervisor-sup --officer 2 --reason 调离执法岗位
expect_refused PUB-2 case step --as officer-zhang --case 1 --kind service --officers 1,2 --av \
  --place 浏阳某某商贸有限公司 --text 直接送达行政处罚决定书。
# The leader signs tree heads (REC-3); anyone with the CA checks them offline.
for _ in $(seq 1 60); do "$B" ledger head >"$W/head.json" 2>/dev/null && break; sleep 0.5; done
sanxiang ledger verify-head --file "$W/head.json"
python3 - "$W/head.json" "$W/forged.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1])); h["size"] += 1; json.dump(h, open(sys.argv[2], "w"))
PY
if "$B" ledger verify-head --file "$W/forged.json" 2>/dev/null; then echo "FAIL: a forged head verified"; exit 1; fi
# --- end of walkthrough ---

state=$("$B" case show --id 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
[ "$state" = Decided ] || { echo "FAIL: case state $state"; exit 1; }
"$B" case show --as monitor-monitor --id 1 | grep -q 13812345678 && { echo "FAIL: a monitor sees the party's phone"; exit 1; }
pub=$("$B" publication list --as monitor-monitor --case 1)
for secret in 11010519491231002X 13812345678 集里街道; do
  grep -q "$secret" <<<"$pub" && { echo "FAIL: $secret reached the public text"; exit 1; }
done
grep -q 91430181MA4L16JQ9P <<<"$pub" || { echo "FAIL: the credit code must stay public"; exit 1; }
grep -q '"Published"' <<<"$pub" || { echo "FAIL: not published"; exit 1; }
summary=$("$B" case summary --as monitor-monitor)
grep -q '"region/decisions/major": 1' <<<"$summary" || { echo "FAIL: summary: $summary"; exit 1; }
echo "PASS"
