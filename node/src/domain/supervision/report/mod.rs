//! Quarterly progress reports and staged reports (SUP-1, SUP-3; DOMAIN "Quarterly progress
//! report").
//!
//! An agency drafts its report for a period — figures filled from its records, narrative
//! sections, attachments by digest — and submits it to its region's judicial bureau. The bureau
//! compiles the region's report from its agencies' reports and its own figures and submits it to
//! the parent region. Every submitted or judged report goes up as an item, so every level above
//! holds the reports of its subtree and can recompute rates and figures from them.
//!
//! On time (ARCHITECTURE "Federation guarantees"): a report is on time when its committed
//! submission time — in the child's ledger, proven by a signed head — is on or before the due
//! day (UTC+8). The parent keeps its own receipt time beside it; a report submitted on time but
//! first received after the due day is marked for an inspector to judge.
use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::days::{add_working_days, date_of, start_of};
use crate::domain::calendar::load::StateYears;
use crate::domain::core::identity::{Actor, Organ, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::keys::prefix;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::{in_subtree, parent_of, valid_region_id};
use crate::domain::core::state::{DomainError, Space, State, Txn};
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::registry::AGENCIES;

mod draft;
mod judge;
mod period;
mod rates;
pub use self::draft::*;
pub use self::judge::*;
pub use self::period::*;
pub use self::rates::*;

/// Longest narrative section or reason.
pub const MAX_SECTION: usize = 16 * 1024;

/// Most attachments on one report.
pub const MAX_ATTACHMENTS: usize = 32;

/// Most recipients of a copy.
pub const MAX_COPIES: usize = 16;

/// A unit that reports or is named in a notice: a region (its judicial bureau) or an agency of
/// a region.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Unit {
    /// Region id, a path such as hunan/changsha/liuyang.
    pub region: String,
    /// Id of an agency of that region; unset: the region itself (its judicial bureau).
    pub agency: Option<u64>,
}

impl Unit {
    /// Stable key: `region` or `region#agency`.
    pub fn key(&self) -> String {
        match self.agency {
            Some(a) => format!("{}#{a}", self.region),
            None => self.region.clone(),
        }
    }

    /// Parses `region` or `region#agency`.
    pub fn parse(s: &str) -> Option<Unit> {
        match s.split_once('#') {
            Some((r, a)) => Some(Unit {
                region: r.to_string(),
                agency: Some(a.parse().ok()?),
            }),
            None => Some(Unit {
                region: s.to_string(),
                agency: None,
            }),
        }
    }
}

/// When quarterly reports are due: `days` after the quarter's last day, calendar or working
/// days (working days follow the loaded official calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DueRule {
    /// Days after the quarter's last day: 1–90 (default 15).
    pub days: u32,
    /// True: working days on the official calendar; false (the default): calendar days.
    pub working: bool,
}

/// Unless set: 15 calendar days after quarter end.
pub const DEFAULT_DUE: DueRule = DueRule {
    days: 15,
    working: false,
};

/// A reporting period: a quarter (`2026Q3`) or a staged report defined by a superior (SUP-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Period {
    /// The period's id: 1–40 letters, digits, '-' or '_', not a quarter id such as 2026Q3; defined
    /// once.
    pub id: String,
    /// The period's title: required, at most 16 KiB (bytes).
    pub title: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

/// Narrative sections (cf. seed 001): what was done, results, problems and causes, measures,
/// suggestions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Narrative {
    /// What was done (工作开展情况), required to submit. Each section at most 16 KiB (bytes).
    pub done: String,
    /// Results (取得成效).
    pub results: String,
    /// Problems and their causes (存在问题及原因).
    pub problems: String,
    /// Measures to come (下一步措施).
    pub measures: String,
    /// Suggestions (意见建议).
    pub suggestions: String,
}

/// An attachment, kept by name and content digest (the file lives with the unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ReportAttachment")]
pub struct Attachment {
    /// File name: 1–200 bytes.
    pub name: String,
    /// SHA-256 of the file, 64 hex digits.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
}

/// Where a report stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ReportState {
    Draft,
    Submitted,
    Accepted,
    Returned { reasons: String },
}

impl ReportState {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned { .. } => "returned",
        }
    }
}

/// One version of a unit's report for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    pub id: u64,
    pub unit: Unit,
    pub period: String,
    pub version: u32,
    pub due: NaiveDate,
    pub figures: BTreeMap<String, i64>,
    pub narrative: Narrative,
    pub attachments: Vec<Attachment>,
    /// Same-level government recipients of a copy.
    pub copies_to: Vec<String>,
    /// For a region's report: the agency reports compiled into it (agency id, version).
    pub compiled_from: Vec<(u64, u32)>,
    pub state: ReportState,
    pub drafted_by: String,
    pub submitted_ms: Option<i64>,
    pub submitted_by: Option<String>,
    pub judged_ms: Option<i64>,
    pub judged_by: Option<String>,
}

impl Report {
    /// Submitted on or before the end of its own due day (UTC+8), as the unit's region sees it.
    pub fn submitted_on_time(&self) -> bool {
        self.submitted_by(self.due)
    }

    /// Submitted on or before the end of `due` (UTC+8): a superior judges timeliness by its
    /// own definition of the period, not by the one the child applied.
    pub fn submitted_by(&self, due: NaiveDate) -> bool {
        match (self.submitted_ms, deadline_ms(due)) {
            (Some(s), Some(d)) => s < d,
            _ => false,
        }
    }
}

/// A child's report held by a region above it (only proven items are held here).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeldReport {
    pub origin: String,
    pub report: Report,
    /// This region's receipt time (its replicated clock when the item was applied).
    pub received_ms: i64,
}

impl HeldReport {
    /// Submitted by `due`, but first received here after it: an inspector judges.
    pub fn needs_judgement(&self, due: NaiveDate) -> bool {
        self.report.submitted_by(due) && deadline_ms(due).is_some_and(|d| self.received_ms >= d)
    }
}

pub const PERIODS: Space<str, Period> = Space::new(prefix::PERIODS);

pub const DUE_RULE: Space<str, DueRule> = Space::new(prefix::DUE_RULE);

pub const REPORTS: Space<u64, Report> = Space::new(prefix::REPORTS);

/// (unit key, period) → id of the latest version.
pub const REPORT_LATEST: Space<(String, String), u64> = Space::new(prefix::REPORT_LATEST);

/// Reports of units below, by (unit key, period): the latest version seen.
pub const HELD_REPORTS: Space<(String, String), HeldReport> = Space::new(prefix::HELD_REPORTS);

/// Whether `unit` may be judged or named by `region` (itself or below).
pub fn unit_within(region: &str, unit: &Unit) -> bool {
    unit.region == region || in_subtree(&unit.region, region)
}

#[cfg(test)]
mod tests;
