//! `Decide` — the administrative decision (REV-1, REC-6, REV-7, LAW-1, LAW-5).
//! A decision carries what it decides — its penalties with their amounts, or the licensing
//! outcome — and its document number (文号). REV-2, LAW-1 and LAW-5 are judged on what is
//! decided; the REV-1 gate is [`super::gate`]. General-procedure decisions state reasons for
//! evidence, basis and discretion (REC-6). Who decided is recorded by name (REV-7).
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::case::summary_limit;
use crate::domain::enforcement::deadlines::{
    count, provisional_flag, schedule_counted, Deadline, DeadlineKind,
};
use crate::domain::enforcement::gate;
use crate::domain::enforcement::law::{self, LawSettings};
use crate::domain::enforcement::model::{
    acting_officer, has_step, load_officers, Case, Collective, Decision, Duty, Officer, Procedure,
    StepKind, CASES,
};
use crate::domain::enforcement::sanction::{
    check_penalties, DocNumber, LicenceOutcome, Penalty, PenaltyKind, DOC_NUMBERS,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecideInput {
    /// Id of the case: not yet decided, transferred, closed or archived.
    pub case_id: u64,
    /// Officer ids of those who decide: 1–15 officers of the agency with valid certificates, the
    /// signed-in officer among them; in the general procedure a head among them (REV-7).
    pub deciders: Vec<u64>,
    /// 文号, e.g. 浏市监罚〔2026〕12号: unique per agency, of the decision's year.
    pub document_number: String,
    /// A penalty decision's penalties (none for other kinds).
    pub penalties: Vec<Penalty>,
    /// A licensing decision's outcome (none for other kinds).
    pub licence: Option<LicenceOutcome>,
    /// The decision's text: 1–20,000 characters.
    pub text: String,
    /// Reasons for the evidence adopted: required in the general procedure (REC-6), at most
    /// 20,000 characters.
    pub reasons_evidence: String,
    /// Reasons for the legal basis chosen: required in the general procedure (REC-6), at most
    /// 20,000 characters.
    pub reasons_basis: String,
    /// Reasons for the discretion applied: required in the general procedure (REC-6), at most
    /// 20,000 characters.
    pub reasons_discretion: String,
    /// The heads' collective decision, when one was held.
    pub collective: Option<Collective>,
}

/// What a decision decides, checked against the kind of case: its amount in fen.
fn decided_amount(case: &Case, d: &DecideInput) -> Result<u64, Refusal> {
    match case.kind {
        PowerKind::Penalty => {
            if d.licence.is_some() {
                return Err(Refusal::new("INPUT", "处罚决定没有许可结果"));
            }
            check_penalties(&d.penalties)
        }
        PowerKind::Licensing => {
            if !d.penalties.is_empty() || d.licence.is_none() {
                return Err(Refusal::new(
                    "INPUT",
                    "许可决定写明许可结果（准予、不予、部分准予），不写处罚种类",
                ));
            }
            Ok(0)
        }
        _ => {
            if !d.penalties.is_empty() || d.licence.is_some() {
                return Err(Refusal::new(
                    "INPUT",
                    "只有处罚决定写处罚种类，只有许可决定写许可结果",
                ));
            }
            Ok(case.amount_fen)
        }
    }
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, d: &DecideInput, now: i64) -> Ruled {
    check_text("text", &d.text, 20_000, true)?;
    let Some(case) = CASES.get(txn, &d.case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {} 的案件", d.case_id)).into());
    };
    if case.decision.is_some() || case.state.ended() {
        return Err(Refusal::new(
            "INPUT",
            format!("案件 {} 已处于“{}”状态", case.id, case.state.label()),
        )
        .into());
    }
    let mut ids = d.deciders.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 15 {
        return Err(Refusal::new(
            "INPUT",
            "作出决定的人员（deciders）：须列明 1–15 名执法人员",
        )
        .into());
    }
    let deciders = load_officers(txn, &ids, case.agency_id)?;
    acting_officer(actor, &deciders)?;
    let day = match date_of(now) {
        Ok(x) => x,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let law = law::settings(txn.base())?;
    for o in &deciders {
        o.check_may_act(day, &law)?;
    }
    let amount = decided_amount(&case, d)?;
    let number = DocNumber::parse(&d.document_number)?;
    if number.year != day.year() {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "文号的年份 {} 应为决定作出的年份 {}",
                number.year,
                day.year()
            ),
        )
        .into());
    }
    let key = (case.agency_id, d.document_number.clone());
    if let Some(other) = DOC_NUMBERS.get(txn, &key)? {
        return Err(Refusal::new(
            "INPUT",
            format!(
                "文号 {} 已用于本机关第 {other} 号案件的决定",
                d.document_number
            ),
        )
        .into());
    }
    if let Some(c) = &d.collective {
        gate::check_collective(txn, &case, c, day, &law)?;
    }
    match case.procedure {
        Procedure::Summary => check_summary(&case, d, amount, &law)?,
        Procedure::General => {
            check_general(txn, &case, &deciders, d)?;
            gate::rev_1(txn.base(), &case, amount, d.collective.as_ref(), day)?;
            check_law_5(&case, d, amount, &law)?;
        }
    }
    DOC_NUMBERS.put(txn, &key, &case.id)?;
    record(txn, case, ids, d, amount, day, now, &law)
}

/// DOMAIN "Status summary": major decisions without a passing review must be 0 — the gate
/// refuses them — and the refused attempts are counted, for the region and the agency.
pub fn refusal_counters(
    txn: &Txn<'_>,
    d: &DecideInput,
    refusal: &Refusal,
) -> Result<Vec<String>, crate::domain::core::state::DomainError> {
    if refusal.rule != "REV-1" {
        return Ok(Vec::new());
    }
    let mut names = vec!["region/decisions/major_refused".to_string()];
    if let Some(c) = CASES.get(txn, &d.case_id)? {
        names.push(format!("agency/{}/decisions/major_refused", c.agency_id));
    }
    Ok(names)
}

/// LAW-1 on what is decided: a summary decision is a warning, or a fine within the limit.
fn check_summary(case: &Case, d: &DecideInput, amount: u64, law: &LawSettings) -> Ruled<()> {
    let limit = summary_limit(law, case.party.kind);
    let only_warning_or_fine = d
        .penalties
        .iter()
        .all(|p| matches!(p.kind, PenaltyKind::Warning | PenaltyKind::Fine));
    if case.kind != PowerKind::Penalty || !only_warning_or_fine || amount > limit {
        return Err(Refusal::new(
            "LAW-1",
            format!(
                "简易程序只能作出警告或者 {} 元以下罚款的决定；本决定须按一般程序办理",
                limit / 100
            ),
        )
        .into());
    }
    Ok(())
}

/// The rules of the general procedure: the party heard (PUB-2), a head decides (REV-7), the
/// reasons stated (REC-6).
fn check_general(txn: &Txn<'_>, case: &Case, deciders: &[Officer], d: &DecideInput) -> Ruled<()> {
    // PUB-2: before a penalty is decided the party has been told the reasons, basis and rights.
    if case.kind == PowerKind::Penalty && !has_step(txn, case, StepKind::RightsNotice)? {
        return Err(Refusal::new(
            "PUB-2",
            "尚未告知当事人拟作出决定的理由、依据及其依法享有的权利（没有告知环节记录）",
        )
        .into());
    }
    if !deciders.iter().any(|o| o.duties.contains(&Duty::Head)) {
        return Err(Refusal::new("REV-7", "一般程序的决定由本执法机关负责人作出").into());
    }
    for (field, v) in [
        ("reasons_evidence", &d.reasons_evidence),
        ("reasons_basis", &d.reasons_basis),
        ("reasons_discretion", &d.reasons_discretion),
    ] {
        if v.trim().is_empty() {
            return Err(
                Refusal::new("REC-6", format!("一般程序的决定须说明理由：{field} 未填写")).into(),
            );
        }
        check_text(field, v, 20_000, true)?;
    }
    Ok(())
}

/// LAW-5: complex or serious penalties — by the facts, the amount decided or the kind of
/// penalty — go to the heads' collective discussion, whatever the legal review said.
fn check_law_5(case: &Case, d: &DecideInput, amount: u64, law: &LawSettings) -> Ruled<()> {
    let serious = case.kind == PowerKind::Penalty
        && (case.flags.complex_legal_relations
            || case.flags.major_rights
            || amount >= law.serious_fen
            || d.penalties.iter().any(|p| p.kind.serious()));
    if serious && d.collective.is_none() {
        return Err(Refusal::new(
            "LAW-5",
            "情节复杂或者重大违法行为给予行政处罚，须经负责人集体讨论决定：写明出席的负责人、讨论结果和记录",
        )
        .into());
    }
    Ok(())
}

/// Records the decision and starts its clocks: publication (PUB-3) and service (LAW-4), on the
/// official calendar; a missing calendar year refuses.
#[allow(clippy::too_many_arguments)]
fn record(
    txn: &mut Txn<'_>,
    mut case: Case,
    ids: Vec<u64>,
    d: &DecideInput,
    amount: u64,
    day: NaiveDate,
    now: i64,
    law: &LawSettings,
) -> Ruled {
    let days = crate::domain::enforcement::publication::publish_days(txn.base(), case.kind)?;
    let (publish_by, publish_missing) = match count(txn, day, days) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("PUB-3", format!("无法计算公示期限：{e}")).into()),
    };
    let (serve_by, serve_missing) = match count(txn, day, law.service_days) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("LAW-4", format!("无法计算送达期限：{e}")).into()),
    };
    case.decision = Some(Decision {
        decided_by: ids,
        document_number: d.document_number.clone(),
        penalties: d.penalties.clone(),
        licence: d.licence,
        amount_fen: amount,
        text: d.text.clone(),
        reasons_evidence: d.reasons_evidence.clone(),
        reasons_basis: d.reasons_basis.clone(),
        reasons_discretion: d.reasons_discretion.clone(),
        collective: d.collective.clone(),
        decided_at_ms: now,
        publish_by,
    });
    case.state = crate::domain::enforcement::model::CaseState::Decided;
    CASES.put(txn, &case.id, &case)?;
    let mut flags = vec![
        format!("PUB-3：须于 {publish_by} 前公示"),
        format!("LAW-4：须于 {serve_by} 前送达"),
    ];
    for (kind, n, due, missing, rule) in [
        (
            DeadlineKind::Publication,
            days,
            publish_by,
            publish_missing,
            "PUB-3",
        ),
        (
            DeadlineKind::Service,
            law.service_days,
            serve_by,
            serve_missing,
            "LAW-4",
        ),
    ] {
        let d = Deadline {
            case_id: case.id,
            kind,
            due,
        };
        schedule_counted(txn, d, day, n, &missing)?;
        flags.extend(provisional_flag(rule, &missing));
    }
    Ok(CommandResult::Record { id: case.id, flags })
}
