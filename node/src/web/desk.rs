//! The desk: the region's cases and a case's page (steps, review rounds, decision, time limits;
//! the party's private data as [`crate::view::query`] allows the viewer), and circulated
//! notices — those this region issued, with their progress per unit, and those it received —
//! with the forms to draft, sign off, answer and close them. Every form is a domain command
//! judged by the same rules as the CLI's; a refusal is shown with its rule.
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::page::{check_csrf, execute, form_ids, layout, signed_in, WebError};
use super::page::{F, Q};
use super::session::Viewer;
use super::{Peer, Web};
use crate::domain::command::cmd;
use crate::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply, INBOX, NOTICES};
use crate::domain::supervision::report::Unit;
use crate::domain::Command;
use crate::view::query::{self, QueryView};

/// A kind of enforcement power in Chinese.
pub fn power_label(k: crate::domain::PowerKind) -> &'static str {
    use crate::domain::PowerKind as P;
    match k {
        P::Licensing => "行政许可",
        P::Penalty => "行政处罚",
        P::Coercion => "行政强制",
        P::Inspection => "行政检查",
        P::Expropriation => "行政征收征用",
        P::Fee => "行政收费",
        P::Confirmation => "行政确认",
        P::Benefit => "行政给付",
        P::Adjudication => "行政裁决",
        P::Award => "行政奖励",
        P::Other => "其他",
    }
}

fn procedure_label(p: crate::domain::enforcement::model::Procedure) -> &'static str {
    match p {
        crate::domain::enforcement::model::Procedure::Summary => "简易程序",
        crate::domain::enforcement::model::Procedure::General => "一般程序",
    }
}

fn ids(list: &[u64]) -> String {
    list.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// `GET /desk`: the region's cases.
pub async fn cases(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    let list = case_list(&web, &v)?;
    let body = html! {
        h1 { "案件" }
        p.muted { a #export-cases href="/desk.csv" { "导出 CSV" } " · " a href="/desk.xlsx" { "导出 Excel" } }
        (super::forms::open_form(&web, &v))
        div.scroll { table #cases {
            thead { tr { th { "编号" } th { "执法机关" } th { "种类" } th { "程序" } th { "当事人" } th { "状态" } th.num { "环节" } th { "重大" } } }
            tbody { @for c in &list { tr {
                td { a href={ "/desk/case?id=" (c.id) } { (c.id) } }
                td { (c.agency_id) } td { (power_label(c.kind)) } td { (procedure_label(c.procedure)) }
                td { (c.party) } td { (c.state.label()) } td.num { (c.steps) }
                td { @if c.major == Some(true) { span.tag.warn { "重大" } } }
            } } }
        } }
    };
    Ok(Html(layout("案件", Some(&v), body).into_string()))
}

/// The region's cases as the viewer may see them.
fn case_list(web: &Web, v: &Viewer) -> Result<Vec<query::CaseLine>, WebError> {
    let list = web
        .ctx
        .sm
        .read(|s| query::run(&s.domain, &v.identity, "cases", 0))?;
    let QueryView::Cases(list) = list else {
        return Err(WebError::NotFound("cases".into()));
    };
    Ok(list)
}

/// `GET /desk.csv`, `GET /desk.xlsx`: the case list as a file.
pub async fn export(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    uri: axum::http::Uri,
) -> Result<axum::response::Response, WebError> {
    use super::export::{respond, Cell, Table};
    let v = signed_in(&web, &headers, &peer)?;
    let list = case_list(&web, &v)?;
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.id),
                c.agency_id.into(),
                power_label(c.kind).into(),
                procedure_label(c.procedure).into(),
                c.party.as_str().into(),
                c.state.label().into(),
                Cell::from(c.steps as u64),
                (if c.major == Some(true) { "重大" } else { "" }).into(),
            ]
        })
        .collect();
    let table = Table {
        name: "案件",
        file: "cases",
        headers: vec![
            "编号",
            "执法机关",
            "种类",
            "程序",
            "当事人",
            "状态",
            "环节",
            "重大",
        ],
        rows,
    };
    let format = if uri.path().ends_with(".xlsx") {
        "xlsx"
    } else {
        "csv"
    };
    Ok(respond(vec![table], format, "", "cases"))
}

#[derive(Debug, Deserialize)]
pub struct Id {
    id: u64,
}

/// `GET /desk/case?id=N`: a case with its steps, review rounds and decision.
pub async fn case(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    Q(q): Q<Id>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    let (c, steps, pubs) = web.ctx.sm.read(|s| {
        let c = query::run_logged(&s.domain, &v.identity, "case", q.id)?;
        let st = query::run(&s.domain, &v.identity, "steps", q.id)?;
        let p = query::run(&s.domain, &v.identity, "publications", q.id)?;
        Ok::<_, crate::view::ViewError>((c, st, p))
    })?;
    let (QueryView::Case(c), QueryView::Steps(steps), QueryView::Publications(pubs)) =
        (c, steps, pubs)
    else {
        return Err(WebError::NotFound(format!("案件 {}", q.id)));
    };
    let body = html! {
        h1 { "案件 " (c.id) "：" (c.summary) " " span.tag { (c.state.label()) } }
        div.card {
            p { "执法机关 " (c.agency_id) " · " (power_label(c.kind)) " · " (procedure_label(c.procedure)) " · 涉案金额 " (c.amount_fen / 100) " 元" }
            p { "当事人：" (c.party.name) " · 电话 " span #party-phone { (c.party.phone) } " · 地址 " (c.party.address) }
            @if !c.overdue.is_empty() { p.bad { "超期：" (c.overdue.join("；")) } }
        }
        h2 { "执法环节" }
        table #steps { thead { tr { th { "编号" } th { "环节" } th { "执法人员" } th { "地点" } th { "记录" } th { "标记" } } }
            tbody { @for s in &steps { tr {
                td { (s.id) @if let Some(x) = s.corrects { br; span.muted { "更正 " (x) } } }
                td { (s.kind.label()) } td { (ids(&s.officers)) } td { (s.place) }
                td.pub-text { (s.text) } td { (s.flags.join("；")) }
            } } } }
        h2 { "法制审核" }
        @if c.reviews.is_empty() { p.muted { "未提交审核" } }
        @for (i, r) in c.reviews.iter().enumerate() {
            div.card { "第 " (i + 1) " 轮：" (r.submitted_by) " 提交，拟决定金额 " (r.proposed_fen / 100) " 元；意见 "
                (r.opinion.map(opinion_label).unwrap_or("待审核")) " " (r.reasons) }
        }
        @if let Some(d) = &c.decision {
            h2 { "决定" }
            div.card #decision {
                p { "文号：" strong { (d.document_number) } " · 罚没金额 " (d.amount_fen / 100) " 元 · 公示期限 " (d.publish_by) }
                p { @for p in &d.penalties { span.tag { (p.kind.label()) @if p.amount_fen > 0 { " " (p.amount_fen / 100) " 元" } " " (p.detail) } " " } }
                p.pub-text { (d.text) }
            }
        }
        (super::forms::case_forms(&web, &v, c.id))
        @if c.decision.is_some() { (super::forms::publication_forms(&web, &v, c.id, &pubs)) }
    };
    Ok(Html(layout("案件", Some(&v), body).into_string()))
}

fn opinion_label(o: crate::domain::enforcement::model::Opinion) -> &'static str {
    use crate::domain::enforcement::model::Opinion as O;
    match o {
        O::Approve => "同意",
        O::Modify => "变更",
        O::Correct => "纠正",
        O::Supplement => "补充材料",
        O::Transfer => "移送",
    }
}

/// `GET /notices`: the notices this region issued (with a draft form) and those it received.
pub async fn notices(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    let body = notices_page(&web, &v, html! {})?;
    Ok(Html(layout("通报", Some(&v), body).into_string()))
}

fn notices_page(web: &Web, v: &Viewer, result: Markup) -> Result<Markup, WebError> {
    let (issued, inbox) = web.ctx.sm.read(|s| {
        let issued: Vec<_> = NOTICES.scan_from(&s.domain, &0).collect::<Result<_, _>>()?;
        let inbox: Vec<_> = INBOX
            .scan_from(&s.domain, &(String::new(), String::new(), 0))
            .collect::<Result<_, _>>()?;
        Ok::<_, crate::domain::DomainError>((issued, inbox))
    })?;
    Ok(html! {
        h1 { "通报" }
        (result)
        h2 { "本级发出的通报" }
        @if issued.is_empty() { p.muted { "暂无" } }
        @for n in &issued {
            div.card.notice-card data-id=(n.id) {
                p { strong { (n.number.clone().unwrap_or_else(|| "（未签发）".into())) } " " (n.draft.kind.label()) "：" (n.draft.title) }
                p.pub-text { (n.draft.text) }
                @if n.number.is_none() {
                    form method="post" action="/notices/sign" {
                        (form_ids(web, v))
                        input type="hidden" name="id" value=(n.id);
                        label { "文号前缀" } input type="text" name="prefix" value="司通";
                        button type="submit" { "签发" }
                    }
                }
                table { thead { tr { th { "单位" } th { "阶段" } th { "操作" } } }
                    tbody { @for (unit, p) in &n.units { tr {
                        td { (unit) } td.stage data-stage=(p.stage.as_str()) { (p.stage.label()) @if p.escalated { " " span.bad { "已督办" } } }
                        td { @if n.number.is_some() {
                            form.inline method="post" action="/notices/judge" {
                                (form_ids(web, v))
                                input type="hidden" name="id" value=(n.id);
                                input type="hidden" name="unit" value=(unit);
                                input type="hidden" name="close" value="true";
                                button.secondary type="submit" { "办结" }
                            }
                        } }
                    } } }
                }
            }
        }
        h2 { "起草通报" }
        form.card #draft method="post" action="/notices/draft" {
            (form_ids(web, v))
            label { "种类" }
            select name="kind" { @for k in NoticeKind::ALL { option value=(k.as_str()) { (k.label()) } } }
            label { "标题" } input type="text" name="title";
            label { "正文" } textarea name="text" {}
            label { "被通报单位（地区，或 地区#执法机关编号；多个用逗号分隔）" } input type="text" name="units";
            label { "整改期限（可选）" } input type="date" name="deadline";
            button type="submit" { "保存草稿" }
        }
        h2 { "收到的通报" }
        @if inbox.is_empty() { p.muted { "暂无" } }
        @for i in &inbox {
            div.card.inbox-card {
                p { strong { (i.doc.number) } " " (i.doc.kind.label()) "：" (i.doc.title) " · 发文 " (i.doc.issuer) " · 单位 " (i.doc.unit.key()) " · 阶段 " span.stage data-stage=(i.progress.stage.as_str()) { (i.progress.stage.label()) } }
                p.pub-text { (i.doc.text) }
                form method="post" action="/notices/answer" {
                    (form_ids(web, v))
                    input type="hidden" name="issuer" value=(i.doc.issuer);
                    input type="hidden" name="id" value=(i.doc.id);
                    input type="hidden" name="unit" value=(i.doc.unit.key());
                    label { "整改情况（签收时留空）" } textarea name="rectification" {}
                    button type="submit" { "签收 / 报送整改情况" }
                }
            }
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    csrf: String,
    request_id: u64,
    kind: String,
    title: String,
    text: String,
    units: String,
    #[serde(default)]
    deadline: String,
    /// The findings the notice rests on, one a line (from the qualifying list).
    #[serde(default)]
    basis: String,
}

fn units(s: &str) -> Result<Vec<Unit>, WebError> {
    s.split([',', '，'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(unit)
        .collect()
}

/// A unit as a form names it: `region` or `region#agency`.
pub fn unit(s: &str) -> Result<Unit, WebError> {
    Unit::parse(s).ok_or_else(|| WebError::Input(format!("单位 {s} 无法识别")))
}

async fn done(
    web: &Web,
    v: &Viewer,
    request_id: u64,
    c: Command,
) -> Result<Html<String>, WebError> {
    let result = execute(web, v, request_id, c).await;
    let body = notices_page(web, v, result)?;
    Ok(Html(layout("通报", Some(v), body).into_string()))
}

/// `POST /notices/draft`.
pub async fn draft(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<DraftForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let kind =
        NoticeKind::parse(&f.kind).ok_or_else(|| WebError::Input("通报种类无法识别".into()))?;
    let deadline = match f.deadline.as_str() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| WebError::Input("整改期限应为 YYYY-MM-DD".into()))?,
        ),
    };
    let d = NoticeDraft {
        kind,
        title: f.title,
        text: f.text,
        units: units(&f.units)?,
        persons: vec![],
        deadline,
        basis: f
            .basis
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    };
    done(&web, &v, f.request_id, Command::DraftNotice(d)).await
}

#[derive(Debug, Deserialize)]
pub struct SignForm {
    csrf: String,
    request_id: u64,
    id: u64,
    prefix: String,
}

/// `POST /notices/sign`.
pub async fn sign(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<SignForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let c = cmd::SignNotice {
        id: f.id,
        prefix: f.prefix,
    };
    done(&web, &v, f.request_id, Command::SignNotice(c)).await
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    csrf: String,
    request_id: u64,
    issuer: String,
    id: u64,
    unit: String,
    #[serde(default)]
    rectification: String,
}

/// `POST /notices/answer`: acknowledgement (no text) or rectification.
pub async fn answer(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<AnswerForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let unit = unit(&f.unit)?;
    let reply = match f.rectification.trim() {
        "" => Reply::Acknowledge,
        t => Reply::Rectification {
            text: t.to_string(),
        },
    };
    let c = cmd::AnswerNotice {
        issuer: f.issuer,
        id: f.id,
        unit,
        reply,
    };
    done(&web, &v, f.request_id, Command::AnswerNotice(c)).await
}

#[derive(Debug, Deserialize)]
pub struct JudgeForm {
    csrf: String,
    request_id: u64,
    id: u64,
    unit: String,
    close: bool,
    #[serde(default)]
    reasons: String,
}

/// `POST /notices/judge`: close a unit's notice, or return its rectification.
pub async fn judge(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(f): F<JudgeForm>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(&web, &headers, &peer)?;
    check_csrf(&v, &f.csrf)?;
    let unit = unit(&f.unit)?;
    let c = cmd::JudgeNotice {
        id: f.id,
        unit,
        close: f.close,
        reasons: f.reasons,
    };
    done(&web, &v, f.request_id, Command::JudgeNotice(c)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_of_a_notice_form_parse_and_bad_ones_are_named() {
        let u = units("hunan/changsha，hunan/changsha/ningxiang#1, ").unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[1].agency, Some(1));
        match units("hunan#x") {
            Err(WebError::Input(m)) => assert!(m.contains("hunan#x")),
            other => panic!("{other:?}"),
        }
    }
}
