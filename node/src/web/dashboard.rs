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

use super::export::{Cell, Table};
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

pub fn beijing(ms: i64) -> String {
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

/// Every table of the dashboard, as files offer them.
fn tables(view: &monitor::View, qualifying: &[crate::view::qualifying::Qualifying]) -> Vec<Table> {
    let mut out = vec![regions_table(view), agencies_table(view)];
    out.extend(list_tables(view, qualifying));
    out
}

fn regions_table(view: &monitor::View) -> Table {
    let regions = std::iter::once(&view.region)
        .chain(view.below.iter())
        .map(|r| {
            vec![
                Cell::from(r.name.as_str()),
                r.region.as_str().into(),
                r.reports.received.into(),
                r.reports.expected.into(),
                Cell::from(&r.reporting_rate),
                Cell::from(&r.on_time_rate),
                Cell::from(&r.publication_on_time_rate),
                r.publications_overdue.into(),
                r.reviews_overdue.into(),
                Cell::from(&r.reviewer_ratio),
                Cell::from(&r.correction_rate),
                r.decisions_major_refused.into(),
                (r.certificates_unchecked_enforcing + r.certificates_expired_enforcing).into(),
                r.open_notices.into(),
                r.link.as_ref().map_or(Cell::from("本级"), |l| {
                    Cell::from(beijing(l.last_heard_ms))
                }),
            ]
        })
        .collect();
    Table {
        name: "地区",
        file: "regions",
        headers: vec![
            "地区",
            "编号",
            "已报",
            "应报",
            "报送率",
            "按时率",
            "公示及时率",
            "超期未公示",
            "超期审核",
            "审核人员占比",
            "被纠错率",
            "重大决定被拒",
            "证件问题",
            "未办结通报",
            "最近收到",
        ],
        rows: regions,
    }
}

fn agencies_table(view: &monitor::View) -> Table {
    let agencies = view
        .agencies
        .iter()
        .map(|a| {
            vec![
                Cell::from(a.name.as_str()),
                a.unit.as_str().into(),
                a.officers.into(),
                a.reviewers.into(),
                a.decisions.into(),
                a.publications_on_time.into(),
                a.publications_late.into(),
                a.publications_overdue.into(),
                a.reviews_overdue.into(),
                a.corrected.into(),
                a.certificates_unchecked_enforcing.into(),
                a.decisions_major_refused.into(),
                a.report.clone().unwrap_or_else(|| "未报送".into()).into(),
            ]
        })
        .collect();
    Table {
        name: "执法单位",
        file: "agencies",
        headers: vec![
            "单位",
            "编号",
            "执法人员",
            "审核人员",
            "决定",
            "按时公示",
            "逾期公示",
            "超期未公示",
            "超期审核",
            "纠错",
            "未年审",
            "重大决定被拒",
            "本期报告",
        ],
        rows: agencies,
    }
}

fn list_tables(
    view: &monitor::View,
    qualifying: &[crate::view::qualifying::Qualifying],
) -> Vec<Table> {
    let overdue = view
        .overdue
        .iter()
        .map(|o| {
            vec![
                Cell::from(o.case_id),
                o.agency_id.into(),
                o.kind.as_str().into(),
                o.rules.join("；").into(),
            ]
        })
        .collect();
    let unchecked = view
        .unchecked_officers
        .iter()
        .map(|o| {
            vec![
                Cell::from(o.officer_id),
                o.name.as_str().into(),
                o.agency_id.into(),
                o.certificate.as_str().into(),
                i64::from(o.year).into(),
            ]
        })
        .collect();
    let notices = view
        .notices
        .iter()
        .map(|n| {
            vec![
                Cell::from(n.number.as_str()),
                n.kind.as_str().into(),
                n.title.as_str().into(),
                n.unit.as_str().into(),
                super::page::stage_words(&n.stage).into(),
                n.deadline.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    let qualifying = qualifying
        .iter()
        .map(|x| {
            vec![
                Cell::from(x.unit.as_str()),
                x.name.as_str().into(),
                super::page::qualifying_words(&x.reason).into(),
                x.detail.as_str().into(),
            ]
        })
        .collect();
    vec![
        Table {
            name: "超期事项",
            file: "overdue",
            headers: vec!["案件", "执法机关", "种类", "超期规则"],
            rows: overdue,
        },
        Table {
            name: "未年审人员",
            file: "unchecked",
            headers: vec!["人员编号", "姓名", "执法机关", "证号", "缺少年度"],
            rows: unchecked,
        },
        Table {
            name: "未办结通报",
            file: "notices",
            headers: vec!["文号", "种类", "标题", "单位", "阶段", "期限"],
            rows: notices,
        },
        Table {
            name: "符合通报条件",
            file: "qualifying",
            headers: vec!["单位", "名称", "情形", "详情"],
            rows: qualifying,
        },
    ]
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportOf {
    #[serde(default)]
    of: String,
    #[serde(default)]
    period: String,
    /// For CSV: which table (`regions`, `agencies`, `overdue`, `unchecked`, `notices`,
    /// `qualifying`).
    #[serde(default)]
    table: String,
}

async fn export(
    web: &Web,
    headers: &HeaderMap,
    peer: &Peer,
    q: ExportOf,
    format: &str,
) -> Result<axum::response::Response, WebError> {
    signed_in(web, headers, peer)?;
    let of = Of {
        of: q.of,
        period: q.period,
    };
    let view = read(web, &of)?;
    let qualifying = qualifying(web, &of);
    let stem = format!("monitor-{}", view.period.id);
    Ok(super::export::respond(
        tables(&view, &qualifying),
        format,
        &q.table,
        &stem,
    ))
}

/// `GET /dashboard.csv?of=REGION&period=ID&table=NAME`: one table of the dashboard as CSV.
pub async fn csv(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<ExportOf>,
) -> Result<axum::response::Response, WebError> {
    export(&web, &headers, &peer, q, "csv").await
}

/// `GET /dashboard.xlsx?of=REGION&period=ID`: every table of the dashboard, a sheet each.
pub async fn xlsx(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<ExportOf>,
) -> Result<axum::response::Response, WebError> {
    export(&web, &headers, &peer, q, "xlsx").await
}

fn qualifying(web: &Web, q: &Of) -> Vec<crate::view::qualifying::Qualifying> {
    let ctx = &web.ctx;
    ctx.sm
        .read(|s| {
            crate::view::qualifying::qualifying(
                &s.domain,
                &ctx.topology,
                &ctx.region,
                &q.of,
                &q.period,
            )
        })
        .unwrap_or_default()
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
    let qualifying = qualifying(&web, &q);
    let ctx = &web.ctx;
    let quarters = super::charts::quarters_to(&view.period.id, 4);
    let trend = ctx
        .sm
        .read(|s| monitor::rates_over(&s.domain, &ctx.topology, &ctx.region, &q.of, &quarters))?;
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
            a #export href={ "/dashboard.csv?of=" (urlencode(&q.of)) "&period=" (urlencode(&q.period)) } { "导出 CSV" } " · "
            a #export-xlsx href={ "/dashboard.xlsx?of=" (urlencode(&q.of)) "&period=" (urlencode(&q.period)) } { "导出 Excel（全部表格）" } }
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
        h2 { "趋势与排名" }
        div.charts {
            @if !trend.is_empty() { (super::charts::rates_chart(&trend)) }
            (super::charts::ranking(&view.below))
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
                    td data-stage=(n.stage) { (super::page::stage_words(&n.stage)) @if n.escalated { " " span.bad { "已督办" } } }
                    td { (n.deadline.clone().unwrap_or_default()) }
                } } } }
        }
        @if !qualifying.is_empty() {
            h2 { "符合通报条件的单位" }
            table #qualifying { thead { tr { th { "单位" } th { "名称" } th { "情形" } th { "详情" } } }
                tbody { @for x in &qualifying { tr { td { (x.unit) } td { (x.name) } td { (super::page::qualifying_words(&x.reason)) } td { (x.detail) } } } } }
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
