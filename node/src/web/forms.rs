//! The desk's case forms — open a case, record a step (with the service mode, execution mode or
//! closure reason at the end of the case), submit for legal review, record the review opinion
//! with the REV-3 checklist, decide with penalties and the document number — each a domain
//! command judged by the same rules as the CLI's; the page shows the refusal with its rule.
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::Extension;
use maud::{html, Markup};

use super::page::{check_csrf, execute, form_ids, layout, signed_in, WebError, F};
use super::session::Viewer;
use super::{Peer, Web};
use crate::domain::command::cmd;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::case::OpenCaseInput;
use crate::domain::enforcement::decide::DecideInput;
use crate::domain::enforcement::model::{
    ExecutionMode, MajorFlags, Opinion, Party, PartyKind, Procedure, ServiceMode, StepDetail,
    StepKind,
};
use crate::domain::enforcement::review::REV3_POINTS;
use crate::domain::enforcement::sanction::{Penalty, PenaltyKind};
use crate::domain::enforcement::step::StepInput;
use crate::domain::Command;

/// A submitted form's fields, in order (a field may repeat: the REV-3 checkboxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn new(pairs: Vec<(String, String)>) -> Result<Fields, WebError> {
        if pairs.len() > 200 {
            return Err(WebError::Input("表单字段过多".into()));
        }
        Ok(Fields(pairs))
    }

    fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn num(&self, k: &str, what: &str) -> Result<u64, WebError> {
        let v = self.get(k).trim();
        if v.is_empty() {
            return Ok(0);
        }
        v.parse()
            .map_err(|_| WebError::Input(format!("{what}应为非负整数，不是 {v:?}")))
    }

    fn ids(&self, k: &str, what: &str) -> Result<Vec<u64>, WebError> {
        self.get(k)
            .split([',', '，', '、', ' '])
            .filter(|x| !x.is_empty())
            .map(|x| {
                x.parse()
                    .map_err(|_| WebError::Input(format!("{what}应为以逗号分隔的编号，不是 {x:?}")))
            })
            .collect()
    }

    fn yuan(&self, k: &str, what: &str) -> Result<u64, WebError> {
        self.num(k, what)?
            .checked_mul(100)
            .ok_or_else(|| WebError::Input(format!("{what}过大")))
    }
}

fn step_kind(s: &str) -> Result<StepKind, WebError> {
    use StepKind as K;
    Ok(match s {
        "investigation" => K::Investigation,
        "inspection" => K::Inspection,
        "evidence" => K::EvidenceCollection,
        "on-site" => K::OnSite,
        "seizure" => K::Seizure,
        "rights-notice" => K::RightsNotice,
        "hearing" => K::Hearing,
        "service" => K::Service,
        "execution" => K::Execution,
        "archiving" => K::Archiving,
        "closure" => K::Closure,
        "other" => K::Other,
        _ => return Err(WebError::Input(format!("环节种类 {s:?} 无法识别"))),
    })
}

const STEPS: [(&str, &str); 12] = [
    ("investigation", "调查"),
    ("inspection", "检查"),
    ("evidence", "取证"),
    ("on-site", "现场执法"),
    ("seizure", "查封扣押"),
    ("rights-notice", "告知"),
    ("hearing", "听证"),
    ("service", "送达"),
    ("execution", "执行"),
    ("archiving", "归档"),
    ("closure", "不予处理结案"),
    ("other", "其他"),
];

/// The forms shown under a case.
pub fn case_forms(web: &Web, v: &Viewer, case_id: u64) -> Markup {
    html! {
        h2 { "办理" }
        details.card { summary { "记录执法环节" }
            form #step-form method="post" action="/desk/step" {
                (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                label { "环节" } select name="kind" { @for (k, l) in STEPS { option value=(k) { (l) } } }
                label { "执法人员编号（逗号分隔）" } input type="text" name="officers";
                label { "地点" } input type="text" name="place";
                label { "文字记录" } textarea name="text" {}
                label { input type="checkbox" name="av" value="1"; " 已全程音像记录" }
                label { "送达方式（送达决定时）" } select name="service_mode" {
                    option value="" { "—" } option value="direct" { "直接送达" } option value="left" { "留置送达" }
                    option value="post" { "邮寄送达" } option value="public" { "公告送达" } option value="electronic" { "电子送达" } }
                label { "执行方式（执行时）" } select name="execution" {
                    option value="" { "—" } option value="paid" { "自觉履行" } option value="enforced" { "强制执行" } option value="court" { "申请法院强制执行" } }
                label { "不予处理的理由（结案时）" } input type="text" name="reason";
                button type="submit" { "记录" }
            }
        }
        details.card { summary { "提交法制审核" }
            form method="post" action="/desk/submit" {
                (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                label { "审核材料" } textarea name="materials" {}
                label { "拟决定金额（元，留空为立案金额）" } input type="number" name="proposed_yuan" min="0";
                button type="submit" { "提交" }
            }
        }
        details.card { summary { "法制审核意见（REV-3 十项）" }
            form method="post" action="/desk/review" {
                (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                @for (i, p) in REV3_POINTS.iter().enumerate() {
                    label { input type="checkbox" name="ok" value=(i) checked; " " (i + 1) ". " (p) }
                }
                label { "意见" } select name="opinion" {
                    option value="approve" { "同意" } option value="modify" { "变更" } option value="correct" { "纠正" }
                    option value="supplement" { "补充材料" } option value="transfer" { "移送" } }
                label { "理由（同意以外必填）" } textarea name="reasons" {}
                button type="submit" { "提交意见" }
            }
        }
        details.card { summary { "作出决定" }
            form method="post" action="/desk/decide" {
                (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                label { "决定人员编号（一般程序须含负责人）" } input type="text" name="deciders";
                label { "文号（如 浏市监罚〔2026〕12号）" } input type="text" name="doc_number";
                @for i in 0..3 {
                    label { "处罚种类 " (i + 1) } select name="penalty_kind" {
                        option value="" { "—" }
                        @for k in PenaltyKind::ALL { option value=(k.as_str()) { (k.label()) } } }
                    label { "金额（元，罚款、没收时）" } input type="number" name="penalty_yuan" min="0";
                    label { "具体内容（暂扣吊销、责令停产停业等必填）" } input type="text" name="penalty_detail";
                }
                label { "决定内容" } textarea name="text" {}
                label { "证据采信理由" } textarea name="evidence" {}
                label { "依据选择理由" } textarea name="basis" {}
                label { "裁量理由" } textarea name="discretion" {}
                label { "集体讨论出席负责人编号（集体讨论时）" } input type="text" name="collective_heads";
                label { "集体讨论结果" } input type="text" name="collective_result";
                label { "会议纪要" } textarea name="minutes" {}
                button type="submit" { "作出决定" }
            }
        }
    }
}

/// The publication forms of a decided case: draft (the text is redacted for the public, PUB-4)
/// and the release review by a head who did not draft it.
pub fn publication_forms(
    web: &Web,
    v: &Viewer,
    case_id: u64,
    list: &[crate::view::query::PublicationView],
) -> Markup {
    use crate::domain::enforcement::publication::PubState;
    html! {
        h2 { "公示" }
        @if list.is_empty() { p.muted { "尚未起草公示" } }
        @for p in list {
            div.card.publication-card data-id=(p.id) {
                p { strong { "公示 " (p.id) } " · 第 " (p.version) " 版 · 期限 " (p.due) " · "
                    @match &p.state {
                        PubState::Drafted => span.tag.warn { "待发布审核" },
                        PubState::Rejected { reasons } => { span.tag.bad { "已退回" } " " (reasons) },
                        PubState::Published { on_time, .. } => { span.tag.ok { "已公示" } @if !on_time { " " span.bad { "逾期" } } },
                        PubState::Superseded { by } => span.tag { "已被公示 " (by) " 更正" },
                        PubState::Withdrawn { reason, on_time, .. } => { span.tag { "已撤回" } " " (reason) @if !on_time { " " span.bad { "逾期撤回" } } },
                    }
                }
                p.pub-text { (p.public_text) }
                @match &p.state {
                    PubState::Drafted => form.release-form method="post" action="/desk/release" {
                        (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                        input type="hidden" name="id" value=(p.id);
                        label { "退回理由（同意发布时留空）" } input type="text" name="reasons";
                        button type="submit" name="approve" value="true" { "同意发布" } " "
                        button.secondary type="submit" name="approve" value="false" { "退回" }
                    },
                    PubState::Published { .. } => details { summary { "撤回公示（决定被变更、撤销或确认违法，LAW-6）" }
                        form.withdraw-form method="post" action="/desk/withdraw" {
                            (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                            input type="hidden" name="id" value=(p.id);
                            label { "撤回原因" } input type="text" name="reason";
                            label { "决定被变更或撤销的日期" } input type="date" name="changed_on";
                            button type="submit" { "撤回" }
                        }
                    },
                    _ => {},
                }
            }
        }
        details.card { summary { "起草公示" }
            form #publish-form method="post" action="/desk/publish" {
                (form_ids(web, v)) input type="hidden" name="case" value=(case_id);
                label { "公示内容（身份证号、电话、住址会被自动遮蔽）" } textarea name="content" {}
                label { "依法不公开或延期公开的依据（如有）" } input type="text" name="exception_basis";
                button type="submit" { "起草公示" }
            }
        }
    }
}

/// The form to open a case, on the case list.
pub fn open_form(web: &Web, v: &Viewer) -> Markup {
    html! {
        details.card { summary { "立案" }
            form #open-form method="post" action="/desk/open" {
                (form_ids(web, v))
                label { "执法机关编号" } input type="number" name="agency" min="1";
                label { "种类" } select name="kind" { @for k in PowerKind::ALL { option value=(k.as_str()) { (super::desk::power_label(k)) } } }
                label { "程序" } select name="procedure" { option value="general" { "一般程序" } option value="summary" { "简易程序" } }
                label { "当事人类型" } select name="party_kind" { option value="legal" { "法人或其他组织" } option value="natural" { "自然人" } }
                label { "当事人名称" } input type="text" name="party_name";
                label { "统一社会信用代码" } input type="text" name="credit_code";
                label { "身份证号" } input type="text" name="id_number";
                label { "电话" } input type="text" name="phone";
                label { "地址" } input type="text" name="address";
                label { "案由" } input type="text" name="summary";
                label { "承办人员编号（逗号分隔，须含本人）" } input type="text" name="handlers";
                label { "涉案金额（元）" } input type="number" name="amount_yuan" min="0";
                button type="submit" { "立案" }
            }
        }
    }
}

async fn run(
    web: &Web,
    headers: &HeaderMap,
    peer: &Peer,
    pairs: Vec<(String, String)>,
    build: impl FnOnce(&Fields) -> Result<Command, WebError>,
) -> Result<Html<String>, WebError> {
    let v = signed_in(web, headers, peer)?;
    let f = Fields::new(pairs)?;
    check_csrf(&v, f.get("csrf"))?;
    let request_id = f.num("request_id", "请求编号")?;
    let command = build(&f)?;
    let case = f.num("case", "案件编号")?;
    let result = execute(web, &v, request_id, command).await;
    let body = html! {
        (result)
        p { @if case > 0 { a href={ "/desk/case?id=" (case) } { "返回案件 " (case) } } @else { a href="/desk" { "返回案件列表" } } }
    };
    Ok(Html(layout("办理结果", Some(&v), body).into_string()))
}

/// A form's fields in order, a field possibly repeated (the REV-3 checkboxes).
type Raw = F<Vec<(String, String)>>;

/// `POST /desk/open`.
pub async fn open(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        let kind = PowerKind::parse(f.get("kind"))
            .ok_or_else(|| WebError::Input("种类无法识别".into()))?;
        Ok(Command::OpenCase(OpenCaseInput {
            agency_id: f.num("agency", "执法机关编号")?,
            kind,
            procedure: match f.get("procedure") {
                "summary" => Procedure::Summary,
                _ => Procedure::General,
            },
            party: Party {
                kind: match f.get("party_kind") {
                    "natural" => PartyKind::Natural,
                    _ => PartyKind::Legal,
                },
                name: f.get("party_name").trim().to_string(),
                id_number: f.get("id_number").trim().to_string(),
                phone: f.get("phone").trim().to_string(),
                address: f.get("address").trim().to_string(),
                credit_code: f.get("credit_code").trim().to_string(),
            },
            summary: f.get("summary").trim().to_string(),
            handlers: f.ids("handlers", "承办人员")?,
            amount_fen: f.yuan("amount_yuan", "涉案金额")?,
            flags: MajorFlags::default(),
        }))
    })
    .await
}

/// `POST /desk/step`.
pub async fn step(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    let now = web.ctx.clock.now_ms();
    run(&web, &headers, &peer, raw, |f| {
        let detail = match (
            f.get("service_mode"),
            f.get("execution"),
            f.get("reason").trim(),
        ) {
            ("", "", "") => None,
            (m, "", "") => Some(StepDetail::Service {
                mode: match m {
                    "direct" => ServiceMode::Direct,
                    "left" => ServiceMode::LeftAtResidence,
                    "post" => ServiceMode::Post,
                    "public" => ServiceMode::PublicNotice,
                    "electronic" => ServiceMode::Electronic,
                    _ => return Err(WebError::Input("送达方式无法识别".into())),
                },
            }),
            ("", e, "") => Some(StepDetail::Execution {
                mode: match e {
                    "paid" => ExecutionMode::Paid,
                    "enforced" => ExecutionMode::Enforced,
                    "court" => ExecutionMode::CourtApplication,
                    _ => return Err(WebError::Input("执行方式无法识别".into())),
                },
            }),
            ("", "", r) => Some(StepDetail::Closure {
                reason: r.to_string(),
            }),
            _ => {
                return Err(WebError::Input(
                    "送达方式、执行方式和结案理由只填一项".into(),
                ))
            }
        };
        Ok(Command::RecordStep(StepInput {
            case_id: f.num("case", "案件编号")?,
            kind: step_kind(f.get("kind"))?,
            officers: f.ids("officers", "执法人员")?,
            at_ms: now,
            place: f.get("place").trim().to_string(),
            text: f.get("text").to_string(),
            attachments: vec![],
            audio_video: f.get("av") == "1",
            exemption: None,
            corrects: None,
            detail,
        }))
    })
    .await
}

/// `POST /desk/publish`.
pub async fn publish(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        let basis = f.get("exception_basis").trim();
        Ok(Command::DraftPublication(cmd::DraftPublication {
            case_id: f.num("case", "案件编号")?,
            content: f.get("content").to_string(),
            exception_basis: (!basis.is_empty()).then(|| basis.to_string()),
        }))
    })
    .await
}

/// `POST /desk/release`.
pub async fn release(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        Ok(Command::ReleasePublication(cmd::ReleasePublication {
            id: f.num("id", "公示编号")?,
            approve: f.get("approve") != "false",
            reasons: f.get("reasons").to_string(),
        }))
    })
    .await
}

/// `POST /desk/withdraw` (LAW-6).
pub async fn withdraw(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        let changed_on = chrono::NaiveDate::parse_from_str(f.get("changed_on").trim(), "%Y-%m-%d")
            .map_err(|_| WebError::Input("变更或撤销的日期应为 YYYY-MM-DD".into()))?;
        Ok(Command::WithdrawPublication(cmd::WithdrawPublication {
            id: f.num("id", "公示编号")?,
            reason: f.get("reason").to_string(),
            changed_on,
        }))
    })
    .await
}

/// `POST /desk/submit`.
pub async fn submit(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        Ok(Command::SubmitReview(cmd::SubmitReview {
            case_id: f.num("case", "案件编号")?,
            materials: f.get("materials").to_string(),
            proposed_fen: f.yuan("proposed_yuan", "拟决定金额")?,
        }))
    })
    .await
}

/// `POST /desk/review`: the ten points ticked are satisfied.
pub async fn review(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        let mut checklist = [false; 10];
        for i in f.all("ok") {
            let i: usize = i
                .parse()
                .ok()
                .filter(|i| *i < 10)
                .ok_or_else(|| WebError::Input("审核要点编号无效".into()))?;
            checklist[i] = true;
        }
        let opinion = match f.get("opinion") {
            "approve" => Opinion::Approve,
            "modify" => Opinion::Modify,
            "correct" => Opinion::Correct,
            "supplement" => Opinion::Supplement,
            "transfer" => Opinion::Transfer,
            _ => return Err(WebError::Input("审核意见无法识别".into())),
        };
        Ok(Command::ReviewOpinion(cmd::ReviewOpinion {
            case_id: f.num("case", "案件编号")?,
            checklist,
            opinion,
            reasons: f.get("reasons").to_string(),
        }))
    })
    .await
}

/// `POST /desk/decide`.
pub async fn decide(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Extension(peer): Extension<Peer>,
    F(raw): Raw,
) -> Result<Html<String>, WebError> {
    run(&web, &headers, &peer, raw, |f| {
        let kinds = f.all("penalty_kind");
        let amounts = f.all("penalty_yuan");
        let details = f.all("penalty_detail");
        let mut penalties = Vec::new();
        for (i, k) in kinds.iter().enumerate().filter(|(_, k)| !k.is_empty()) {
            let kind = PenaltyKind::parse(k)
                .ok_or_else(|| WebError::Input(format!("处罚种类 {k:?} 无法识别")))?;
            let yuan: u64 = match amounts.get(i).map(|a| a.trim()).unwrap_or("") {
                "" => 0,
                a => a
                    .parse()
                    .map_err(|_| WebError::Input(format!("金额 {a:?} 不是整数")))?,
            };
            penalties.push(Penalty {
                kind,
                amount_fen: yuan
                    .checked_mul(100)
                    .ok_or_else(|| WebError::Input("金额过大".into()))?,
                detail: details.get(i).map(|d| d.trim()).unwrap_or("").to_string(),
            });
        }
        let heads = f.ids("collective_heads", "出席负责人")?;
        let collective =
            (!heads.is_empty()).then(|| crate::domain::enforcement::model::Collective {
                heads_present: heads,
                result: f.get("collective_result").to_string(),
                minutes: f.get("minutes").to_string(),
            });
        Ok(Command::Decide(DecideInput {
            case_id: f.num("case", "案件编号")?,
            deciders: f.ids("deciders", "决定人员")?,
            document_number: f.get("doc_number").trim().to_string(),
            penalties,
            licence: None,
            text: f.get("text").to_string(),
            reasons_evidence: f.get("evidence").to_string(),
            reasons_basis: f.get("basis").to_string(),
            reasons_discretion: f.get("discretion").to_string(),
            collective,
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_decode_and_hostile_ones_are_refused() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let f = Fields::new(pairs(&[
            ("ok", "0"),
            ("ok", "3"),
            ("t", "张 <b>"),
            ("ids", "1,2"),
        ]))
        .unwrap();
        assert_eq!(f.get("t"), "张 <b>");
        assert_eq!(f.all("ok"), ["0", "3"]);
        assert_eq!(f.ids("ids", "x").unwrap(), [1, 2]);
        assert_eq!(f.get("missing"), "");
        assert!(Fields::new(vec![("x".into(), "1".into()); 201]).is_err());
        let f = Fields::new(pairs(&[
            ("n", "-1"),
            ("m", "99999999999999999999"),
            ("ids", "1,x"),
        ]))
        .unwrap();
        assert!(f.num("n", "n").is_err());
        assert!(f.yuan("m", "m").is_err());
        assert!(f.ids("ids", "ids").is_err());
        assert!(step_kind("arrest").is_err());
    }
}
