//! Publication of decisions (PUB-3, PUB-4, PUB-5, LAW-6).
//! Drafted → release review (发布审核) → published. What the public sees is the redacted text:
//! ID numbers, phone numbers and addresses are masked even inside free text, a credit code stays,
//! and every masking is recorded. A correction is a new version; the old one is kept, marked
//! superseded. A changed or revoked decision is withdrawn within 3 working days with the reason.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::{add_working_days, date_of};
use crate::domain::calendar::load::StateYears;
use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::keys::prefix;
use crate::domain::core::organ::PowerKind;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::state::{DomainError, Space, State, Txn};
use crate::domain::core::text::check_text;
use crate::domain::enforcement::model::{member_officer, Duty, CASES};
use crate::domain::enforcement::redact::{redact, Masking};

/// Working days to publish, per kind (PUB-3): licensing and penalty 7, others 20, unless set.
pub const PUBLISH_DAYS: Space<str, u32> = Space::new(prefix::PUBLISH_DAYS);

pub fn default_publish_days(kind: PowerKind) -> u32 {
    match kind {
        PowerKind::Licensing | PowerKind::Penalty => 7,
        _ => 20,
    }
}

/// A day-count setting by name (e.g. `review_days`), or its default.
pub fn setting_days(state: &State, name: &str, default: u32) -> Result<u32, DomainError> {
    Ok(DAY_SETTINGS.read(state, name)?.unwrap_or(default))
}

/// Day-count settings that change outcomes (replicated), by name, e.g. `review_days`.
pub const DAY_SETTINGS: Space<str, u32> = Space::new(prefix::DAY_SETTINGS);

/// Days in force for a kind.
pub fn publish_days(state: &State, kind: PowerKind) -> Result<u32, DomainError> {
    Ok(PUBLISH_DAYS
        .read(state, kind.as_str())?
        .unwrap_or_else(|| default_publish_days(kind)))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum PubState {
    Drafted,
    Rejected {
        reasons: String,
    },
    Published {
        at_ms: i64,
        on_time: bool,
    },
    Superseded {
        by: u64,
    },
    Withdrawn {
        reason: String,
        at_ms: i64,
        due: NaiveDate,
        on_time: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Publication {
    pub id: u64,
    pub case_id: u64,
    pub agency_id: u64,
    pub kind: PowerKind,
    pub version: u32,
    pub supersedes: Option<u64>,
    pub due: NaiveDate,
    /// The text as drafted (internal).
    pub draft: String,
    /// What the public sees (PUB-4).
    pub public_text: String,
    pub masked: Vec<Masking>,
    /// Legal basis when a law provides otherwise than the 7/20-day table.
    pub exception_basis: Option<String>,
    pub state: PubState,
    pub drafted_by: String,
    pub reviewed_by: Option<String>,
}

pub const PUBLICATIONS: Space<u64, Publication> = Space::new(prefix::PUBLICATIONS);

fn staff_of(
    txn: &Txn<'_>,
    actor: &Actor,
    agency_id: u64,
    duty: Option<Duty>,
) -> Result<bool, DomainError> {
    let Actor::Person(p) = actor else {
        return Ok(false);
    };
    if p.organ != Organ::Agency(agency_id) {
        return Ok(false);
    }
    Ok(member_officer(txn, actor, agency_id)?
        .is_some_and(|o| duty.is_none_or(|d| o.duties.contains(&d)))
        || p.role == Role::Clerk && duty.is_none())
}

pub fn draft(
    txn: &mut Txn<'_>,
    actor: &Actor,
    case_id: u64,
    content: &str,
    exception_basis: Option<&str>,
) -> Ruled {
    check_text("content", content, 50_000, true)?;
    if let Some(b) = exception_basis {
        if let Err(r) = check_text("exception_basis", b, 1000, true) {
            return Err(Refusal::new("PUB-3", r.message).into());
        }
    }
    let Some(case) = CASES.get(txn, &case_id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {case_id} 的案件")).into());
    };
    let Some(decision) = &case.decision else {
        return Err(Refusal::new(
            "PUB-3",
            format!("案件 {case_id} 尚未作出决定，没有可公示的决定"),
        )
        .into());
    };
    if !staff_of(txn, actor, case.agency_id, None)? {
        return Err(Refusal::new(
            "AUTH",
            format!(
                "{} 不是执法机关 {} 的工作人员",
                actor.label(),
                case.agency_id
            ),
        )
        .into());
    }
    // A correction (PUB-5) follows the latest published version of the case.
    let mut latest: Option<Publication> = None;
    for p in PUBLICATIONS.scan_from(txn.base(), &0) {
        let p = p?;
        if p.case_id == case_id && matches!(p.state, PubState::Published { .. }) {
            latest = Some(p);
        }
    }
    let r = redact(content);
    let id = next_id(txn, "publication")?;
    let flags = r
        .masked
        .iter()
        .map(|m| format!("PUB-4：已遮蔽{}（{} 个字符）", m.kind.label(), m.len))
        .collect();
    PUBLICATIONS.put(
        txn,
        &id,
        &Publication {
            id,
            case_id,
            agency_id: case.agency_id,
            kind: case.kind,
            version: latest.as_ref().map(|p| p.version + 1).unwrap_or(1),
            supersedes: latest.map(|p| p.id),
            due: decision.publish_by,
            draft: content.to_string(),
            public_text: r.text,
            masked: r.masked,
            exception_basis: exception_basis.map(str::to_string),
            state: PubState::Drafted,
            drafted_by: actor.label(),
            reviewed_by: None,
        },
    )?;
    Ok(CommandResult::Record { id, flags })
}

/// Release review (发布审核): a head of the agency who did not draft it approves or rejects.
pub fn release(
    txn: &mut Txn<'_>,
    actor: &Actor,
    id: u64,
    approve: bool,
    reasons: &str,
    now: i64,
) -> Ruled {
    let Some(mut p) = PUBLICATIONS.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的公示")).into());
    };
    if p.state != PubState::Drafted {
        return Err(Refusal::new("PUB-3", format!("公示 {id} 不在待发布审核状态")).into());
    }
    if !staff_of(txn, actor, p.agency_id, Some(Duty::Head))? {
        return Err(Refusal::new("PUB-3", "发布审核由本执法机关负责人办理").into());
    }
    if p.drafted_by == actor.label() {
        return Err(Refusal::new("PUB-3", "发布审核须由起草人以外的人员办理").into());
    }
    if !approve {
        check_text("reasons", reasons, 2000, true)?;
        p.state = PubState::Rejected {
            reasons: reasons.to_string(),
        };
        p.reviewed_by = Some(actor.label());
        PUBLICATIONS.put(txn, &id, &p)?;
        return Ok(CommandResult::Record { id, flags: vec![] });
    }
    let today = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    let on_time = today <= p.due || p.exception_basis.is_some();
    p.state = PubState::Published {
        at_ms: now,
        on_time,
    };
    p.reviewed_by = Some(actor.label());
    if let Some(old_id) = p.supersedes {
        if let Some(mut old) = PUBLICATIONS.get(txn, &old_id)? {
            old.state = PubState::Superseded { by: id };
            PUBLICATIONS.put(txn, &old_id, &old)?;
        }
    }
    PUBLICATIONS.put(txn, &id, &p)?;
    if let Some(mut case) = CASES.get(txn, &p.case_id)? {
        if case.published_at_ms.is_none() {
            case.published_at_ms = Some(now);
            CASES.put(txn, &case.id, &case)?;
        }
    }
    let flags = if on_time {
        vec![]
    } else {
        vec![format!("PUB-3：逾期公示（截止 {}）", p.due)]
    };
    Ok(CommandResult::Record { id, flags })
}

/// LAW-6 / PUB-5: withdraw a published decision that was changed, revoked or found unlawful,
/// within 3 working days of `changed_on`.
pub fn withdraw(
    txn: &mut Txn<'_>,
    actor: &Actor,
    id: u64,
    reason: &str,
    changed_on: NaiveDate,
    now: i64,
) -> Ruled {
    if let Err(r) = check_text("reason", reason, 2000, true) {
        return Err(Refusal::new("LAW-6", r.message).into());
    }
    let Some(mut p) = PUBLICATIONS.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("没有编号为 {id} 的公示")).into());
    };
    if !matches!(p.state, PubState::Published { .. }) {
        return Err(Refusal::new("LAW-6", format!("公示 {id} 未处于已发布状态，不能撤回")).into());
    }
    if !staff_of(txn, actor, p.agency_id, None)? {
        return Err(Refusal::new(
            "AUTH",
            format!("{} 不是执法机关 {} 的工作人员", actor.label(), p.agency_id),
        )
        .into());
    }
    let today = match date_of(now) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("INPUT", e.to_string()).into()),
    };
    if changed_on > today {
        return Err(Refusal::new("INPUT", "决定变更的日期不能晚于今天").into());
    }
    let due = match add_working_days(&StateYears(txn.base()), changed_on, 3) {
        Ok(d) => d,
        Err(e) => return Err(Refusal::new("LAW-6", e.to_string()).into()),
    };
    let on_time = today <= due;
    p.state = PubState::Withdrawn {
        reason: reason.to_string(),
        at_ms: now,
        due,
        on_time,
    };
    PUBLICATIONS.put(txn, &id, &p)?;
    let flags = if on_time {
        vec![]
    } else {
        vec![format!("LAW-6：逾期撤回公示（截止 {due}）")]
    };
    Ok(CommandResult::Record { id, flags })
}

/// Set the working days to publish a kind of decision (PUB-3; 003 puts coercion and
/// expropriation in the 7-day group).
pub fn set_days(txn: &mut Txn<'_>, actor: &Actor, kind: PowerKind, days: u32) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) {
        return Err(Refusal::new(
            "PUB-3",
            format!(
                "{} 无权修改公示时限表：由司法局负责人或监督人员设定",
                actor.label()
            ),
        )
        .into());
    }
    if !(1..=60).contains(&days) {
        return Err(Refusal::new("INPUT", "期限应为 1–60 个工作日").into());
    }
    PUBLISH_DAYS.put(txn, kind.as_str(), &days)?;
    Ok(CommandResult::Record {
        id: days as u64,
        flags: vec![],
    })
}

/// REV-8: working days allowed for a legal review (default 5).
pub fn set_review_days(txn: &mut Txn<'_>, actor: &Actor, days: u32) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) {
        return Err(Refusal::new(
            "REV-8",
            format!(
                "{} 无权修改法制审核时限：由司法局负责人或监督人员设定",
                actor.label()
            ),
        )
        .into());
    }
    if !(1..=60).contains(&days) {
        return Err(Refusal::new("INPUT", "期限应为 1–60 个工作日").into());
    }
    DAY_SETTINGS.put(txn, "review_days", &days)?;
    Ok(CommandResult::Record {
        id: days as u64,
        flags: vec![],
    })
}
