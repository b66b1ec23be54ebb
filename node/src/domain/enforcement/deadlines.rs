//! Time limits tracked by the leader's `Tick` (REV-8, PUB-3, LAW-3, LAW-4).
//!
//! Commands that start a clock put an entry in a queue ordered by due date; each `Tick` takes
//! the entries whose day has passed, checks whether the obligation is still open, and if so
//! flags the case (the status summary counts the flags). Nothing is scanned but what is due.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::date_of;
use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{CommandResult, Refusal, Ruled};
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::{member_officer, Case, CaseState, Duty, Procedure, CASES};

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeadlineKind {
    /// REV-8: the legal review of submission round `round` (1-based).
    Review { round: u32 },
    /// PUB-3: the decision is published.
    Publication,
    /// LAW-3: a general-procedure penalty is decided within 90 days of filing.
    Decision,
    /// LAW-4: the decision is served.
    Service,
    /// LAW-6: a changed or revoked decision's publication is withdrawn.
    Withdrawal,
}

impl DeadlineKind {
    fn label(self) -> &'static str {
        match self {
            DeadlineKind::Review { .. } => "REV-8: 法制审核",
            DeadlineKind::Publication => "PUB-3: 公示",
            DeadlineKind::Decision => "LAW-3: 作出决定",
            DeadlineKind::Service => "LAW-4: 送达",
            DeadlineKind::Withdrawal => "LAW-6: 撤回公示",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub case_id: u64,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
}

/// The queue: key `YYYYMMDD/<seq>` so keys sort by due date.
pub const DEADLINES: Space<str, Deadline> = Space::new(prefix::DEADLINES);

/// Working days allowed for a legal review (REV-8), unless set.
pub const DEFAULT_REVIEW_DAYS: u32 = 5;

fn day_key(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// Puts a deadline in the queue.
pub fn schedule(txn: &mut Txn<'_>, d: Deadline) -> Result<(), DomainError> {
    let seq = crate::domain::core::ids::next_id(txn, "deadline")?;
    DEADLINES.put(txn, &format!("{}/{seq:020}", day_key(d.due)), &d)
}

/// Flags every obligation whose due day is before `today` and is still open.
pub fn expire(txn: &mut Txn<'_>, today: NaiveDate) -> Result<u64, DomainError> {
    let limit = day_key(today);
    let base = txn.base();
    let mut due = Vec::new();
    for key in DEADLINES.keys(base) {
        let name = String::from_utf8_lossy(&key[1..]).to_string();
        if name.as_str() >= limit.as_str() {
            break;
        }
        if let Some(d) = DEADLINES.read(base, &name)? {
            due.push((name, d));
        }
    }
    let mut flagged = 0;
    for (name, d) in due {
        DEADLINES.delete(txn, &name);
        let Some(mut case) = CASES.get(txn, &d.case_id)? else {
            continue;
        };
        let open = match d.kind {
            DeadlineKind::Review { round } => {
                case.state == CaseState::InReview && case.reviews.len() == round as usize
            }
            DeadlineKind::Publication => case.published_at_ms.is_none(),
            // An extended limit supersedes the first one (LAW-3).
            DeadlineKind::Decision => {
                case.decision.is_none()
                    && !case.state.ended()
                    && case.decision_due.is_none_or(|due| d.due >= due)
            }
            DeadlineKind::Withdrawal => {
                let mut still_published = false;
                for p in
                    crate::domain::enforcement::publication::PUBLICATIONS.scan_from(txn.base(), &0)
                {
                    let p = p?;
                    if p.case_id == case.id
                        && matches!(
                            p.state,
                            crate::domain::enforcement::publication::PubState::Published { .. }
                        )
                    {
                        still_published = true;
                    }
                }
                still_published
            }
            DeadlineKind::Service => !served(&case),
        };
        if open {
            case.overdue
                .push(format!("{}超期（期限 {}）", d.kind.label(), d.due));
            CASES.put(txn, &case.id, &case)?;
            flagged += 1;
        }
    }
    Ok(flagged)
}

/// The decision was served (LAW-4): the case moved past `Decided` by a service step.
pub fn served(case: &Case) -> bool {
    case.decision.is_some()
        && matches!(
            case.state,
            CaseState::Served | CaseState::Executed | CaseState::Archived
        )
}

/// `ExtendDecisionLimit` (LAW-3): a head of the agency extends a general-procedure penalty's
/// decision time limit, in all by at most the days the settings allow, with the reason.
pub fn extend(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    days: u32,
    reason: &str,
    now: i64,
) -> Ruled {
    check_text("reason", reason, 500, true)?;
    let Some(mut case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    let head = member_officer(txn, actor, case.agency_id)?;
    if !head.is_some_and(|h| h.duties.contains(&Duty::Head)) {
        return Err(Refusal::new(
            "LAW-3",
            format!(
                "{} 无权延长办案期限：由执法机关 {} 的负责人批准",
                actor.label(),
                case.agency_id
            ),
        )
        .into());
    }
    if case.kind != crate::domain::core::organ::PowerKind::Penalty
        || case.procedure != Procedure::General
        || case.decision.is_some()
        || case.state.ended()
    {
        return Err(Refusal::new(
            "LAW-3",
            "只有尚未作出决定的一般程序处罚案件可以延长办案期限",
        )
        .into());
    }
    let law = crate::domain::enforcement::law::settings(txn.base())?;
    let opened = date_of(case.opened_at_ms).map_err(|e| Refusal::new("INPUT", e.to_string()))?;
    let first = opened + chrono::Duration::days(i64::from(law.decision_days));
    let current = case.decision_due.unwrap_or(first);
    let extended = (current - first).num_days() + i64::from(days);
    if days == 0 || extended > i64::from(law.max_extension_days) {
        return Err(Refusal::new(
            "LAW-3",
            format!(
                "办案期限累计最多延长 {} 日（已延长 {} 日）",
                law.max_extension_days,
                (current - first).num_days()
            ),
        )
        .into());
    }
    let due = current + chrono::Duration::days(i64::from(days));
    let today = date_of(now).map_err(|e| Refusal::new("INPUT", e.to_string()))?;
    if due < today {
        return Err(Refusal::new("LAW-3", "延长后的期限已经过去").into());
    }
    case.decision_due = Some(due);
    CASES.put(txn, &case.id, &case)?;
    schedule(
        txn,
        Deadline {
            case_id,
            kind: DeadlineKind::Decision,
            due,
        },
    )?;
    Ok(CommandResult::Record {
        id: case_id,
        flags: vec![format!("LAW-3：须于 {due} 前作出决定")],
    })
}
