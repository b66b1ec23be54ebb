//! Time limits tracked by the leader's `Tick` (REV-8, PUB-3, LAW-3, LAW-4).
//!
//! Commands that start a clock put an entry in a queue ordered by due date; each `Tick` takes
//! the entries whose day has passed, checks whether the obligation is still open, and if so
//! flags the case (the status summary counts the flags). Nothing is scanned but what is due.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::{add_working_days, date_of, CalendarError};
use crate::domain::calendar::load::TxnYears;
use crate::domain::calendar::provisional::missing_years;
use crate::domain::core::identity::Actor;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{CommandResult, Refusal, Ruled};
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::{member_officer, Case, CaseState, Duty, Procedure, CASES};

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// Puts a deadline in the queue; returns its key.
pub fn schedule(txn: &mut Txn<'_>, d: Deadline) -> Result<String, DomainError> {
    let seq = crate::domain::core::ids::next_id(txn, "deadline")?;
    let key = format!("{}/{seq:020}", day_key(d.due));
    DEADLINES.put(txn, &key, &d)?;
    Ok(key)
}

/// A time limit counted in working days across a year whose holiday notice is not loaded
/// (on its provisional calendar): what it counts from, so it is counted again on the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Counted {
    pub from: NaiveDate,
    pub days: u32,
}

/// Provisional deadlines, by their key in [`DEADLINES`].
pub const PROVISIONAL: Space<str, Counted> = Space::new(prefix::PROVISIONAL);

/// The date `days` working days after `from`, and the years it was counted without their
/// notice (empty: final).
pub fn count(
    txn: &Txn<'_>,
    from: NaiveDate,
    days: u32,
) -> Result<(NaiveDate, Vec<i32>), CalendarError> {
    let years = TxnYears(txn);
    let due = add_working_days(&years, from, days)?;
    Ok((due, missing_years(&years, from, due)))
}

/// The flag of a provisional limit, for the command's answer.
pub fn provisional_flag(rule: &str, missing: &[i32]) -> Option<String> {
    (!missing.is_empty()).then(|| {
        let years: Vec<String> = missing.iter().map(i32::to_string).collect();
        format!(
            "{rule}：{} 年的节假日安排尚未载入，期限暂按法定节日计算，载入后自动重新计算",
            years.join("、")
        )
    })
}

/// Queues a limit of `days` working days from `from` for `case_id`; a provisional one is kept
/// to be counted again. Returns the due day and the years missing.
pub fn schedule_working(
    txn: &mut Txn<'_>,
    case_id: u64,
    kind: DeadlineKind,
    from: NaiveDate,
    days: u32,
) -> Result<Result<(NaiveDate, Vec<i32>), CalendarError>, DomainError> {
    let (due, missing) = match count(txn, from, days) {
        Ok(x) => x,
        Err(e) => return Ok(Err(e)),
    };
    schedule_counted(txn, Deadline { case_id, kind, due }, from, days, &missing)?;
    Ok(Ok((due, missing)))
}

/// Queues `d`, counted as `days` working days from `from`; kept to be counted again when
/// `missing` names years without their notice.
pub fn schedule_counted(
    txn: &mut Txn<'_>,
    d: Deadline,
    from: NaiveDate,
    days: u32,
    missing: &[i32],
) -> Result<(), DomainError> {
    let key = schedule(txn, d)?;
    if !missing.is_empty() {
        PROVISIONAL.put(txn, &key, &Counted { from, days })?;
    }
    Ok(())
}

/// After a year's notice is loaded: every provisional limit still queued is counted again; one
/// that moved is queued under its new day (and a publication's day shown on the decision
/// follows). Returns how many moved.
pub fn recount(txn: &mut Txn<'_>) -> Result<u64, DomainError> {
    let keys: Vec<String> = PROVISIONAL
        .keys(txn.base())
        .map(|k| String::from_utf8_lossy(&k[1..]).into_owned())
        .collect();
    let mut moved = 0;
    for key in keys {
        let Some(c) = PROVISIONAL.get(txn, &key)? else {
            continue;
        };
        PROVISIONAL.delete(txn, &key);
        // Already taken by a Tick: its day passed on the provisional count.
        let Some(d) = DEADLINES.get(txn, &key)? else {
            continue;
        };
        let Ok((due, missing)) = count(txn, c.from, c.days) else {
            continue;
        };
        let key = if due == d.due {
            key
        } else {
            DEADLINES.delete(txn, &key);
            moved += 1;
            if d.kind == DeadlineKind::Publication {
                if let Some(mut case) = CASES.get(txn, &d.case_id)? {
                    if let Some(dec) = case.decision.as_mut() {
                        dec.publish_by = due;
                    }
                    CASES.put(txn, &case.id, &case)?;
                }
            }
            schedule(txn, Deadline { due, ..d })?
        };
        if !missing.is_empty() {
            PROVISIONAL.put(txn, &key, &c)?;
        }
    }
    Ok(moved)
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
        PROVISIONAL.delete(txn, &name);
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
