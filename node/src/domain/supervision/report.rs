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
use crate::domain::core::identity::{Actor, Role};
use crate::domain::core::ids::next_id;
use crate::domain::core::outcome::Ruled;
use crate::domain::core::outcome::{CommandResult, Refusal};
use crate::domain::core::region::{in_subtree, parent_of, valid_region_id};
use crate::domain::core::state::{DomainError, Space, State, Txn};
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::port::{Downlink, Downward, Upward};

/// Longest narrative section or reason.
pub const MAX_SECTION: usize = 16 * 1024;
/// Most attachments on one report.
pub const MAX_ATTACHMENTS: usize = 32;
/// Most recipients of a copy.
pub const MAX_COPIES: usize = 16;

/// A unit that reports or is named in a notice: a region (its judicial bureau) or an agency of
/// a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Unit {
    pub region: String,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueRule {
    pub days: u32,
    pub working: bool,
}

/// Unless set: 15 calendar days after quarter end.
pub const DEFAULT_DUE: DueRule = DueRule {
    days: 15,
    working: false,
};

/// A reporting period: a quarter (`2026Q3`) or a staged report defined by a superior (SUP-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub id: String,
    pub title: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
}

/// Narrative sections (cf. seed 001): what was done, results, problems and causes, measures,
/// suggestions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    pub done: String,
    pub results: String,
    pub problems: String,
    pub measures: String,
    pub suggestions: String,
}

/// An attachment, kept by name and content digest (the file lives with the unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    /// SHA-256 of the file, 64 hex digits.
    pub sha256: String,
    pub bytes: u64,
}

/// Where a report stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

pub const PERIODS: Space<str, Period> = Space::new(b'P');
pub const DUE_RULE: Space<str, DueRule> = Space::new(b'Q');
pub const REPORTS: Space<u64, Report> = Space::new(b'R');
/// (unit key, period) → id of the latest version.
pub const REPORT_LATEST: Space<(String, String), u64> = Space::new(b'L');
/// Reports of units below, by (unit key, period): the latest version seen.
pub const HELD_REPORTS: Space<(String, String), HeldReport> = Space::new(b'K');

/// Unix ms at which the day after `due` starts in UTC+8.
pub fn deadline_ms(due: NaiveDate) -> Option<i64> {
    start_of(due.checked_add_signed(Duration::days(1))?).ok()
}

/// `2026Q3` → (2026, 3).
pub fn parse_quarter(id: &str) -> Option<(i32, u32)> {
    let (y, q) = id.split_once('Q')?;
    if y.len() != 4 || q.len() != 1 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let q: u32 = q.parse().ok()?;
    ((2000..=2100).contains(&y) && (1..=4).contains(&q)).then_some((y, q))
}

/// First and last day of a quarter.
pub fn quarter_bounds(year: i32, q: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1)?;
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, 3 * q + 1, 1)?
    };
    Some((start, next.pred_opt()?))
}

/// The quarter containing `today`, e.g. 2026-11-24 → `2026Q4`.
pub fn quarter_of(today: NaiveDate) -> String {
    format!("{}Q{}", today.year(), (today.month() - 1) / 3 + 1)
}

/// The quarter before the one containing `today`, e.g. 2026-11-24 → `2026Q3`.
pub fn previous_quarter(today: NaiveDate) -> String {
    let q = (today.month() - 1) / 3 + 1;
    if q == 1 {
        format!("{}Q4", today.year() - 1)
    } else {
        format!("{}Q{}", today.year(), q - 1)
    }
}

/// Resolves a period id against the state: a quarter with the configured due rule, or a staged
/// period defined here.
pub fn period(state: &State, id: &str) -> Ruled<Period> {
    if let Some((y, q)) = parse_quarter(id) {
        let Some((start, end)) = quarter_bounds(y, q) else {
            return Err(Refusal::new("INPUT", format!("no quarter {id}")).into());
        };
        let rule = DUE_RULE.read(state, "quarterly")?.unwrap_or(DEFAULT_DUE);
        let due = if rule.working {
            match add_working_days(&StateYears(state), end, rule.days) {
                Ok(d) => d,
                Err(e) => {
                    return Err(Refusal::new(
                        "SUP-1",
                        format!("the due date of {id} needs the official calendar: {e}"),
                    )
                    .into())
                }
            }
        } else {
            match end.checked_add_signed(Duration::days(i64::from(rule.days))) {
                Some(d) => d,
                None => return Err(Refusal::new("INPUT", "due date out of range").into()),
            }
        };
        return Ok(Period {
            id: id.to_string(),
            title: format!("{y}年第{q}季度"),
            start,
            end,
            due,
        });
    }
    match PERIODS.read(state, id)? {
        Some(p) => Ok(p),
        None => Err(Refusal::new(
            "SUP-3",
            format!("no reporting period {id:?}: a quarter is written like 2026Q3, a staged report must be defined first"),
        )
        .into()),
    }
}

fn bureau(actor: &Actor, what: &str) -> Result<String, Refusal> {
    match actor {
        Actor::Person(p) if matches!(p.role, Role::Clerk | Role::Head | Role::Supervisor) => {
            Ok(actor.label())
        }
        _ => Err(Refusal::new(
            "SUP-1",
            format!(
                "{} may not {what}: a clerk, supervisor or head of the unit does",
                actor.label()
            ),
        )),
    }
}

fn judge_role(actor: &Actor) -> Result<String, Refusal> {
    match actor {
        Actor::Person(p) if matches!(p.role, Role::Head | Role::Supervisor | Role::Inspector) => {
            Ok(actor.label())
        }
        _ => Err(Refusal::new(
            "SUP-1",
            format!(
                "{} may not accept or return reports: a supervisor, inspector or head of the receiving bureau does",
                actor.label()
            ),
        )),
    }
}

fn text_ok(s: &str, what: &str) -> Result<(), Refusal> {
    if s.len() > MAX_SECTION {
        return Err(Refusal::new(
            "INPUT",
            format!("{what} is longer than {MAX_SECTION} bytes"),
        ));
    }
    Ok(())
}

/// `SetReportDue`: the due rule of quarterly reports (province-wide when sent down as a setting).
pub fn set_due(txn: &mut Txn<'_>, actor: &Actor, rule: DueRule) -> Ruled {
    if !matches!(actor, Actor::Person(p) if matches!(p.role, Role::Head | Role::Supervisor))
        && !matches!(actor, Actor::Node { .. })
    {
        return Err(Refusal::new(
            "SUP-1",
            "only a supervisor or head sets when reports are due",
        )
        .into());
    }
    if rule.days == 0 || rule.days > 90 {
        return Err(Refusal::new("INPUT", "reports are due 1–90 days after the quarter").into());
    }
    DUE_RULE.put(txn, "quarterly", &rule)?;
    Ok(CommandResult::None)
}

/// `DefinePeriod`: a staged or dated report (SUP-3).
pub fn define_period(txn: &mut Txn<'_>, actor: &Actor, p: &Period) -> Ruled {
    if !matches!(actor, Actor::Person(x) if matches!(x.role, Role::Head | Role::Supervisor))
        && !matches!(actor, Actor::Node { .. })
    {
        return Err(Refusal::new(
            "SUP-3",
            "only a supervisor or head defines a reporting period",
        )
        .into());
    }
    let id_ok = !p.id.is_empty()
        && p.id.len() <= 40
        && p.id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok || parse_quarter(&p.id).is_some() {
        return Err(Refusal::new(
            "INPUT",
            "a staged period id is 1–40 letters, digits, '-' or '_', and not a quarter",
        )
        .into());
    }
    if p.title.trim().is_empty() || p.start > p.end || p.due < p.end {
        return Err(Refusal::new(
            "INPUT",
            "a period needs a title, start ≤ end, and a due date on or after its end",
        )
        .into());
    }
    text_ok(&p.title, "the title")?;
    if PERIODS.get(txn, &p.id)?.is_some() {
        return Err(Refusal::new(
            "CONFLICT",
            format!(
                "period {} is already defined; reports may refer to it",
                p.id
            ),
        )
        .into());
    }
    PERIODS.put(txn, &p.id, p)?;
    Ok(CommandResult::None)
}

/// Every agency's figures for a period, from the records, in one pass over cases and
/// publications.
pub fn figures_by_agency(
    state: &State,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<BTreeMap<u64, BTreeMap<String, i64>>, DomainError> {
    let within = |ms: i64| date_of(ms).is_ok_and(|d| d >= start && d <= end);
    let mut all: BTreeMap<u64, BTreeMap<String, i64>> = BTreeMap::new();
    let mut bump = |agency: u64, k: &str| {
        *all.entry(agency)
            .or_default()
            .entry(k.to_string())
            .or_insert(0) += 1
    };
    for c in crate::domain::enforcement::model::CASES.scan_from(state, &0) {
        let c = c?;
        let a = c.agency_id;
        if within(c.opened_at_ms) {
            bump(a, "cases_opened");
        }
        if c.decision.as_ref().is_some_and(|d| within(d.decided_at_ms)) {
            bump(a, "decisions");
            if c.major == Some(true) {
                bump(a, "major_decisions");
            }
            if c.reviews.iter().any(|r| r.opinion.is_some()) {
                bump(a, "reviewed_decisions");
            }
        }
        for o in &c.legal_outcomes {
            if o.on >= start && o.on <= end {
                bump(a, "challenged");
                if o.result.corrects() {
                    bump(a, "corrected");
                }
            }
        }
        if !c.overdue.is_empty() {
            bump(a, "overdue_now");
        }
    }
    for p in PUBLICATIONS.scan_from(state, &0) {
        let p = p?;
        match p.state {
            PubState::Published { at_ms, on_time } | PubState::Withdrawn { at_ms, on_time, .. }
                if within(at_ms) =>
            {
                bump(
                    p.agency_id,
                    if on_time {
                        "published_on_time"
                    } else {
                        "published_late"
                    },
                );
            }
            _ => {}
        }
    }
    Ok(all)
}

/// Whether an agency exists and is active at the end of `end` (not closed or merged by then).
pub fn agency_active(a: &crate::domain::core::organ::Agency, end: NaiveDate) -> bool {
    let created = date_of(a.created_at_ms).is_ok_and(|d| d <= end);
    created && a.closed.as_ref().is_none_or(|c| c.on > end)
}

/// `DraftReport`: creates or replaces the draft of a unit's report for a period; a returned
/// report is redrafted as a new version.
pub fn draft(txn: &mut Txn<'_>, actor: &Actor, region: &str, input: &DraftReport) -> Ruled {
    let by = bureau(actor, "draft a report")?;
    let n = &input.narrative;
    for (s, what) in [
        (&n.done, "what was done"),
        (&n.results, "results"),
        (&n.problems, "problems"),
        (&n.measures, "measures"),
        (&n.suggestions, "suggestions"),
    ] {
        text_ok(s, what)?;
    }
    if input.attachments.len() > MAX_ATTACHMENTS
        || input.attachments.iter().any(|a| {
            a.name.trim().is_empty()
                || a.name.len() > 200
                || a.sha256.len() != 64
                || !a.sha256.bytes().all(|b| b.is_ascii_hexdigit())
        })
    {
        return Err(Refusal::new(
            "INPUT",
            format!("at most {MAX_ATTACHMENTS} attachments, each with a name of 1–200 bytes and a SHA-256 of 64 hex digits"),
        ).into());
    }
    if input.copies_to.len() > MAX_COPIES
        || input
            .copies_to
            .iter()
            .any(|c| c.trim().is_empty() || c.len() > 200)
    {
        return Err(Refusal::new(
            "INPUT",
            format!("at most {MAX_COPIES} copy recipients of 1–200 bytes"),
        )
        .into());
    }
    let period = period(txn.base(), &input.period)?;
    let unit = Unit {
        region: region.to_string(),
        agency: input.agency,
    };
    if let Some(a) = input.agency {
        match AGENCIES.get(txn, &a)? {
            Some(ag) if agency_active(&ag, period.end) => {}
            Some(_) => {
                return Err(Refusal::new(
                    "SUP-1",
                    format!(
                        "agency {a} was not active at the end of {} (closed or not yet registered) and does not report for it",
                        period.id
                    ),
                ).into())
            }
            None => return Err(Refusal::new("INPUT", format!("no agency {a}")).into()),
        }
    }
    let key = (unit.key(), period.id.clone());
    let latest = match REPORT_LATEST.get(txn, &key)? {
        Some(id) => REPORTS.get(txn, &id)?,
        None => None,
    };
    let (id, version) = match &latest {
        Some(r) if r.state == ReportState::Draft => (r.id, r.version),
        Some(r) if matches!(r.state, ReportState::Returned { .. }) => {
            (next_id(txn, "report")?, r.version + 1)
        }
        Some(r) => {
            return Err(Refusal::new(
                "SUP-1",
                format!(
                    "{} {} version {} is already {}; a new version follows only a return",
                    unit.key(),
                    period.id,
                    r.version,
                    r.state.as_str()
                ),
            )
            .into())
        }
        None => (next_id(txn, "report")?, 1),
    };
    let report = Report {
        id,
        unit,
        period: period.id.clone(),
        version,
        due: period.due,
        figures: BTreeMap::new(),
        narrative: input.narrative.clone(),
        attachments: input.attachments.clone(),
        copies_to: input.copies_to.clone(),
        compiled_from: Vec::new(),
        state: ReportState::Draft,
        drafted_by: by,
        submitted_ms: None,
        submitted_by: None,
        judged_ms: None,
        judged_by: None,
    };
    REPORTS.put(txn, &id, &report)?;
    REPORT_LATEST.put(txn, &key, &id)?;
    Ok(CommandResult::Record { id, flags: vec![] })
}

/// What a draft carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftReport {
    /// The agency reporting, or `None` for the region's own (compiled) report.
    pub agency: Option<u64>,
    pub period: String,
    pub narrative: Narrative,
    pub attachments: Vec<Attachment>,
    pub copies_to: Vec<String>,
}

/// `SubmitReport`: figures are filled from the records at submission; an agency's report goes
/// to its bureau (this region), the region's report to the parent (as an item).
pub fn submit(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    id: u64,
    now: i64,
    up: &mut Vec<Upward>,
) -> Ruled {
    let by = bureau(actor, "submit a report")?;
    let Some(mut r) = REPORTS.get(txn, &id)? else {
        return Err(Refusal::new("INPUT", format!("no report {id}")).into());
    };
    if r.state != ReportState::Draft {
        return Err(Refusal::new(
            "SUP-1",
            format!("report {id} is {}, not a draft", r.state.as_str()),
        )
        .into());
    }
    if r.unit.agency.is_none() && parent_of(region).is_none() {
        return Err(Refusal::new("SUP-1", "this region has no parent to report to").into());
    }
    if r.narrative.done.trim().is_empty() {
        return Err(Refusal::new(
            "SUP-1",
            "a report states what was done (narrative section 'done') before it is submitted",
        )
        .into());
    }
    let period = period(txn.base(), &r.period)?;
    let mut figures = figures_by_agency(txn.base(), period.start, period.end)?;
    match r.unit.agency {
        Some(a) => r.figures = figures.remove(&a).unwrap_or_default(),
        None => {
            // The region's report: its own figures over every agency, and the agency reports
            // it compiles.
            let mut total: BTreeMap<String, i64> = BTreeMap::new();
            let mut compiled = Vec::new();
            for a in AGENCIES.scan_from(txn.base(), &0) {
                let a = a?;
                if !agency_active(&a, period.end) {
                    continue;
                }
                for (k, v) in figures.remove(&a.id).unwrap_or_default() {
                    *total.entry(k).or_insert(0) += v;
                }
                let unit = Unit {
                    region: region.to_string(),
                    agency: Some(a.id),
                };
                if let Some(rid) = REPORT_LATEST.get(txn, &(unit.key(), r.period.clone()))? {
                    if let Some(ar) = REPORTS.get(txn, &rid)? {
                        if matches!(ar.state, ReportState::Submitted | ReportState::Accepted) {
                            compiled.push((a.id, ar.version));
                        }
                    }
                }
            }
            r.figures = total;
            r.compiled_from = compiled;
        }
    }
    r.state = ReportState::Submitted;
    r.submitted_ms = Some(now);
    r.submitted_by = Some(by);
    r.due = period.due;
    REPORTS.put(txn, &id, &r)?;
    let flags = if r.submitted_on_time() {
        vec![]
    } else {
        vec![format!("SUP-1: late, due {}", r.due)]
    };
    up.push(Upward::Report(Box::new(r)));
    Ok(CommandResult::Record { id, flags })
}

/// `JudgeReport`: the receiving bureau accepts or returns (with reasons) an agency's report of
/// this region, or a direct child region's report (the decision travels down to it).
#[allow(clippy::too_many_arguments)]
pub fn judge(
    txn: &mut Txn<'_>,
    actor: &Actor,
    region: &str,
    unit: &Unit,
    period_id: &str,
    accept: bool,
    reasons: &str,
    now: i64,
    up: &mut Vec<Upward>,
    down: &mut dyn Downlink,
) -> Ruled {
    let by = judge_role(actor)?;
    if !valid_region_id(&unit.region) {
        return Err(Refusal::new("INPUT", format!("{:?} is not a region id", unit.region)).into());
    }
    if !accept && reasons.trim().is_empty() {
        return Err(Refusal::new("SUP-1", "a return states its reasons").into());
    }
    text_ok(reasons, "the reasons")?;
    let key = (unit.key(), period_id.to_string());
    let state = if accept {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: reasons.to_string(),
        }
    };
    if unit.region == region && unit.agency.is_some() {
        let Some(id) = REPORT_LATEST.get(txn, &key)? else {
            return Err(Refusal::new(
                "INPUT",
                format!("no report of {} for {period_id}", unit.key()),
            )
            .into());
        };
        let Some(mut r) = REPORTS.get(txn, &id)? else {
            return Err(Refusal::new("INPUT", format!("no report {id}")).into());
        };
        if r.state != ReportState::Submitted {
            return Err(Refusal::new(
                "SUP-1",
                format!("report {id} is {}, not submitted", r.state.as_str()),
            )
            .into());
        }
        r.state = state;
        r.judged_ms = Some(now);
        r.judged_by = Some(by);
        REPORTS.put(txn, &id, &r)?;
        up.push(Upward::Report(Box::new(r)));
        return Ok(CommandResult::Record { id, flags: vec![] });
    }
    if unit.agency.is_some() || parent_of(&unit.region) != Some(region) {
        return Err(Refusal::new(
            "SUP-1",
            format!(
                "{} does not report to {region}: a bureau judges its own agencies' reports and its direct child regions' reports",
                unit.key()
            ),
        ).into());
    }
    let Some(mut held) = HELD_REPORTS.get(txn, &key)? else {
        return Err(Refusal::new(
            "INPUT",
            format!("no report of {} for {period_id} has arrived", unit.key()),
        )
        .into());
    };
    if held.report.state != ReportState::Submitted {
        return Err(Refusal::new(
            "SUP-1",
            format!(
                "the report of {} for {period_id} is {}, not submitted",
                unit.key(),
                held.report.state.as_str()
            ),
        )
        .into());
    }
    held.report.state = state;
    held.report.judged_ms = Some(now);
    held.report.judged_by = Some(by.clone());
    let version = held.report.version;
    HELD_REPORTS.put(txn, &key, &held)?;
    let body = Downward::ReportJudged {
        period: period_id.to_string(),
        version,
        accepted: accept,
        reasons: reasons.to_string(),
    };
    let seq = down.send(txn, region, &unit.region, &by, body, now)?;
    // Levels above learn the judgement from the judge itself.
    up.push(Upward::ReportJudged(Box::new(Judgement {
        unit: unit.clone(),
        period: period_id.to_string(),
        version,
        accepted: accept,
        reasons: reasons.to_string(),
        by,
    })));
    Ok(CommandResult::Record {
        id: seq,
        flags: vec![],
    })
}

/// The parent's decision arrived here (this region is the addressee): the report's state
/// follows it, if it is still the version judged.
#[allow(clippy::too_many_arguments)]
pub fn on_judged(
    txn: &mut Txn<'_>,
    region: &str,
    period_id: &str,
    version: u32,
    accepted: bool,
    reasons: &str,
    by: &str,
    now: i64,
) -> Result<(), DomainError> {
    let unit = Unit {
        region: region.to_string(),
        agency: None,
    };
    let Some(id) = REPORT_LATEST.get(txn, &(unit.key(), period_id.to_string()))? else {
        return Ok(());
    };
    let Some(mut r) = REPORTS.get(txn, &id)? else {
        return Ok(());
    };
    if r.version != version || r.state != ReportState::Submitted {
        return Ok(());
    }
    r.state = if accepted {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: reasons.to_string(),
        }
    };
    r.judged_ms = Some(now);
    r.judged_by = Some(by.to_string());
    REPORTS.put(txn, &id, &r)
}

/// A parent's judgement of a child region's report, as the parent states it (an item of the
/// parent's, so levels above the judge learn it from the judge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub unit: Unit,
    pub period: String,
    pub version: u32,
    pub accepted: bool,
    pub reasons: String,
    pub by: String,
}

/// A judgement arrived from below (proven): it counts only from the judge, the report's
/// region's parent.
pub fn on_judgement(
    txn: &mut Txn<'_>,
    origin: &str,
    j: &Judgement,
    now: i64,
) -> Result<(), DomainError> {
    if j.unit.agency.is_some() || parent_of(&j.unit.region) != Some(origin) {
        return Ok(());
    }
    let key = (j.unit.key(), j.period.clone());
    let Some(mut h) = HELD_REPORTS.get(txn, &key)? else {
        return Ok(());
    };
    if h.report.version != j.version || h.report.state != ReportState::Submitted {
        return Ok(());
    }
    h.report.state = if j.accepted {
        ReportState::Accepted
    } else {
        ReportState::Returned {
            reasons: j.reasons.clone(),
        }
    };
    h.report.judged_ms = Some(now);
    h.report.judged_by = Some(j.by.clone());
    HELD_REPORTS.put(txn, &key, &h)
}

/// A report item arrived from below, proven. A region speaks for its own units only; for its
/// own (region) report it states submissions, never judgements — those come from its parent.
/// The first receipt of a version is kept: that is when the report reached this level.
pub fn on_item(txn: &mut Txn<'_>, origin: &str, r: &Report, now: i64) -> Result<(), DomainError> {
    if r.unit.region != origin {
        return Ok(());
    }
    if r.unit.agency.is_none() && r.state != ReportState::Submitted {
        return Ok(());
    }
    let key = (r.unit.key(), r.period.clone());
    let mut received_ms = now;
    if let Some(h) = HELD_REPORTS.get(txn, &key)? {
        if h.report.version > r.version {
            return Ok(());
        }
        if h.report.version == r.version {
            // A repeat, or a region report already judged here: what is held stands.
            if r.unit.agency.is_none() || h.report.state == r.state {
                return Ok(());
            }
            received_ms = h.received_ms;
        }
    }
    HELD_REPORTS.put(
        txn,
        &key,
        &HeldReport {
            origin: origin.to_string(),
            report: r.clone(),
            received_ms,
        },
    )
}

/// Reporting figures of a set of units for one period (DHIS2's definitions): expected = units
/// active at period end; received = latest version submitted or accepted (a returned report is
/// not received until resubmitted); on time = received and submitted by the due day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub expected: u64,
    pub received: u64,
    pub on_time: u64,
    pub returned: u64,
    /// Submitted on time but first received after the due day (an inspector judges).
    pub to_judge: u64,
    /// Units expected with nothing received.
    pub missing: Vec<String>,
    /// Units received late.
    pub late: Vec<String>,
}

impl Rates {
    pub fn add(&mut self, o: &Rates) {
        self.expected += o.expected;
        self.received += o.received;
        self.on_time += o.on_time;
        self.returned += o.returned;
        self.to_judge += o.to_judge;
        self.missing.extend(o.missing.iter().cloned());
        self.late.extend(o.late.iter().cloned());
    }

    /// Per mille, so JSON stays integral: received ÷ expected.
    pub fn reporting_permille(&self) -> Option<u64> {
        (self.expected > 0).then(|| self.received * 1000 / self.expected)
    }

    pub fn on_time_permille(&self) -> Option<u64> {
        (self.expected > 0).then(|| self.on_time * 1000 / self.expected)
    }

    /// Counts one expected unit with its latest report (if any), on time by `due`.
    pub fn count(&mut self, unit: &str, due: NaiveDate, latest: Option<(&Report, bool)>) {
        self.expected += 1;
        match latest {
            Some((r, to_judge))
                if matches!(r.state, ReportState::Submitted | ReportState::Accepted) =>
            {
                self.received += 1;
                if r.submitted_by(due) {
                    self.on_time += 1;
                } else {
                    self.late.push(unit.to_string());
                }
                if to_judge {
                    self.to_judge += 1;
                }
            }
            Some((r, _)) if matches!(r.state, ReportState::Returned { .. }) => {
                self.returned += 1;
                self.missing.push(unit.to_string());
            }
            _ => self.missing.push(unit.to_string()),
        }
    }
}

/// Whether `unit` may be judged or named by `region` (itself or below).
pub fn unit_within(region: &str, unit: &Unit) -> bool {
    unit.region == region || in_subtree(&unit.region, region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::core::outcome::Split;

    #[test]
    fn quarters_and_due_dates() {
        assert_eq!(parse_quarter("2026Q3"), Some((2026, 3)));
        for bad in [
            "2026Q5", "2026Q0", "26Q1", "2026q1", "2026Q", "Q1", "1999Q1",
        ] {
            assert_eq!(parse_quarter(bad), None, "{bad}");
        }
        let (s, e) = quarter_bounds(2026, 4).unwrap();
        assert_eq!(
            (s.to_string(), e.to_string()),
            ("2026-10-01".into(), "2026-12-31".into())
        );
        let p = period(&State::default(), "2026Q3")
            .split()
            .unwrap()
            .unwrap();
        assert_eq!(p.due.to_string(), "2026-10-15");
        assert_eq!(
            previous_quarter(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            "2026Q3"
        );
        assert_eq!(
            previous_quarter(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()),
            "2025Q4"
        );
        assert!(period(&State::default(), "pilot-06")
            .split()
            .unwrap()
            .is_err());
    }

    fn report(state: ReportState, submitted: Option<&str>) -> Report {
        Report {
            id: 1,
            unit: Unit {
                region: "a/b".into(),
                agency: Some(1),
            },
            period: "2026Q3".into(),
            version: 1,
            due: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
            figures: BTreeMap::new(),
            narrative: Narrative::default(),
            attachments: vec![],
            copies_to: vec![],
            compiled_from: vec![],
            state,
            drafted_by: String::new(),
            submitted_ms: submitted.map(|d| {
                let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
                start_of(d).unwrap() + 23 * 3_600_000
            }),
            submitted_by: None,
            judged_ms: None,
            judged_by: None,
        }
    }

    fn held_state(s: &State, unit: &str) -> Option<(u32, String)> {
        HELD_REPORTS
            .read(s, &(unit.to_string(), "2026Q3".to_string()))
            .unwrap()
            .map(|h| (h.report.version, h.report.state.as_str().to_string()))
    }

    fn apply_item(s: &mut State, f: impl FnOnce(&mut Txn<'_>) -> Result<(), DomainError>) {
        let mut t = Txn::new(s);
        f(&mut t).unwrap();
        let w = t.into_writes();
        s.apply_writes(&w);
    }

    /// At the city: a county's report counts as the county submitted it; whether it is
    /// accepted or returned is the city's to say, never the county's — and above the city,
    /// the judgement counts only from the city.
    #[test]
    fn a_child_states_submissions_and_only_its_parent_judges() {
        let county = "a/b/c";
        let mut r = report(ReportState::Accepted, Some("2026-10-10"));
        r.unit = Unit {
            region: county.into(),
            agency: None,
        };
        let mut s = State::default();
        // Sent up already "accepted": nobody judged it; ignored.
        apply_item(&mut s, |t| on_item(t, county, &r, 5));
        assert_eq!(held_state(&s, county), None);
        // Another region speaking for the county: ignored.
        r.state = ReportState::Submitted;
        apply_item(&mut s, |t| on_item(t, "a/b/x", &r, 5));
        assert_eq!(held_state(&s, county), None);
        apply_item(&mut s, |t| on_item(t, county, &r, 5));
        assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
        // The county claims a judgement afterwards: what is held stands.
        r.state = ReportState::Accepted;
        apply_item(&mut s, |t| on_item(t, county, &r, 9));
        assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
        // A judgement from a region that is not the county's parent: ignored.
        let j = Judgement {
            unit: r.unit.clone(),
            period: "2026Q3".into(),
            version: 1,
            accepted: false,
            reasons: "补充".into(),
            by: "x".into(),
        };
        apply_item(&mut s, |t| on_judgement(t, "a/b/x", &j, 9));
        assert_eq!(held_state(&s, county), Some((1, "submitted".into())));
        apply_item(&mut s, |t| on_judgement(t, "a/b", &j, 9));
        assert_eq!(held_state(&s, county), Some((1, "returned".into())));
        // Version 2 replaces it; the first receipt time of a version is kept.
        r.version = 2;
        r.state = ReportState::Submitted;
        apply_item(&mut s, |t| on_item(t, county, &r, 20));
        apply_item(&mut s, |t| on_item(t, county, &r, 30));
        let h = HELD_REPORTS
            .read(&s, &(county.to_string(), "2026Q3".to_string()))
            .unwrap()
            .unwrap();
        assert_eq!((h.report.version, h.received_ms), (2, 20));
        // An older version arriving late changes nothing.
        r.version = 1;
        apply_item(&mut s, |t| on_item(t, county, &r, 40));
        assert_eq!(held_state(&s, county), Some((2, "submitted".into())));
    }

    #[test]
    fn on_time_is_judged_by_the_viewers_due_date() {
        // Submitted 20 October; the child set itself a later due day, the viewer's period says
        // 15 October.
        let mut generous = report(ReportState::Submitted, Some("2026-10-20"));
        generous.due = NaiveDate::from_ymd_opt(2026, 10, 30).unwrap();
        assert!(generous.submitted_on_time());
        let due = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
        let mut rates = Rates::default();
        rates.count("u", due, Some((&generous, false)));
        assert_eq!((rates.received, rates.on_time), (1, 0));
        let h = HeldReport {
            origin: "a/b".into(),
            report: report(ReportState::Submitted, Some("2026-10-15")),
            received_ms: deadline_ms(due).unwrap() + 1,
        };
        assert!(
            h.needs_judgement(due),
            "on time, received after the due day"
        );
    }

    #[test]
    fn rates_follow_dhis2() {
        let on = report(ReportState::Accepted, Some("2026-10-15"));
        let late = report(ReportState::Submitted, Some("2026-10-16"));
        let ret = report(
            ReportState::Returned {
                reasons: "补充".into(),
            },
            Some("2026-10-10"),
        );
        let due = NaiveDate::from_ymd_opt(2026, 10, 15).unwrap();
        let mut r = Rates::default();
        r.count("u1", due, Some((&on, false)));
        r.count("u2", due, Some((&late, false)));
        r.count("u3", due, Some((&ret, false)));
        r.count("u4", due, None);
        assert_eq!(
            (r.expected, r.received, r.on_time, r.returned),
            (4, 2, 1, 1)
        );
        assert_eq!(r.reporting_permille(), Some(500));
        assert_eq!(r.on_time_permille(), Some(250));
        assert_eq!(r.missing, ["u3", "u4"]);
        assert_eq!(r.late, ["u2"]);
        assert_eq!(Rates::default().reporting_permille(), None);
    }
}
