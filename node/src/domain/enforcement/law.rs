//! The national-law rules (DOMAIN.md LAW-1…LAW-6) as replicated settings of the deployment,
//! with the Administrative Penalty Law's numbers as defaults, and each agency's quorum of heads
//! for a collective decision.
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::{CommandResult, Refusal, Ruled};
use crate::domain::core::state::{DomainError, Space, State, Txn};
use crate::domain::enforcement::model::{Duty, OFFICERS};
use crate::domain::registry::AGENCIES;

/// The numbers of the national-law rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LawSettings {
    /// LAW-1: largest fine in summary procedure on a citizen, fen (art. 51: 200 yuan).
    pub summary_natural_fen: u64,
    /// LAW-1: on an organisation, fen (3,000 yuan).
    pub summary_legal_fen: u64,
    /// LAW-3: calendar days from filing to the decision of a general-procedure penalty (90).
    pub decision_days: u32,
    /// LAW-3: most days the head may extend that limit by (30).
    pub max_extension_days: u32,
    /// LAW-4: working days to serve the decision on an absent party (7).
    pub service_days: u32,
    /// LAW-5: a penalty from this amount, fen, goes to the heads' collective discussion
    /// (100,000 yuan).
    pub serious_fen: u64,
    /// LAW-6: working days to withdraw a changed or revoked publication (3).
    pub withdrawal_days: u32,
    /// PUB-2: the annual check of the previous year is passed by this day (month, day; 3-31).
    pub annual_check_by: (u32, u32),
}

impl Default for LawSettings {
    fn default() -> Self {
        LawSettings {
            summary_natural_fen: 200 * 100,
            summary_legal_fen: 3_000 * 100,
            decision_days: 90,
            max_extension_days: 30,
            service_days: 7,
            serious_fen: 100_000 * 100,
            withdrawal_days: 3,
            annual_check_by: (3, 31),
        }
    }
}

impl LawSettings {
    /// Every number within what the law and common sense allow; the first problem named.
    pub fn validate(&self) -> Result<(), Refusal> {
        let bad = |m: &str| Err(Refusal::new("INPUT", m.to_string()));
        if self.summary_natural_fen == 0 || self.summary_natural_fen > 1_000_000 {
            return bad("LAW-1：对公民的简易程序罚款上限应在 0.01–10,000 元之间");
        }
        if self.summary_legal_fen == 0 || self.summary_legal_fen > 10_000_000 {
            return bad("LAW-1：对组织的简易程序罚款上限应在 0.01–100,000 元之间");
        }
        if !(1..=365).contains(&self.decision_days) || self.max_extension_days > 365 {
            return bad("LAW-3：办案期限应为 1–365 日，延长不超过 365 日");
        }
        if !(1..=60).contains(&self.service_days) || !(1..=60).contains(&self.withdrawal_days) {
            return bad("LAW-4、LAW-6：送达和撤回期限应为 1–60 个工作日");
        }
        if self.serious_fen == 0 {
            return bad("LAW-5：集体讨论的金额标准应大于 0");
        }
        let (m, d) = self.annual_check_by;
        if NaiveDate::from_ymd_opt(2025, m, d).is_none() {
            return bad("PUB-2：年审截止日不是有效的月、日（2 月 29 日也不行）");
        }
        Ok(())
    }

    /// The day by which the annual check of `year - 1` is passed, in `year`.
    pub fn annual_check_deadline(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.annual_check_by.0, self.annual_check_by.1)
    }
}

/// The deployment's settings, under the key `law`.
pub const LAW_SETTINGS: Space<str, LawSettings> = Space::new(prefix::LAW_SETTINGS);

/// An agency's quorum of heads for a collective decision, when set.
pub const QUORUMS: Space<u64, u32> = Space::new(prefix::QUORUMS);

/// The settings in force (the defaults until set).
pub fn settings(state: &State) -> Result<LawSettings, DomainError> {
    Ok(LAW_SETTINGS.read(state, "law")?.unwrap_or_default())
}

/// `SetLawSettings`: by the bureau's head or a supervisor.
pub fn set(txn: &mut Txn<'_>, actor: &Actor, s: &LawSettings) -> Ruled {
    if !actor.of_bureau(&[Role::Head, Role::Supervisor]) {
        return Err(Refusal::new(
            "AUTH",
            format!(
                "{} 无权修改法定期限和标准：由司法局负责人或监督人员设定",
                actor.label()
            ),
        )
        .into());
    }
    s.validate()?;
    LAW_SETTINGS.put(txn, "law", s)?;
    Ok(CommandResult::None)
}

/// The heads of an agency: its officers with the head duty.
pub fn heads_of(state: &State, agency_id: u64) -> Result<Vec<u64>, DomainError> {
    let mut out = Vec::new();
    for o in OFFICERS.scan_from(state, &0) {
        let o = o?;
        if o.agency_id == agency_id && o.duties.contains(&Duty::Head) {
            out.push(o.id);
        }
    }
    Ok(out)
}

/// Heads needed present at a collective decision: the agency's quorum when set, else three,
/// or all its heads when it has fewer.
pub fn quorum(state: &State, agency_id: u64) -> Result<usize, DomainError> {
    let heads = heads_of(state, agency_id)?.len();
    Ok(match QUORUMS.read(state, &agency_id)? {
        Some(q) => q as usize,
        None => heads.clamp(1, 3),
    })
}

/// `SetQuorum`: the agency's head sets how many heads a collective decision needs (1–15).
pub fn set_quorum(txn: &mut Txn<'_>, actor: &Actor, agency_id: u64, heads: u32) -> Ruled {
    if !actor.acts_for(Organ::Agency(agency_id), &[Role::Head]) {
        return Err(Refusal::new(
            "REV-1",
            format!(
                "{} 无权设定执法机关 {agency_id} 集体讨论的法定人数：由该机关负责人设定",
                actor.label()
            ),
        )
        .into());
    }
    if AGENCIES.get(txn, &agency_id)?.is_none() {
        return Err(Refusal::new("INPUT", format!("没有编号为 {agency_id} 的执法机关")).into());
    }
    if !(1..=15).contains(&heads) {
        return Err(Refusal::new("INPUT", "法定人数应为 1–15 名负责人").into());
    }
    QUORUMS.put(txn, &agency_id, &heads)?;
    Ok(CommandResult::Record {
        id: agency_id,
        flags: vec![],
    })
}

/// Whether an officer's certificate misses the annual check of the year before `day`, past
/// the deadline of `day`'s year: certificates issued in `day`'s year are not yet due.
pub fn misses_annual_check(
    s: &LawSettings,
    cert: &crate::domain::enforcement::model::Certificate,
    day: NaiveDate,
) -> bool {
    let year = day.year();
    let Some(deadline) = s.annual_check_deadline(year) else {
        return false;
    };
    day > deadline && cert.valid_from.year() < year && !cert.checked_years.contains(&(year - 1))
}
