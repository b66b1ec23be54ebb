//! Time limits tracked by the leader's `Tick` (REV-8, PUB-3, LAW-3, LAW-4).
//!
//! Commands that start a clock put an entry in a queue ordered by due date; each `Tick` takes
//! the entries whose day has passed, checks whether the obligation is still open, and if so
//! flags the case (the status summary counts the flags). Nothing is scanned but what is due.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::core::keys::prefix;
use crate::domain::core::state::{DomainError, Space, Txn};
use crate::domain::enforcement::model::{CaseState, StepKind, CASES, STEPS};

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
            DeadlineKind::Review { .. } => "REV-8: legal review",
            DeadlineKind::Publication => "PUB-3: publication",
            DeadlineKind::Decision => "LAW-3: decision",
            DeadlineKind::Service => "LAW-4: service",
            DeadlineKind::Withdrawal => "LAW-6: withdrawal",
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
/// LAW-3: calendar days from filing to a general-procedure penalty decision.
pub const DECISION_DAYS: i64 = 90;
/// LAW-4: working days to serve a decision on an absent party.
pub const SERVICE_DAYS: u32 = 7;

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
            DeadlineKind::Decision => {
                !matches!(case.state, CaseState::Decided | CaseState::Transferred)
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
            DeadlineKind::Service => {
                let mut served = false;
                for s in &case.steps {
                    if STEPS
                        .get(txn, s)?
                        .is_some_and(|st| st.kind == StepKind::Service)
                    {
                        served = true;
                    }
                }
                !served
            }
        };
        if open {
            case.overdue
                .push(format!("{} due {} is overdue", d.kind.label(), d.due));
            CASES.put(txn, &case.id, &case)?;
            flagged += 1;
        }
    }
    Ok(flagged)
}
