//! The supervisor's dashboard: [`crate::view::monitor`] as a page — a row per region below
//! with its rates, colour-coded; drill down to a region's agencies, overdue cases and open
//! notices; the officers who may not act for want of the annual check.
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::page::Q;
use super::page::{layout, signed_in, WebError};
use super::portal::urlencode;
use super::{Peer, Web};
use crate::view::monitor::{self, Ratio, RegionRow};

#[derive(Debug, Default, Deserialize)]
pub struct Of {
    /// The region to look at (the viewer's own, or one below it).
    #[serde(default)]
    of: String,
    #[serde(default)]
    period: String,
}

/// A ratio as a percentage, coloured: green from `good`, red under `bad` (per mille).
fn rate(r: &Ratio, good: i64, bad: i64) -> Markup {
    match r.permille {
        None => html! { span.muted { "—" } },
        Some(p) => {
            let class = if p >= good {
                "ok"
            } else if p < bad {
                "bad"
            } else {
                "warn"
            };
            html! { span class=(class) title={ (r.num) " / " (r.den) } { (p / 10) "." (p % 10) "%" } }
        }
    }
}

/// A count that should be zero: red when it is not.
fn zero(n: i64) -> Markup {
    if n > 0 {
        html! { span.bad { (n) } }
    } else {
        html! { span.ok { "0" } }
    }
}

fn beijing(ms: i64) -> String {
    if ms == 0 {
        return "从未".into();
    }
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            (t + chrono::Duration::hours(8))
                .format("%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn row(r: &RegionRow) -> Markup {
    let link = r.link.clone();
    html! {
        tr {
            td { @for _ in 0..r.depth { "　" } a href={ "/dashboard?of=" (urlencode(&r.region)) } { (r.name) } br; span.muted { (r.region) } }
            td.num { (r.reports.received) " / " (r.reports.expected) }
            td.num { (rate(&r.reporting_rate, 950, 800)) }
            td.num { (rate(&r.on_time_rate, 950, 800)) }
            td.num { (rate(&r.publication_on_time_rate, 950, 800)) }
            td.num { (zero(r.publications_overdue)) }
            td.num { (zero(r.reviews_overdue)) }
            td.num { (rate(&r.reviewer_ratio, 50, 50)) }
            td.num { (match r.correction_rate.permille { None => html!{ span.muted { "—" } }, Some(p) => html!{ span class=(if p > 50 { "bad" } else { "ok" }) { (p / 10) "." (p % 10) "%" } } }) }
            td.num { (zero(r.decisions_major_refused)) }
            td.num { (zero(r.certificates_unchecked_enforcing + r.certificates_expired_enforcing)) }
            td.num { (r.open_notices) }
            td {
                @match &link {
                    None => span.muted { "本级" },
                    Some(l) => {
                        @if l.alerts > 0 { span.bad { "⚠ 告警 " (l.alerts) } }
                        @else if l.head_size > 0 && l.unproven == 0 { span.ok { "已验证" } }
                        @else { span.warn { "未验证" } }
                        br; span.muted { "最近 " (beijing(l.last_heard_ms)) " · 积压 " (l.backlog) }
                    }
                }
            }
        }
    }
}

/// A CSV cell: quoted, and a leading `= + - @` neutralised so a spreadsheet never runs it as a
/// formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn pct(r: &Ratio) -> String {
    r.permille
        .map(|p| format!("{}.{}%", p / 10, p % 10))
        .unwrap_or_default()
}

/// `GET /dashboard.csv?of=REGION&period=ID`: the table of regions as CSV (UTF-8 with a byte
/// order mark, so spreadsheet programs read the Chinese).
pub async fn csv(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<Of>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    signed_in(&web, &headers, &peer)?;
    let view = read(&web, &q)?;
    let mut out = String::from("\u{feff}");
    out.push_str("地区,编号,已报,应报,报送率,按时率,公示及时率,超期未公示,超期审核,审核人员占比,被纠错率,重大决定被拒,证件问题,未办结通报\r\n");
    for r in std::iter::once(&view.region).chain(view.below.iter()) {
        let cols = [
            cell(&r.name),
            cell(&r.region),
            r.reports.received.to_string(),
            r.reports.expected.to_string(),
            pct(&r.reporting_rate),
            pct(&r.on_time_rate),
            pct(&r.publication_on_time_rate),
            r.publications_overdue.to_string(),
            r.reviews_overdue.to_string(),
            pct(&r.reviewer_ratio),
            pct(&r.correction_rate),
            r.decisions_major_refused.to_string(),
            (r.certificates_unchecked_enforcing + r.certificates_expired_enforcing).to_string(),
            r.open_notices.to_string(),
        ];
        out.push_str(&cols.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"monitor.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

fn read(web: &Web, q: &Of) -> Result<monitor::View, WebError> {
    if q.of.len() > 200 || q.period.len() > 40 {
        return Err(WebError::Input("地区或期间过长".into()));
    }
    let ctx = &web.ctx;
    ctx.sm
        .read(|s| monitor::view(&s.domain, &ctx.topology, &ctx.region, &q.of, &q.period))
        .map_err(|e| match e {
            crate::view::ViewError::Input(m) | crate::view::ViewError::NotFound(m) => {
                WebError::Forbidden(m)
            }
            other => WebError::View(other),
        })
}

/// `GET /dashboard?of=REGION&period=ID`.
pub async fn show(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<Of>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    let view = read(&web, &q)?;
    let ctx = &web.ctx;
    let qualifying = ctx
        .sm
        .read(|s| {
            crate::view::qualifying::qualifying(
                &s.domain,
                &ctx.topology,
                &ctx.region,
                &q.of,
                &q.period,
            )
        })
        .unwrap_or_default();
    let mut units: Vec<&str> = qualifying.iter().map(|x| x.unit.as_str()).collect();
    units.sort_unstable();
    units.dedup();
    let units = units.join(",");
    let basis: String = qualifying
        .iter()
        .map(|x| format!("{}：{}", x.name, x.detail))
        .collect::<Vec<_>>()
        .join("\n");
    let body = html! {
        h1 { "监督看板：" (view.region.name) " " span.muted { (view.period.id) " · 截止 " (view.period.due) } }
        p.muted { "每行是一个地区及其全部下级的合计；点击地区名称逐级下钻。颜色：绿色达标，橙色需关注，红色异常。 "
            a #export href={ "/dashboard.csv?of=" (urlencode(&q.of)) "&period=" (urlencode(&q.period)) } { "导出 CSV" } }
        div.scroll {
            table #regions {
                thead { tr {
                    th { "地区" } th.num { "报告 已报/应报" } th.num { "报送率" } th.num { "按时率" }
                    th.num { "公示及时率" } th.num { "超期未公示" } th.num { "超期审核" } th.num { "审核人员占比" }
                    th.num { "被纠错率" } th.num { "重大决定被拒" } th.num { "证件问题" } th.num { "未办结通报" } th { "链路" }
                } }
                tbody {
                    (row(&view.region))
                    @for r in &view.below { (row(r)) }
                }
            }
        }
        @if !view.region.reports.missing.is_empty() || !view.region.reports.late.is_empty() {
            div.card {
                @if !view.region.reports.missing.is_empty() { p { span.bad { "未报送：" } (view.region.reports.missing.join("、")) } }
                @if !view.region.reports.late.is_empty() { p { span.warn { "逾期报送：" } (view.region.reports.late.join("、")) } }
            }
        }
        @if !view.agencies.is_empty() {
            h2 { "执法单位" }
            div.scroll { table #agencies {
                thead { tr { th { "单位" } th.num { "执法人员" } th.num { "审核人员" } th.num { "决定" } th.num { "公示 及时/逾期/超期" } th.num { "超期审核" } th.num { "纠错" } th.num { "未年审" } th.num { "重大决定被拒" } th { "本期报告" } } }
                tbody { @for a in &view.agencies { tr {
                    td { (a.name) br; span.muted { (a.unit) } }
                    td.num { (a.officers) } td.num { (a.reviewers) } td.num { (a.decisions) }
                    td.num { (a.publications_on_time) " / " (a.publications_late) " / " (zero(a.publications_overdue)) }
                    td.num { (zero(a.reviews_overdue)) } td.num { (a.corrected) }
                    td.num { (zero(a.certificates_unchecked_enforcing)) } td.num { (zero(a.decisions_major_refused)) }
                    td { (a.report.clone().unwrap_or_else(|| "未报送".into())) }
                } } }
            } }
        }
        @if !view.overdue.is_empty() {
            h2 { "超期事项" }
            table #overdue { thead { tr { th { "案件" } th { "单位" } th { "种类" } th { "超期规则" } } }
                tbody { @for o in &view.overdue { tr { td { (o.case_id) } td { (o.agency_id) } td { (o.kind) } td { (o.rules.join("；")) } } } } }
        }
        @if !view.unchecked_officers.is_empty() {
            h2 { "未通过上年度年审、暂不得执法的人员" }
            table #unchecked { thead { tr { th { "人员" } th { "单位" } th { "证号" } th { "缺少年度" } } }
                tbody { @for o in &view.unchecked_officers { tr { td { (o.officer_id) " " (o.name) } td { (o.agency_id) } td { (o.certificate) } td { (o.year) } } } } }
        }
        @if !view.notices.is_empty() {
            h2 { "未办结通报" }
            table #open-notices { thead { tr { th { "文号" } th { "种类" } th { "标题" } th { "单位" } th { "阶段" } th { "期限" } } }
                tbody { @for n in &view.notices { tr {
                    td { (n.number) } td { (n.kind) } td { (n.title) } td { (n.unit) }
                    td { (n.stage) @if n.escalated { " " span.bad { "已督办" } } }
                    td { (n.deadline.clone().unwrap_or_default()) }
                } } } }
        }
        @if !qualifying.is_empty() {
            h2 { "符合通报条件的单位" }
            table #qualifying { thead { tr { th { "单位" } th { "名称" } th { "情形" } th { "详情" } } }
                tbody { @for x in &qualifying { tr { td { (x.unit) } td { (x.name) } td { (x.reason) } td { (x.detail) } } } } }
            form.card #draft-from-qualifying method="post" action="/notices/draft" {
                (super::page::form_ids(&web, &v))
                input type="hidden" name="units" value=(units);
                input type="hidden" name="basis" value=(basis);
                label { "种类" } select name="kind" { @for k in crate::domain::supervision::notice::NoticeKind::ALL { option value=(k.as_str()) { (k.label()) } } }
                label { "标题" } input type="text" name="title";
                label { "正文" } textarea name="text" {}
                label { "整改期限（可选）" } input type="date" name="deadline";
                button type="submit" { "就以上单位起草通报" }
            }
        }
        @if !view.disagreements.is_empty() {
            h2 { "数据不一致" }
            ul { @for d in &view.disagreements { li.bad { (d) } } }
        }
        p.muted { "数据时间：" (beijing(view.as_of_ms)) "（本节点已应用的记录）。通报的起草、签发和答复见 " a href="/notices" { "通报" } "。" }
    };
    Ok(Html(layout("监督看板", Some(&v), body).into_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("浏阳市"), "\"浏阳市\"");
        assert_eq!(cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "\"'+1\"");
    }
}
