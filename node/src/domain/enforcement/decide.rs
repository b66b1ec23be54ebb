//! `Decide` — the administrative decision (REV-1, REC-6, REV-7, LAW-5).
//! REV-1 is a hard gate: a major decision needs an approving legal review, or — after a
//! disagreement went through consultation — a collective decision by the heads with minutes.
//! General-procedure decisions state reasons for evidence, basis and discretion (REC-6). Who
//! decided is recorded by name (REV-7).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::Txn;
use crate::domain::core::text::check_text;
use crate::domain::enforcement::catalog::{is_major, rule};
use crate::domain::enforcement::model::{
    acting_officer, load_officers, Case, CaseState, Decision, Duty, Officer, Opinion, Procedure,
    CASES,
};

/// A penalty from this amount (fen) is serious (LAW-5): 100,000 yuan.
pub const SERIOUS_PENALTY_FEN: u64 = 10_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideInput {
    pub case_id: u64,
    pub deciders: Vec<u64>,
    pub text: String,
    pub reasons_evidence: String,
    pub reasons_basis: String,
    pub reasons_discretion: String,
    /// Minutes of the heads' collective discussion, when one was held.
    pub collective_minutes: Option<String>,
}

pub fn apply(txn: &mut Txn<'_>, actor: &Actor, d: &DecideInput, now: i64) -> Ruled {
    check_text("text", &d.text, 20_000, true)?;
    let Some(case) = CASES.get(txn, &d.case_id)? else {
        return Err(Refusal::new("INPUT", format!("no case with id {}", d.case_id)).into());
    };
    if matches!(case.state, CaseState::Decided | CaseState::Transferred) {
        return Err(Refusal::new(
            "INPUT",
            format!("case {} is already {:?}", case.id, case.state),
        )
        .into());
    }
    let mut ids = d.deciders.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 15 {
        return Err(Refusal::new("INPUT", "deciders: name 1–15 officers").into());
    }
    let deciders = load_officers(txn, &ids, case.agency_id)?;
    acting_officer(actor, &deciders)?;
    let day = match date_of(now) {
        Ok(x) => x,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    for o in &deciders {
        o.check_may_act(day)?;
    }
    if case.procedure == Procedure::General {
        check_general(txn, &case, &deciders, d, day)?;
    }
    if let Some(m) = &d.collective_minutes {
        check_text("collective_minutes", m, 20_000, false)?;
    }
    record(txn, case, ids, d, day, now)
}

/// The rules of the general procedure: the party heard (PUB-2), a head decides (REV-7), the
/// reasons stated (REC-6), the REV-1 gate, and the heads' collective discussion (LAW-5).
fn check_general(
    txn: &Txn<'_>,
    case: &Case,
    deciders: &[Officer],
    d: &DecideInput,
    day: NaiveDate,
) -> Ruled<()> {
    // PUB-2: before a penalty is decided the party has been told the reasons, basis and rights.
    if case.kind == crate::domain::core::organ::PowerKind::Penalty
        && !crate::domain::enforcement::model::has_step(
            txn,
            case,
            crate::domain::enforcement::model::StepKind::RightsNotice,
        )?
    {
        return Err(Refusal::new(
            "PUB-2",
            "the party has not been told the reasons, basis and its rights (no rights notice)",
        )
        .into());
    }
    if !deciders.iter().any(|o| o.duties.contains(&Duty::Head)) {
        return Err(Refusal::new(
            "REV-7",
            "a general-procedure decision is made by a head of the agency",
        )
        .into());
    }
    for (field, v) in [
        ("reasons_evidence", &d.reasons_evidence),
        ("reasons_basis", &d.reasons_basis),
        ("reasons_discretion", &d.reasons_discretion),
    ] {
        if v.trim().is_empty() {
            return Err(Refusal::new(
                "REC-6",
                format!("a general-procedure decision states its reasons: {field} is empty"),
            )
            .into());
        }
        check_text(field, v, 20_000, true)?;
    }
    // REV-1: the gate. The catalog's answer at submission is kept with the case; a case never
    // submitted is judged by the catalog in force now.
    let major = match case.major {
        Some(m) => m || case.hearing_held,
        None => is_major(case, &rule(txn.base(), case.agency_id, case.kind, day)?),
    };
    if major {
        let last = case.reviews.last();
        let approved = case.state == CaseState::Approved
            && last.is_some_and(|r| r.opinion == Some(Opinion::Approve));
        let reviewed = last.is_some_and(|r| r.opinion.is_some());
        let collective = d
            .collective_minutes
            .as_ref()
            .is_some_and(|m| !m.trim().is_empty());
        if !(approved || (reviewed && collective)) {
            return Err(
                Refusal::new("REV-1", "major decision without an approving legal review").into(),
            );
        }
    }
    // LAW-5: complex or serious penalties go to the heads' collective discussion, whatever
    // the legal review said.
    let serious = case.kind == crate::domain::core::organ::PowerKind::Penalty
        && (case.flags.complex_legal_relations
            || case.flags.major_rights
            || case.amount_fen >= SERIOUS_PENALTY_FEN);
    let minutes = d.collective_minutes.as_deref().unwrap_or("");
    if serious && minutes.trim().is_empty() {
        return Err(Refusal::new(
            "LAW-5",
            "a complex or serious penalty is decided by the heads' collective discussion: give its minutes",
        ).into());
    }
    Ok(())
}

/// Records the decision and starts its clocks: publication (PUB-3) and service (LAW-4), on the
/// official calendar; a missing calendar year refuses.
fn record(
    txn: &mut Txn<'_>,
    mut case: Case,
    ids: Vec<u64>,
    d: &DecideInput,
    day: NaiveDate,
    now: i64,
) -> Ruled {
    // PUB-3: the publication deadline on the official calendar; a missing year is an error.
    let days = crate::domain::enforcement::publication::publish_days(txn.base(), case.kind)?;
    let publish_by = match crate::domain::calendar::days::add_working_days(
        &crate::domain::calendar::load::StateYears(txn.base()),
        day,
        days,
    ) {
        Ok(d) => d,
        Err(e) => {
            return Err(
                Refusal::new("PUB-3", format!("cannot set the publication deadline: {e}")).into(),
            )
        }
    };
    case.decision = Some(Decision {
        decided_by: ids,
        text: d.text.clone(),
        reasons_evidence: d.reasons_evidence.clone(),
        reasons_basis: d.reasons_basis.clone(),
        reasons_discretion: d.reasons_discretion.clone(),
        collective_minutes: d.collective_minutes.clone(),
        decided_at_ms: now,
        publish_by,
    });
    case.state = CaseState::Decided;
    CASES.put(txn, &case.id, &case)?;
    // PUB-3 and LAW-4 clocks start at the decision.
    let serve_by = match crate::domain::calendar::days::add_working_days(
        &crate::domain::calendar::load::StateYears(txn.base()),
        day,
        crate::domain::enforcement::deadlines::SERVICE_DAYS,
    ) {
        Ok(d) => d,
        Err(e) => {
            return Err(
                Refusal::new("LAW-4", format!("cannot set the service time limit: {e}")).into(),
            )
        }
    };
    for (kind, due) in [
        (
            crate::domain::enforcement::deadlines::DeadlineKind::Publication,
            publish_by,
        ),
        (
            crate::domain::enforcement::deadlines::DeadlineKind::Service,
            serve_by,
        ),
    ] {
        crate::domain::enforcement::deadlines::schedule(
            txn,
            crate::domain::enforcement::deadlines::Deadline {
                case_id: case.id,
                kind,
                due,
            },
        )?;
    }
    Ok(CommandResult::Record {
        id: case.id,
        flags: vec![format!("PUB-3: publish by {publish_by}")],
    })
}
