//! REV-1, the gate before a major decision (DOMAIN.md "Legal review"):
//! - approved: the last review approved, and the decision is not above what was reviewed;
//! - or, after a disagreement: the case was resubmitted and answered again, the handlers and
//!   the reviewer consulted (`RecordConsultation`: participants, date, result), and the heads
//!   decided collectively, at least the agency's quorum present, with their result.
//!
//! Anything else is refused; the status summary counts the refused attempts.
use chrono::NaiveDate;

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::outcome::{CommandResult, Refusal, Ruled};
use crate::domain::core::state::{State, Txn};
use crate::domain::core::text::check_text;
use crate::domain::enforcement::catalog::{is_major_at, rule};
use crate::domain::enforcement::law::{self, LawSettings};
use crate::domain::enforcement::model::{
    member_officer, Case, CaseState, Collective, Consultation, Duty, Opinion, CASES, OFFICERS,
};

fn refuse<T>(m: impl Into<String>) -> Ruled<T> {
    Err(Refusal::new("REV-1", m).into())
}

/// Is the decision, as decided (`amount` fen), major (REV-2)? The catalog's answer at
/// submission is kept with the case; the amount decided can make it major too.
pub fn major(state: &State, case: &Case, amount: u64, day: NaiveDate) -> Ruled<bool> {
    let r = match &case.catalog_rule {
        Some(r) => r.clone(),
        None => rule(state, case.agency_id, case.kind, day)?,
    };
    Ok(case.major == Some(true) || case.hearing_held || is_major_at(case, &r, amount))
}

/// The REV-1 gate for a general-procedure decision of `amount` fen.
pub fn rev_1(
    state: &State,
    case: &Case,
    amount: u64,
    collective: Option<&Collective>,
    day: NaiveDate,
) -> Ruled<()> {
    let is_major = major(state, case, amount, day)?;
    let answered: Vec<_> = case
        .reviews
        .iter()
        .filter(|r| r.opinion.is_some())
        .collect();
    let Some(last) = answered.last() else {
        if is_major {
            return refuse(format!(
                "重大执法决定（决定金额 {} 元）未经法制审核，不得作出决定：先提交法制审核",
                amount / 100
            ));
        }
        return Ok(());
    };
    match (last.opinion, case.state) {
        (_, CaseState::InReview) if is_major => refuse("法制审核尚未完成，不得作出重大执法决定"),
        (Some(Opinion::Approve), CaseState::Approved) => {
            if amount > last.proposed_fen && is_major {
                return refuse(format!(
                    "决定金额 {} 元高于法制审核时的 {} 元：须按拟决定的金额重新提交法制审核",
                    amount / 100,
                    last.proposed_fen / 100
                ));
            }
            Ok(())
        }
        _ if !is_major => Ok(()),
        // A hearing or the rights notice after the approval sent the case back.
        (Some(Opinion::Approve), _) => refuse("审核通过后又经听证或告知，须重新提交法制审核"),
        _ => disagreement(case, answered.len(), collective),
    }
}

/// After a non-approving opinion: resubmitted and answered again, consulted, decided
/// collectively.
fn disagreement(case: &Case, answered: usize, collective: Option<&Collective>) -> Ruled<()> {
    if answered < 2 {
        return refuse(
            "法制审核未通过：按审核意见补正后重新提交审核；意见仍不一致的，经协商后由负责人集体讨论决定",
        );
    }
    let since = case
        .reviews
        .iter()
        .filter_map(|r| r.decided_at_ms)
        .max()
        .and_then(|ms| date_of(ms).ok());
    let consulted = case
        .consultations
        .iter()
        .any(|c| since.is_none_or(|d| c.on >= d));
    if !consulted {
        return refuse(
            "审核意见不一致：须先记录承办机构与法制审核机构的协商（参加人员、日期、结果）",
        );
    }
    if collective.is_none() {
        return refuse("协商后意见仍不一致的，由负责人集体讨论决定：写明出席的负责人和讨论结果");
    }
    Ok(())
}

/// A collective decision names at least the quorum of the agency's heads, each with a valid
/// certificate, and its result and minutes.
pub fn check_collective(
    txn: &Txn<'_>,
    case: &Case,
    c: &Collective,
    day: NaiveDate,
    law: &LawSettings,
) -> Ruled<()> {
    check_text("collective.result", &c.result, 2000, true)?;
    check_text("collective.minutes", &c.minutes, 20_000, true)?;
    let mut present = c.heads_present.clone();
    present.sort();
    present.dedup();
    if present.len() != c.heads_present.len() || present.len() > 30 {
        return Err(Refusal::new("INPUT", "出席的负责人重复或过多").into());
    }
    for id in &present {
        let head = OFFICERS.get(txn, id)?;
        let Some(h) = head.filter(|h| h.agency_id == case.agency_id) else {
            return Err(Refusal::new("INPUT", format!("{id} 不是本机关的执法人员")).into());
        };
        if !h.duties.contains(&Duty::Head) {
            return Err(Refusal::new(
                "LAW-5",
                format!("{}（{}）不是本机关负责人，不能计入集体讨论", h.id, h.name),
            )
            .into());
        }
        h.check_may_act(day, law)?;
    }
    let quorum = law::quorum(txn.base(), case.agency_id)?;
    if present.len() < quorum {
        return Err(Refusal::new(
            "LAW-5",
            format!(
                "集体讨论出席负责人 {} 名，少于本机关规定的 {quorum} 名",
                present.len()
            ),
        )
        .into());
    }
    Ok(())
}

/// `RecordConsultation`: a handler or a head of the agency records the consultation after the
/// reviewer disagreed (participants, date, result).
pub fn consult(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    participants: &[String],
    on: NaiveDate,
    result: &str,
    now: i64,
) -> Ruled {
    check_text("result", result, 2000, true)?;
    if participants.len() < 2 || participants.len() > 20 {
        return Err(Refusal::new("INPUT", "协商的参加人员为 2–20 人").into());
    }
    for p in participants {
        check_text("participants", p, 50, true)?;
    }
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    let Some(me) = member_officer(txn, actor, case.agency_id)? else {
        return refuse(format!(
            "{} 不是执法机关 {} 的执法人员",
            actor.label(),
            case.agency_id
        ));
    };
    if !case.handlers.contains(&me.id) && !me.duties.contains(&Duty::Head) {
        return refuse("协商由本案承办人员或机关负责人记录");
    }
    let last = case
        .reviews
        .iter()
        .rev()
        .find_map(|r| r.opinion.zip(r.decided_at_ms));
    let Some((_, at)) = last.filter(|(o, _)| *o != Opinion::Approve) else {
        return refuse("只有法制审核意见不一致时才需要协商");
    };
    if case.reviews.iter().filter(|r| r.opinion.is_some()).count() < 2 {
        return refuse("先按审核意见补正并重新提交审核；再次审核后意见仍不一致的，才进行协商");
    }
    let today = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let opined = date_of(at).unwrap_or(today);
    if on > today || on < opined {
        return Err(Refusal::new(
            "INPUT",
            format!("协商日期应在审核意见（{opined}）之后、今天之前"),
        )
        .into());
    }
    if case.decision.is_some() || case.state.ended() {
        return Err(Refusal::new(
            "INPUT",
            format!("案件 {case_id} 已处于“{}”状态", case.state.label()),
        )
        .into());
    }
    case.consultations.push(Consultation {
        participants: participants.to_vec(),
        on,
        result: result.to_string(),
        recorded_at_ms: now,
        recorded_by: actor.label(),
    });
    CASES.put(txn, &case.id, &case)?;
    Ok(CommandResult::Record {
        id: case.id,
        flags: vec![],
    })
}
