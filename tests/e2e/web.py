#!/usr/bin/env python3
"""The web pages in a real browser (headless Chromium through chromedriver's WebDriver API,
standard library only), against a running `sanxiang demo`:

- the public portal without a certificate: a publication verified in the browser, and a
  tampered proof shown as failing;
- pages without a session refused, a replayed sign-in link refused, an oversized query string
  refused;
- the provincial supervisor signs in with a one-time link, sees the dashboard and drills down to
  a county; drafts a notice to a county agency (record text with <script> stays text); a
  request without or with a wrong CSRF token is refused;
- the provincial head signs it off; the county agency's clerk sees it in the inbox, opens a case
  and its steps, and acknowledges it; the province sees it acknowledged.

Usage: web.py DEMO_OUT CHROMEDRIVER_URL SCREENSHOT_DIR
"""
import base64
import json
import re
import sys
import time
import urllib.error
import urllib.request

DEMO_OUT, DRIVER, SHOTS = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(DRIVER + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}").get("value")
    except urllib.error.HTTPError as e:
        fail(f"webdriver {method} {path}: {e.read()[:500]!r}")


class Browser:
    def __init__(self):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "acceptInsecureCerts": True,
            "goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                            "--ignore-certificate-errors", "--window-size=1366,900",
                                            "--lang=zh-CN"]}}}}
        self.id = call("POST", "/session", caps)["sessionId"]

    def go(self, url):
        call("POST", f"/session/{self.id}/url", {"url": url})

    def find(self, css, wait=15):
        end = time.time() + wait
        while True:
            r = call("POST", f"/session/{self.id}/elements", {"using": "css selector", "value": css})
            if r:
                return r[0][ELEMENT]
            if time.time() > end:
                fail(f"no element {css} on {self.js('return location.href')}: "
                     f"{self.js('return document.body.innerText')[:600]}")
            time.sleep(0.2)

    def text(self, css):
        return call("GET", f"/session/{self.id}/element/{self.find(css)}/text")

    def click(self, css):
        call("POST", f"/session/{self.id}/element/{self.find(css)}/click", {})

    def type(self, css, text):
        call("POST", f"/session/{self.id}/element/{self.find(css)}/value", {"text": text})

    def js(self, script, *args):
        return call("POST", f"/session/{self.id}/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return call("POST", f"/session/{self.id}/execute/async", {"script": script, "args": list(args)})

    def shot(self, name):
        png = call("GET", f"/session/{self.id}/screenshot")
        with open(f"{SHOTS}/{name}.png", "wb") as f:
            f.write(base64.b64decode(png))

    def wait_text(self, css, pattern, wait=30, reload=False):
        end = time.time() + wait
        while True:
            t = self.text(css) if self.js(f"return !!document.querySelector({json.dumps(css)})") else ""
            if re.search(pattern, t):
                return t
            if time.time() > end:
                fail(f"{css} never matched {pattern!r}; last: {t[:300]!r}")
            time.sleep(0.5)
            if reload:
                # Navigating again returns once the page has loaded (WebDriver waits for it).
                self.go(self.js("return location.href"))

    def status(self, url, method="GET", body=None):
        """Fetches from the page (same origin, with its cookies): (status, text)."""
        return self.js_async(
            "const [u, m, b, done] = arguments;"
            "fetch(u, {method: m, body: b, credentials: 'same-origin',"
            " headers: b ? {'Content-Type': 'application/x-www-form-urlencoded'} : {}})"
            ".then(async r => done([r.status, await r.text()])).catch(e => done([0, String(e)]));",
            url, method, body)

    def quit(self):
        call("DELETE", f"/session/{self.id}")


out = open(DEMO_OUT, encoding="utf-8").read()
portal = re.search(r"(https://[0-9.:]+)/portal", out).group(1)
links = {m.group(1) + " " + m.group(2): m.group(3)
         for m in re.finditer(r"WEB-LOGIN (\S+) (\S+) (https://\S+)", out)}
sup = links["hunan bureau/supervisor-sup"]
head = links["hunan bureau/head-zhou"]
clerk = links["hunan/changsha/ningxiang agency-1/clerk-clerk"]
officer = links["hunan/changsha/ningxiang agency-1/officer-zhang"]
county = re.match(r"https://[0-9.:]+", clerk).group(0)

# --- the public portal, no certificate, no session ---
pub = Browser()
pub.go(portal + "/portal")
rows = pub.js("return document.querySelectorAll('#publications tbody tr').length")
if rows < 1:
    fail("the portal lists no publication")
pub.shot("portal")
pub.click("a.verify-link")
pub.find("#public-text")
pub.click("#verify")
ok = pub.wait_text("#verify-result", r"^(验证通过|验证失败)")
if not ok.startswith("验证通过"):
    fail(f"a genuine publication did not verify: {ok}")
print("  portal: verified in the browser:", ok)
pub.shot("portal-verified")
tampered = pub.js_async(
    "const done = arguments[0]; const t = JSON.parse(JSON.stringify(window.sanxiangLast));"
    "const d = t.proof.leaf_data; t.proof.leaf_data = d.slice(0, -2) + (d.endsWith('00') ? '01' : '00');"
    "sanxiangCheck(t.proof, t.head).then(done);")
bad = pub.text("#verify-result")
if tampered or not bad.startswith("验证失败"):
    fail(f"a tampered proof was not shown failing: {bad}")
print("  portal: a tampered proof fails:", bad)
pub.shot("portal-tampered")
# Nothing private on the portal, and the pages behind it refuse without a session.
page = pub.js("return document.documentElement.outerHTML")
for secret in ["13800000000", "某街道某路1号"]:
    if secret in page:
        fail(f"{secret} reached the portal")
for path in ["/dashboard", "/desk", "/notices", "/desk/case?id=1", "/reports", "/desk.xlsx",
             "/dashboard.xlsx"]:
    pub.go(portal + path)
    if "请先登录" not in pub.text("#error"):
        fail(f"{path} without a session")
code, _ = pub.status(portal + "/portal?q=" + "x" * 3000)
if code != 400:
    fail(f"an oversized query string answered {code}")
pub.quit()

# --- the provincial supervisor: dashboard, drill-down, a notice drafted ---
s = Browser()
s.go(sup)
s.find("#regions")
if "宁乡市" not in s.text("#regions"):
    fail("the province's dashboard has no row for 宁乡市")
s.shot("dashboard")
if s.js("return document.querySelectorAll('#ranking tbody tr').length") < 2:
    fail("the dashboard ranks fewer than two cities")
if s.js("return document.querySelectorAll('#rates-chart rect').length") != 8:
    fail("the chart of the last four quarters has not two bars a quarter")
s.js("document.querySelector('#rates-chart').scrollIntoView()")
s.shot("dashboard-trend")
# The units that qualify for a notice, and a draft naming them in one step.
if s.js("return document.querySelectorAll('#qualifying tbody tr').length") < 1:
    fail("the dashboard lists no unit that qualifies for a notice")
s.type("#draft-from-qualifying input[name=title]", "关于报告和公示逾期问题的情况通报")
s.type("#draft-from-qualifying textarea[name=text]", "现将本季度报告和公示逾期情况通报如下。")
s.js("document.querySelector('#draft-from-qualifying select[name=kind]').value = 'situation'")
s.click("#draft-from-qualifying button")
r = s.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"drafting from the qualifying list: {r}")
s.go(sup.split("/login")[0] + "/dashboard")
s.click("a[href='/dashboard?of=hunan%2Fchangsha%2Fningxiang']")
if "宁乡市" not in s.text("h1"):
    fail("drill-down did not reach 宁乡市")
s.find("#agencies")
s.shot("dashboard-county")
code, csv = s.status(portal + "/dashboard.csv")
if code != 200 or "宁乡市" not in csv or not csv.lstrip("\ufeff").startswith('"地区"'):
    fail(f"the dashboard's CSV export: {code} {csv[:120]!r}")
code, text = s.status(portal + "/desk/case?id=abc")
if code != 400 or "查询参数" not in text:
    fail(f"a case id that is no number answered {code}")
s.go(portal + "/notices")
cards = s.js("return document.querySelectorAll('.notice-card').length")
s.type("#draft input[name=title]", "关于执法公示逾期问题的通报<script>alert(1)</script>")
s.type("#draft textarea[name=text]", "请于期限内整改并报送整改情况。\"'<b>x</b>")
s.type("#draft input[name=units]", "hunan/changsha/ningxiang#1")
s.js("document.querySelector('#draft select[name=kind]').value = 'rectification'")
s.click("#draft button")
r = s.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"drafting the notice: {r}")
OURS = ("[...document.querySelectorAll('.notice-card')]"
        ".filter(x => x.innerText.includes('执法公示逾期'))[0]")
scripts = s.js("return document.querySelectorAll('script').length")
if scripts != 1 or "<script>alert(1)</script>" not in s.js(f"return {OURS}.innerText"):
    fail("record text with <script> was not rendered as text")
# CSRF: without the token, or with another, nothing is drafted.
form = "kind=situation&title=t&text=t&units=hunan%2Fchangsha%2Fningxiang&request_id=999"
for body in [form, form + "&csrf=" + "0" * 32]:
    code, text = s.status(portal + "/notices/draft", "POST", body)
    if code not in (400, 403):
        fail(f"a form without its CSRF token answered {code}: {text[:200]}")
s.go(portal + "/notices")
if s.js("return document.querySelectorAll('.notice-card').length") != cards + 1:
    fail("a refused form changed something")
# A replayed sign-in link is refused.
code, text = s.status(sup)
if code != 403:
    fail(f"a replayed sign-in link answered {code}")
s.shot("notices-drafted")

# --- the provincial head signs it off ---
h = Browser()
h.go(head)
h.go(portal + "/notices")
h.find(".notice-card")
h.js(f"{OURS}.querySelector(\"form[action='/notices/sign'] button\").click()")
r = h.wait_text("#result", r".")
if not r.startswith("已完成") or "司通" not in r:
    fail(f"signing off: {r}")
print("  province: signed off:", r.replace("\n", " "))
h.quit()

# --- the county agency's clerk: a case and its steps; the inbox; the acknowledgement ---
c = Browser()
c.go(clerk)
c.find("#cases")
c.shot("desk")
c.click("#cases tbody tr a")
c.find("#steps")
if c.js("return document.querySelectorAll('#steps tbody tr').length") < 1:
    fail("the case page shows no steps")
c.shot("case")
c.go(county + "/notices")
c.wait_text("body", r"关于执法公示逾期问题的通报", wait=60, reload=True)
c.shot("county-inbox")
c.js("[...document.querySelectorAll('.inbox-card')].filter(x => x.innerText.includes('执法公示逾期'))[0]"
     ".querySelector('button').click()")
r = c.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"acknowledging: {r}")

# --- the county officer records a step from the case page's form; a refusal names its rule ---
o = Browser()
o.go(officer)
o.go(county + "/desk/case?id=1")
steps = o.js("return document.querySelectorAll('#steps tbody tr').length")
o.js("document.querySelector('#step-form').closest('details').open = true")
o.type("#step-form input[name=officers]", "1")
o.type("#step-form input[name=place]", "当事人经营场所")
o.js("document.querySelector('#step-form select[name=kind]').value = 'inspection'")
o.type("#step-form textarea[name=text]", "回访检查，整改到位。")
o.click("#step-form button")
r = o.wait_text("#result", r".")
if "LAW-2" not in r:
    fail(f"an inspection by one officer was not refused under LAW-2: {r}")
print("  county: refused as it should be:", r)
o.go(county + "/desk/case?id=1")
o.js("document.querySelector('#step-form').closest('details').open = true")
o.type("#step-form input[name=officers]", "1,2")
o.type("#step-form input[name=place]", "当事人经营场所")
o.js("document.querySelector('#step-form select[name=kind]').value = 'other'")
o.type("#step-form textarea[name=text]", "回访，当事人已整改。")
o.click("#step-form button")
r = o.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"recording a step: {r}")
o.go(county + "/desk/case?id=1")
if o.js("return document.querySelectorAll('#steps tbody tr').length") != steps + 1:
    fail("the recorded step is not on the case page")
o.shot("case-step-recorded")
o.quit()

# --- reports: the county bureau returns agency 1's quarterly report with reasons, the agency
# redrafts and submits it from the figures, the bureau accepts the new version ---
nsup = links["hunan/changsha/ningxiang bureau/supervisor-sup"]
AG = ("[...document.querySelectorAll('.report-card')].filter(x => x.dataset.unit =="
      " 'hunan/changsha/ningxiang#1' && x.querySelector('form.judge-report'))[0]")
b = Browser()
b.go(nsup)
b.go(county + "/reports")
if not b.js(f"return !!{AG}"):
    fail("the county bureau has no submitted report of agency 1 to accept or return")
b.js(f"{AG}.querySelector('input[name=reasons]').value = '未说明公示逾期的原因<script>alert(1)</script>'")
b.js(f"{AG}.querySelector('button[value=false]').click()")
r = b.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"returning the agency's report: {r}")
if b.js("return document.querySelectorAll('script').length") != 1:
    fail("the reasons of a return were rendered as markup")
# Hostile forms: no CSRF token, an agency that is no number, an oversized section, a unit
# that does not parse; each refused in words, and the returned report stays returned.
code, text = b.status(county + "/reports/judge", "POST", "unit=x&period=2026Q3&accept=true&request_id=5")
if code not in (400, 403):
    fail(f"a judgement without its CSRF token answered {code}")
tok = b.js("return document.querySelector('input[name=csrf]').value")
code, text = b.status(county + "/reports/draft", "POST",
                      f"csrf={tok}&request_id=77&period=2026Q3&agency=abc&done=x")
if code != 400 or "执法机关编号" not in text:
    fail(f"a report draft for agency 'abc' answered {code}")
code, text = b.status(county + "/reports/draft", "POST",
                      f"csrf={tok}&request_id=78&period=2026Q3&agency=&done=" + "x" * 70000)
if code not in (400, 413):
    fail(f"an oversized report draft answered {code}")
code, text = b.status(county + "/reports/judge", "POST",
                      f"csrf={tok}&request_id=79&unit=%3Cscript%3E&period=2026Q3&accept=true")
if "无法识别" not in text and "未通过（INPUT" not in text:
    fail(f"a judgement of a unit that is no region answered {code}: {text[:300]}")
if "&lt;script&gt;" not in text and "<script>" in text.split("</header>")[-1]:
    fail("the unit's text was echoed as markup")
code, text = b.status(county + "/reports/judge", "POST",
                      f"csrf={tok}&request_id=80&unit=hunan%2Fchangsha%2Fningxiang%231&period=2026Q3&accept=true")
if "未通过（SUP-1" not in text:
    fail(f"accepting a returned report was not refused under SUP-1: {text[:300]}")
code, text = b.status(county + "/desk/withdraw", "POST",
                      f"csrf={tok}&request_id=81&case=1&id=1&reason=x&changed_on=yesterday")
if code != 400 or "YYYY-MM-DD" not in text:
    fail(f"a withdrawal with a date that is no date answered {code}")
c.go(county + "/reports")
c.find("#draft-report")
if "已退回" not in c.text("body") or "未说明公示逾期的原因" not in c.text("body"):
    fail("the agency does not see its report returned with the reasons")
c.type("#draft-report textarea[name=done]", "补充说明：两件公示逾期系系统故障所致，已整改。")
c.type("#draft-report textarea[name=problems]", "个别公示逾期。")
c.click("#draft-report button[type=submit]")
r = c.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"redrafting the returned report: {r}")
c.js("[...document.querySelectorAll('.report-card')].filter(x => x.querySelector(\"form[action='/reports/submit']\"))[0]"
     ".querySelector('button').click()")
r = c.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"submitting the report: {r}")
c.shot("reports-agency")
c.quit()
b.go(county + "/reports")
if "第 2 版" not in b.js(f"return {AG}.innerText"):
    fail("the bureau does not see version 2 of the agency's report")
b.js(f"{AG}.querySelector('button[value=true]').click()")
r = b.wait_text("#result", r".")
if not r.startswith("已完成"):
    fail(f"accepting the report: {r}")
b.shot("reports-bureau")
b.quit()
print("  county: a report returned with reasons, redrafted, submitted and accepted")

# --- back at the province: acknowledged ---
end = time.time() + 60
while True:
    s.go(portal + "/notices")
    stage = s.js(f"return {OURS}.querySelector('td.stage').dataset.stage")
    if "acknowledged" in stage:
        break
    if time.time() > end:
        fail(f"the province never saw the acknowledgement: {stage}")
    time.sleep(1)
s.shot("province-acknowledged")
s.quit()
print("PASS web: portal verified and tampered proof failing; dashboard, drill-down, case and steps;"
      " notice drafted, signed off, delivered, acknowledged and seen at the province;"
      " a report returned, redrafted, submitted and accepted")
