#!/usr/bin/env bash
# The README walkthrough, run as written against `sanxiang demo`: people who act for their organ
# (the bureau or an agency), a penalty case from opening through legal review (first
# "supplement", then approve) to a decision with its penalties and document number, served,
# executed and archived — with the refusals a user meets on the way (PUB-2, REC-2, REV-1, SUP-2,
# SUP-7, REC-1). Usage: tests/e2e/walkthrough.sh [path/to/sanxiang]
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
# The bureau's clerk (the default person of env.sh) registers two agencies and agency 1's officers.
sanxiang agency add --name 浏阳市市场监督管理局 --powers penalty,inspection,licensing --legal-basis 《中华人民共和国行政处罚法》 --domain 市场监管
sanxiang agency add --name 浏阳市交通运输局 --powers penalty,inspection --legal-basis 《中华人民共和国道路运输条例》 --domain 交通运输
sanxiang officer add --agency 1 --name 张三 --user zhang --duties enforcement
sanxiang officer add --agency 1 --name 李四 --user li --duties enforcement
sanxiang officer add --agency 1 --name 王五 --user wang --duties reviewer --legal-qualification
sanxiang officer add --agency 1 --name 赵六 --user zhao --duties head,enforcement
# Certificates come from the judicial bureau, never from the agency — not even its head (PUB-2).
expect_refused PUB-2 cert issue --as agency-1/head-zhao --officer 1 --number 430181202401 --from 2024-01-01 --until 2027-12-31 --area 浏阳市市场监管
for o in 1 2 3 4; do
  sanxiang cert issue --as bureau/supervisor-sup --officer $o --number 43018120240$o --from 2024-01-01 --until 2027-12-31 --area 浏阳市市场监管
done
# Past 31 March, an officer without last year's annual check (年审) may not act (PUB-2).
expect_refused PUB-2 case open --as agency-1/officer-zhang --agency 1 --kind penalty --party-kind legal \
  --party-name 浏阳某某商贸有限公司 --summary 销售超过保质期的食品 --handlers 1,2 --amount-yuan 20000
for o in 1 2 3 4; do for y in 2024 2025; do
  sanxiang cert check --as bureau/supervisor-sup --officer $o --year $y
done; done
sanxiang case open --as agency-1/officer-zhang --agency 1 --kind penalty --party-kind legal \
  --party-name 浏阳某某商贸有限公司 --credit-code 91430181MA4L16JQ9P --party-phone 13812345678 \
  --party-address 浏阳市集里街道某路1号 --summary 销售超过保质期的食品 --handlers 1,2 --amount-yuan 20000
sanxiang case step --as agency-1/officer-zhang --case 1 --kind investigation --officers 1,2 --av \
  --place 浏阳市集里街道某超市 --text 现场检查，发现超过保质期食品12件，制作现场笔录。
expect_refused REC-2 case step --as agency-1/officer-zhang --case 1 --kind seizure --officers 1,2 \
  --place 浏阳市集里街道某超市 --text 扣押超过保质期食品12件。
sanxiang case step --as agency-1/officer-zhang --case 1 --kind seizure --officers 1,2 --av \
  --place 浏阳市集里街道某超市 --text 扣押超过保质期食品12件，全程录像。
expect_refused PUB-2 case submit --as agency-1/officer-zhang --case 1 --materials 立案审批表、现场笔录、扣押清单、证据照片
sanxiang case step --as agency-1/officer-zhang --case 1 --kind rights-notice --officers 1,2 --place 浏阳市市场监督管理局 \
  --text 送达行政处罚事先告知书，告知拟作出处罚的事实、理由、依据及陈述、申辩、听证权利。
sanxiang case submit --as agency-1/officer-zhang --case 1 --materials 立案审批表、现场笔录、扣押清单、证据照片
sanxiang case review --as agency-1/reviewer-wang --case 1 --opinion supplement --failed-points 4 --reasons 缺少进货凭证，请补充证据
# Neither the decision nor a "collective decision" straight after one non-approving opinion (REV-1).
expect_refused REV-1 case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number 浏市监罚〔2026〕1号 \
  --penalty fine:20000 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片 --basis 《食品安全法》第一百二十四条 --discretion 首次违法，按裁量基准从轻
expect_refused REV-1 case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number 浏市监罚〔2026〕1号 \
  --penalty fine:20000 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片 --basis 《食品安全法》第一百二十四条 --discretion 首次违法，按裁量基准从轻 \
  --collective-heads 4 --collective-result 同意处罚 --minutes 局务会议纪要第1号
sanxiang case submit --as agency-1/officer-zhang --case 1 --materials 补充：进货凭证、供货商说明
sanxiang case review --as agency-1/reviewer-wang --case 1 --opinion approve
# A decision above what was reviewed goes back to review (REV-1).
expect_refused REV-1 case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number 浏市监罚〔2026〕1号 \
  --penalty fine:50000 --text 罚款人民币五万元 \
  --evidence 现场笔录、扣押清单、照片、进货凭证 --basis 《食品安全法》第一百二十四条 --discretion 首次违法
# What is decided is checked: a confiscation names its value, a document number has its form.
expect_refused INPUT case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number 浏市监罚〔2026〕1号 \
  --penalty fine:20000 --penalty confiscation:0:没收超过保质期食品12件 --text 没收超过保质期食品，罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片、进货凭证 --basis 《食品安全法》第一百二十四条 --discretion 首次违法
expect_refused INPUT case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number "浏市监罚(2026)1号" \
  --penalty fine:20000 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片、进货凭证 --basis 《食品安全法》第一百二十四条 --discretion 首次违法
sanxiang case decide --as agency-1/head-zhao --case 1 --deciders 4 --doc-number 浏市监罚〔2026〕1号 \
  --penalty fine:20000 --text 罚款人民币两万元 \
  --evidence 现场笔录、扣押清单、照片、进货凭证 --basis 《食品安全法》第一百二十四条 --discretion 首次违法，按裁量基准从轻
sanxiang case show --as bureau/monitor-monitor --id 1 | grep -E '"state"|"phone"|"document_number"'
# Publication (PUB-3, PUB-4): personal data typed into the text never reach the public.
sanxiang publication draft --as agency-1/officer-zhang --case 1 --content "浏阳某某商贸有限公司（统一社会信用代码91430181MA4L16JQ9P）销售超过保质期的食品，罚款人民币两万元。法定代表人李某，身份证号11010519491231002X，手机13812345678，住址：浏阳市集里街道某路1号。"
sanxiang publication release --as agency-1/head-zhao --id 1
sanxiang publication list --as bureau/monitor-monitor --case 1 | grep '"public_text"'
# Served (with the mode; LAW-4 counts from the decision), executed, archived (DOMAIN "Case").
sanxiang case step --as agency-1/officer-zhang --case 1 --kind service --service-mode direct --officers 1,2 --av \
  --place 浏阳某某商贸有限公司 --text 直接送达行政处罚决定书，当事人签收。
sanxiang case step --as agency-1/officer-zhang --case 1 --kind execution --execution paid --officers 1,2 \
  --place 浏阳市市场监督管理局 --text 当事人已缴纳罚款人民币两万元。
sanxiang case step --as agency-1/officer-zhang --case 1 --kind archiving --officers 1,2 \
  --place 浏阳市市场监督管理局 --text 案卷整理归档，共48页。
expect_refused REC-1 case step --as agency-1/officer-zhang --case 1 --kind other --officers 1,2 \
  --place 浏阳市市场监督管理局 --text 补记一次回访。
# Outcomes are the bureau's or the agency's own (SUP-7): agency 2's head may not record one.
expect_refused SUP-7 case outcome --as agency-2/head-sun --case 1 --forum reconsideration --result upheld \
  --on "$(date +%F)" --reference 浏政复〔2026〕1号 --deciding-organ 浏阳市人民政府
# A case opened at 5,000 yuan and decided at 200,000 without review (REV-1); the attempt is counted.
sanxiang case open --as agency-1/officer-zhang --agency 1 --kind penalty --party-kind legal \
  --party-name 浏阳某某食品厂 --summary 生产不符合食品安全标准的食品 --handlers 1,2 --amount-yuan 5000
sanxiang case step --as agency-1/officer-zhang --case 2 --kind rights-notice --officers 1,2 --place 浏阳市市场监督管理局 \
  --text 送达行政处罚事先告知书。
expect_refused REV-1 case decide --as agency-1/head-zhao --case 2 --deciders 4 --doc-number 浏市监罚〔2026〕2号 \
  --penalty fine:200000 --text 罚款人民币二十万元 --evidence 检验报告 --basis 《食品安全法》第一百二十四条 --discretion 情节严重
# A circulated notice is the bureau's: an agency head neither signs nor closes it (SUP-2).
sanxiang notice draft --as bureau/inspector-li --kind rectification --title 关于执法案卷归档不规范的整改通知 \
  --text 请于期限内完成整改并报送整改情况。 --unit 'hunan/changsha/liuyang#1' --deadline 2027-01-31
expect_refused SUP-2 notice sign --as agency-1/head-zhao --id 1 --prefix 浏司通
sanxiang notice sign --as bureau/head-zhou --id 1 --prefix 浏司通
expect_refused SUP-2 notice answer --as agency-2/head-sun --issuer hunan/changsha/liuyang --id 1 --unit 'hunan/changsha/liuyang#1'
sanxiang notice answer --as agency-1/clerk-clerk --issuer hunan/changsha/liuyang --id 1 --unit 'hunan/changsha/liuyang#1'
sanxiang notice answer --as agency-1/clerk-clerk --issuer hunan/changsha/liuyang --id 1 --unit 'hunan/changsha/liuyang#1' \
  --rectification 已完成全部案卷的补正归档。
expect_refused SUP-2 notice judge --as agency-1/head-zhao --id 1 --unit 'hunan/changsha/liuyang#1'
sanxiang notice judge --as bureau/inspector-li --id 1 --unit 'hunan/changsha/liuyang#1'
# The region's status summary (counters moved by every accepted command, and the refused attempt).
sanxiang case summary --as bureau/monitor-monitor | grep -E 'region/(cases/state/Archived|decisions/major|publications/published_on_time)'
# An officer whose certificate has expired cannot act (PUB-2).
sanxiang officer add --agency 1 --name 钱七 --user qian --duties enforcement
sanxiang cert issue --as bureau/supervisor-sup --officer 5 --number 430181201905 --from 2019-01-01 --until 2024-12-31 --area 浏阳市市场监管
expect_refused PUB-2 case step --as agency-1/officer-zhang --case 2 --kind investigation --officers 1,5 --av \
  --place 浏阳某某食品厂 --text 现场检查。
# An officer whose certificate was revoked can no longer act (PUB-2).
sanxiang cert revoke --as bureau/supervisor-sup --officer 2 --reason 调离执法岗位
expect_refused PUB-2 case step --as agency-1/officer-zhang --case 2 --kind investigation --officers 1,2 --av \
  --place 浏阳某某食品厂 --text 现场检查。
# The leader signs tree heads (REC-3); anyone with the CA checks them offline.
for _ in $(seq 1 60); do "$B" ledger head >"$W/head.json" 2>/dev/null && break; sleep 0.5; done
sanxiang ledger verify-head --file "$W/head.json"
python3 - "$W/head.json" "$W/forged.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1])); h["size"] += 1; json.dump(h, open(sys.argv[2], "w"))
PY
if "$B" ledger verify-head --file "$W/forged.json" 2>/dev/null; then echo "FAIL: a forged head verified"; exit 1; fi
# --- end of walkthrough ---

case1=$("$B" case show --as agency-1/officer-zhang --id 1)
python3 - "$case1" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
def fail(m):
    print("FAIL:", m); sys.exit(1)
if c["state"] != "Archived": fail(f"case state {c['state']}")
d = c["decision"]
if d["document_number"] != "浏市监罚〔2026〕1号": fail(d["document_number"])
if [(p["kind"], p["amount_fen"]) for p in d["penalties"]] != [("Fine", 2000000)]: fail(d["penalties"])
if d["amount_fen"] != 2000000: fail("amount")
if c["party"]["phone"] != "13812345678": fail("the acting agency's officer sees the phone")
PY
for who in bureau/monitor-monitor agency-2/head-sun; do
  "$B" case show --as $who --id 1 | grep -q 13812345678 && { echo "FAIL: $who sees the party's phone"; exit 1; }
done
pub=$("$B" publication list --as bureau/monitor-monitor --case 1)
for secret in 11010519491231002X 13812345678 集里街道; do
  grep -q "$secret" <<<"$pub" && { echo "FAIL: $secret reached the public text"; exit 1; }
done
grep -q 91430181MA4L16JQ9P <<<"$pub" || { echo "FAIL: the credit code must stay public"; exit 1; }
grep -q '"Published"' <<<"$pub" || { echo "FAIL: not published"; exit 1; }
summary=$("$B" case summary --as bureau/monitor-monitor)
grep -q '"region/decisions/major": 1' <<<"$summary" || { echo "FAIL: summary: $summary"; exit 1; }
grep -q '"region/decisions/major_refused": 4' <<<"$summary" || { echo "FAIL: refused attempts: $summary"; exit 1; }
grep -q '"region/cases/state/Archived": 1' <<<"$summary" || { echo "FAIL: archived: $summary"; exit 1; }
echo "PASS"
