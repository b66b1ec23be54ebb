//! Progress reports (SUP-1, SUP-3) as pages: the unit's own reports — drafted with the period's
//! figures in view, submitted (the figures are filled from the records at that moment) — and
//! the reports received from this region's agencies and from its direct child regions, each
//! accepted or returned with reasons. Every form is the CLI's command, judged by the same rules.
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::page::{check_csrf, execute, form_ids, layout, signed_in, WebError, F, Q};
use super::session::Viewer;
use super::{Peer, Web};
use crate::domain::calendar::days::date_of;
use crate::domain::command::cmd;
use crate::domain::core::identity::Organ;
use crate::domain::core::region::parent_of;
use crate::domain::core::state::{CLOCK, META};
use crate::domain::supervision::report::{
    figures_by_agency, period, previous_quarter, DraftReport, Narrative, Report, ReportState,
    HELD_REPORTS, PERIODS, REPORTS,
};
use crate::domain::Command;
use crate::pki::Identity;

/// A figure of a report in Chinese.
pub fn figure_label(k: &str) -> &str {
    match k {
        "cases_opened" => "立案",
        "decisions" => "作出决定",
        "major_decisions" => "重大执法决定",
        "reviewed_decisions" => "经法制审核的决定",
        "challenged" => "复议诉讼办结",
        "corrected" => "被纠错",
        "overdue_now" => "当前超期案件",
        "published_on_time" => "按时公示",
        "published_late" => "逾期公示",
        other => other,
    }
}

fn state_label(s: &ReportState) -> Markup {
    match s {
        ReportState::Draft => html! { span.tag { "草稿" } },
        ReportState::Submitted => html! { span.tag.warn { "已报送，待接收" } },
        ReportState::Accepted => html! { span.tag.ok { "已接收" } },
        ReportState::Returned { reasons } => {
            html! { span.tag.bad { "已退回" } " " span.muted { "理由：" (reasons) } }
        }
    }
}

/// The figures in the order a report reads them; any other after.
const ORDER: [&str; 9] = [
    "cases_opened",
    "decisions",
    "major_decisions",
    "reviewed_decisions",
    "published_on_time",
    "published_late",
    "challenged",
    "corrected",
    "overdue_now",
];

fn figures(f: &BTreeMap<String, i64>) -> Markup {
    let rank = |k: &str| ORDER.iter().position(|x| *x == k).unwrap_or(ORDER.len());
    let mut list: Vec<(&String, &i64)> = f.iter().collect();
    list.sort_by_key(|(k, _)| rank(k));
    html! {
        @if f.is_empty() { span.muted { "（报送时按记录自动填写）" } }
        @else { table.figures { tbody { @for (k, n) in list { tr { td { (figure_label(k)) } td.num { (n) } } } } } }
    }
}

fn report_card(r: &Report, extra: Markup) -> Markup {
    html! {
        div.card.report-card data-unit=(r.unit.key()) data-period=(r.period) {
            p { strong { (r.unit.key()) } " · " (r.period) " · 第 " (r.version) " 版 · " (state_label(&r.state))
                " · 截止 " (r.due)
                @if let Some(ms) = r.submitted_ms { " · " @if r.submitted_on_time() { span.ok { "按时报送" } } @else { span.bad { "逾期报送" } } " " span.muted { (super::dashboard::beijing(ms)) } } }
            p.muted { "起草 " (r.drafted_by) @if let Some(b) = &r.submitted_by { " · 报送 " (b) } @if let Some(b) = &r.judged_by { " · 处理 " (b) } }
            (figures(&r.figures))
            @for (title, text) in [("工作开展情况", &r.narrative.done), ("取得成效", &r.narrative.results), ("存在问题及原因", &r.narrative.problems), ("下一步措施", &r.narrative.measures), ("意见建议", &r.narrative.suggestions)] {
                @if !text.is_empty() { p { strong { (title) "：" } span.pub-text { (text) } } }
            }
            (extra)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Of {
    /// The period the draft form and the figures are for (default: the last quarter).
    #[serde(default)]
    period: String,
}

/// The organ the viewer reports for: an agency's person its agency, a bureau's its region.
fn own_agency(v: &Viewer) -> Option<u64> {
    match &v.identity {
        Identity::Person {
            organ: Organ::Agency(a),
            ..
        } => Some(*a),
        _ => None,
    }
}

struct Data {
    period_id: String,
    period: Result<crate::domain::supervision::report::Period, String>,
    preview: BTreeMap<String, i64>,
    own: Vec<Report>,
    received: Vec<crate::domain::supervision::report::HeldReport>,
    periods: Vec<String>,
}

fn read(web: &Web, v: &Viewer, period_id: &str) -> Result<Data, WebError> {
    if period_id.len() > 40 {
        return Err(WebError::Input("期间过长".into()));
    }
    let agency = own_agency(v);
    Ok(web.ctx.sm.read(|s| {
        let st = &s.domain;
        let today = META
            .read(st, CLOCK)?
            .and_then(|ms| date_of(ms).ok())
            .unwrap_or_default();
        let period_id = match period_id.trim() {
            "" => previous_quarter(today),
            p => p.to_string(),
        };
        let period = period(st, &period_id).map_err(|e| e.to_string());
        let mut preview = BTreeMap::new();
        if let Ok(p) = &period {
            for (a, f) in figures_by_agency(st, p.start, p.end)? {
                if agency.is_none_or(|x| x == a) {
                    for (k, n) in f {
                        *preview.entry(k).or_insert(0) += n;
                    }
                }
            }
        }
        let mut own: Vec<Report> = REPORTS
            .scan_from(st, &0)
            .filter(|r| {
                r.as_ref()
                    .map_or(true, |r| agency.is_none() || r.unit.agency == agency)
            })
            .collect::<Result<_, _>>()?;
        own.reverse();
        let received = if agency.is_none() {
            HELD_REPORTS
                .scan_from(st, &(String::new(), String::new()))
                .collect::<Result<_, _>>()?
        } else {
            Vec::new()
        };
        let periods = PERIODS
            .scan_from(st, "")
            .map(|p| p.map(|p| p.id))
            .collect::<Result<_, _>>()?;
        Ok::<_, crate::domain::DomainError>(Data {
            period_id,
            period,
            preview,
            own,
            received,
            periods,
        })
    })?)
}

fn page(web: &Web, v: &Viewer, period_id: &str, result: Markup) -> Result<Markup, WebError> {
    let d = read(web, v, period_id)?;
    let agency = own_agency(v);
    let region = &web.ctx.region;
    // The agency reports of this region waiting for the bureau, then everything else.
    let to_judge: Vec<&Report> = if agency.is_none() {
        d.own
            .iter()
            .filter(|r| r.unit.agency.is_some() && r.state == ReportState::Submitted)
            .collect()
    } else {
        Vec::new()
    };
    Ok(html! {
        h1 { "进展报告" }
        (result)
        @if agency.is_none() {
            h2 { "收到的报告" }
            p.muted { "本地区执法机关报送的报告，以及直接下级地区报送的报告；由监督人员、行政执法监督人员或负责人接收或退回。" }
            @if to_judge.is_empty() && d.received.is_empty() { p.muted { "暂无" } }
            @for r in &to_judge { (report_card(r, judge_form(web, v, r))) }
            @for h in &d.received {
                @let direct = parent_of(&h.report.unit.region) == Some(region.as_str());
                (report_card(&h.report, html! {
                    p.muted { "来源 " (h.origin) " · 本级收到 " (super::dashboard::beijing(h.received_ms))
                        @if h.needs_judgement(h.report.due) { " · " span.warn { "截止前报送、截止后收到：请判定是否按时" } } }
                    @if direct { (judge_form(web, v, &h.report)) }
                }))
            }
        }
        h2 { "本单位的报告" }
        @if d.own.is_empty() { p.muted { "暂无" } }
        @for r in d.own.iter().filter(|r| agency.is_some() || r.unit.agency.is_none()) {
            (report_card(r, html! {
                @if r.state == ReportState::Draft {
                    form method="post" action="/reports/submit" {
                        (form_ids(web, v))
                        input type="hidden" name="id" value=(r.id);
                        button type="submit" { "报送" }
                    }
                }
            }))
        }
        h2 { "起草本单位报告" }
        form.search method="get" action="/reports" {
            div.field { label { "报告期间（季度写作 2026Q3，或已设定的阶段性报告）" } input type="text" name="period" value=(d.period_id); }
            button.secondary type="submit" { "查看该期数据" }
        }
        @if !d.periods.is_empty() { p.muted { "已设定的阶段性报告：" (d.periods.join("、")) } }
        @match &d.period {
            Err(e) => div.notice.bad { "该期间无法使用：" (e) },
            Ok(p) => div.card #draft-report {
                p { strong { (p.title) } " · " (p.start) " 至 " (p.end) " · 报送截止 " (p.due) }
                p.muted { "本期记录中的数据（报送时按当时的记录填入报告）：" }
                (figures(&d.preview))
                form method="post" action="/reports/draft" {
                    (form_ids(web, v))
                    input type="hidden" name="period" value=(p.id);
                    @match agency {
                        Some(a) => { input type="hidden" name="agency" value=(a); p { "报告单位：执法机关 " (a) } }
                        None => { input type="hidden" name="agency" value=""; p { "报告单位：本级司法局（报送时汇总本地区各执法机关的数据和已报送的报告）" } }
                    }
                    label { "工作开展情况（必填）" } textarea name="done" {}
                    label { "取得成效" } textarea name="results" {}
                    label { "存在问题及原因" } textarea name="problems" {}
                    label { "下一步措施" } textarea name="measures" {}
                    label { "意见建议" } textarea name="suggestions" {}
                    label { "抄送同级政府（可选，多个用逗号分隔）" } input type="text" name="copies_to";
                    button type="submit" { "保存草稿" }
                }
            },
        }
    })
}

fn judge_form(web: &Web, v: &Viewer, r: &Report) -> Markup {
    if r.state != ReportState::Submitted {
        return html! {};
    }
    html! {
        form.judge-report method="post" action="/reports/judge" {
            (form_ids(web, v))
            input type="hidden" name="unit" value=(r.unit.key());
            input type="hidden" name="period" value=(r.period);
            label { "退回理由（接收时留空）" } input type="text" name="reasons";
            button type="submit" name="accept" value="true" { "接收" } " "
            button.secondary type="submit" name="accept" value="false" { "退回" }
        }
    }
}

/// `GET /reports?period=ID`.
pub async fn show(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<Of>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    let body = page(&web, &v, &q.period, html! {})?;
    Ok(Html(layout("进展报告", Some(&v), body).into_string()))
}

async fn done(
    web: &Web,
    v: &Viewer,
    request_id: u64,
    period_id: &str,
    c: Command,
) -> Result<Html<String>, WebError> {
    let result = execute(web, v, request_id, c).await;
    let body = page(web, v, period_id, result)?;
    Ok(Html(layout("进展报告", Some(v), body).into_string()))
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    csrf: String,
    request_id: u64,
    period: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    results: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    suggestions: String,
    #[serde(default)]
    copies_to: String,
}

/// `POST /reports/draft`: create or replace the draft (a returned report is redrafted as a new
/// version).
pub async fn draft(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<DraftForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let agency = match f.agency.trim() {
        "" => None,
        a => Some(
            a.parse::<u64>()
                .map_err(|_| WebError::Input("报告单位应为执法机关编号".into()))?,
        ),
    };
    let d = DraftReport {
        agency,
        period: f.period.trim().to_string(),
        narrative: Narrative {
            done: f.done,
            results: f.results,
            problems: f.problems,
            measures: f.measures,
            suggestions: f.suggestions,
        },
        attachments: vec![],
        copies_to: f
            .copies_to
            .split([',', '，'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let period = d.period.clone();
    done(&web, &v, f.request_id, &period, Command::DraftReport(d)).await
}

#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    csrf: String,
    request_id: u64,
    id: u64,
}

/// `POST /reports/submit`.
pub async fn submit(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<SubmitForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let c = Command::SubmitReport(cmd::SubmitReport { id: f.id });
    done(&web, &v, f.request_id, "", c).await
}

#[derive(Debug, Deserialize)]
pub struct JudgeForm {
    csrf: String,
    request_id: u64,
    unit: String,
    period: String,
    accept: bool,
    #[serde(default)]
    reasons: String,
}

/// `POST /reports/judge`: accept, or return with reasons.
pub async fn judge(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<JudgeForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let unit = super::desk::unit(&f.unit)?;
    let c = Command::JudgeReport(cmd::JudgeReport {
        unit,
        period: f.period.clone(),
        accept: f.accept,
        reasons: f.reasons,
    });
    done(&web, &v, f.request_id, &f.period, c).await
}
