//! `OpenCase` — a case (for licensing: an application) with its party, procedure and handlers.
//! LAW-1: summary procedure only for a warning or a fine ≤ 200 yuan (citizen) / 3,000 yuan
//! (organisation). PUB-2: every handler holds a valid certificate today.
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::ids::next_id;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::deadlines::{schedule, Deadline, DeadlineKind};
use crate::domain::enforcement::model::{
    acting_officer, load_officers, Case, CaseState, MajorFlags, Party, PartyKind, Procedure, CASES,
    MAX_AMOUNT_FEN,
};
use crate::domain::enforcement::redact::{is_valid_credit_code, is_valid_id_number};
use crate::domain::registry::AGENCIES;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OpenCaseInput {
    /// Id of the agency that handles the case.
    pub agency_id: u64,
    /// The kind of power exercised.
    pub kind: PowerKind,
    /// Summary procedure (only a penalty within the LAW-1 limit for this party) or general.
    pub procedure: Procedure,
    /// The party (当事人) the case concerns.
    pub party: Party,
    /// What the case is about: 1–2,000 characters.
    pub summary: String,
    /// Officer ids of the handlers: 1–10 officers of the agency with valid certificates (PUB-2),
    /// the signed-in officer among them.
    pub handlers: Vec<u64>,
    /// Amount involved or fine proposed, in fen (分), at most 100 billion yuan (LAW-1, REV-2).
    pub amount_fen: u64,
    /// Facts that make the decision major whatever the amount (REV-2).
    pub flags: MajorFlags,
}

/// LAW-1: the largest fine of the summary procedure on this kind of party, fen.
pub fn summary_limit(law: &crate::domain::enforcement::law::LawSettings, kind: PartyKind) -> u64 {
    match kind {
        PartyKind::Natural => law.summary_natural_fen,
        PartyKind::Legal => law.summary_legal_fen,
    }
}

fn check_party(p: &Party) -> Result<(), Refusal> {
    check_text("party.name", &p.name, 100, true)?;
    check_text("party.phone", &p.phone, 30, false)?;
    check_text("party.address", &p.address, 200, false)?;
    if !p.id_number.is_empty() && !is_valid_id_number(&p.id_number) {
        return Err(Refusal::new(
            "INPUT",
            "当事人身份证号码（party.id_number）不是有效的居民身份证号码",
        ));
    }
    if !p.credit_code.is_empty() && !is_valid_credit_code(&p.credit_code) {
        return Err(Refusal::new(
            "INPUT",
            "当事人统一社会信用代码（party.credit_code）不是有效的统一社会信用代码",
        ));
    }
    if p.kind == PartyKind::Natural && !p.credit_code.is_empty() {
        return Err(Refusal::new("INPUT", "自然人没有统一社会信用代码"));
    }
    Ok(())
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, c: &OpenCaseInput, now: i64) -> Ruled {
    check_party(&c.party).and(check_text("summary", &c.summary, 2000, true))?;
    if c.amount_fen > MAX_AMOUNT_FEN {
        return Err(Refusal::new("INPUT", "金额超出合理范围（超过一千亿元）").into());
    }
    if c.handlers.is_empty() || c.handlers.len() > 10 {
        return Err(Refusal::new("INPUT", "承办人员（handlers）：须列明 1–10 名执法人员").into());
    }
    if AGENCIES.get(txn, &c.agency_id)?.is_none() {
        return Err(Refusal::new("INPUT", format!("没有编号为 {} 的执法机关", c.agency_id)).into());
    }
    let law = crate::domain::enforcement::law::settings(txn.base())?;
    if c.procedure == Procedure::Summary {
        let limit = summary_limit(&law, c.party.kind);
        if c.kind != PowerKind::Penalty || c.amount_fen > limit {
            return Err(Refusal::new(
                "LAW-1",
                format!(
                    "简易程序只适用于对该当事人给予警告或者 {} 元以下罚款",
                    limit / 100
                ),
            )
            .into());
        }
    }
    let officers = load_officers(txn, &c.handlers, c.agency_id)?;
    acting_officer(actor, &officers)?;
    let today = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    for o in &officers {
        o.check_may_act(today, &law)?;
    }
    let id = next_id(txn, "case")?;
    CASES.put(
        txn,
        &id,
        &Case {
            id,
            agency_id: c.agency_id,
            kind: c.kind,
            procedure: c.procedure,
            party: c.party.clone(),
            summary: c.summary.clone(),
            handlers: c.handlers.clone(),
            amount_fen: c.amount_fen,
            flags: c.flags.clone(),
            hearing_held: false,
            state: CaseState::Opened,
            major: None,
            catalog_rule: None,
            steps: vec![],
            reviews: vec![],
            decision: None,
            opened_at_ms: now,
            opened_by: actor.label(),
            published_at_ms: None,
            overdue: vec![],
            legal_outcomes: vec![],
            consultations: vec![],
            decision_due: None,
        },
    )?;
    // LAW-3: a general-procedure penalty is decided within 90 days of filing (as set).
    if c.kind == PowerKind::Penalty && c.procedure == Procedure::General {
        let days = i64::from(law.decision_days);
        if let Some(due) = today.checked_add_signed(chrono::Duration::days(days)) {
            schedule(
                txn,
                Deadline {
                    case_id: id,
                    kind: DeadlineKind::Decision,
                    due,
                },
            )?;
        }
    }
    Ok(CommandResult::Record { id, flags: vec![] })
}
