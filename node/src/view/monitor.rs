//! Monitoring at any level (SUP-4, SUP-5, SUP-7): a row per region of a subtree with its link,
//! reporting and on-time rates, publication timeliness, overdue reviews, reviewer ratio,
//! correction rate and open notices; drill-down to one region's agencies and overdue cases.
//!
//! Figures of a region below come from what it sent up (see [`super::scope`]); where the items
//! themselves are here, they are recomputed from the items and any disagreement with the
//! region's own totals is listed (see [`super::disagreements`]).
use serde::{Deserialize, Serialize};

use super::scope::{unit_region, within, Scope};
use super::ViewError;
use crate::config::Topology;
use crate::domain::core::state::{State, CLOCK, META};
use crate::domain::supervision::held::HELD_SUMMARIES;
use crate::domain::supervision::notice::{Stage, NOTICES};
use crate::domain::supervision::report::{Period, Rates, Unit};
use crate::domain::supervision::summary::{
    unchecked_officers, OverdueCase, UncheckedOfficer, OVERDUE_CASES,
};
use crate::domain::DomainError;

/// A ratio kept as two integers, with its per-mille value for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
    pub permille: Option<i64>,
}

pub fn ratio(num: i64, den: i64) -> Ratio {
    // Figures come from below: wide arithmetic, so a hostile summary cannot overflow.
    let permille = (den > 0).then(|| {
        let p = i128::from(num) * 1000 / i128::from(den);
        i64::try_from(p).unwrap_or(if p < 0 { i64::MIN } else { i64::MAX })
    });
    Ratio { num, den, permille }
}

/// The link to a region below, as seen here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LinkView {
    pub last_heard_ms: i64,
    pub items: u64,
    /// Size of the last signed head held, and whether every item was proven against one.
    pub head_size: u64,
    pub head_time_ms: i64,
    pub unproven: u64,
    /// The region's own outbox backlog, from its last summary.
    pub backlog: u64,
    pub summary_time_ms: i64,
    pub alerts: u64,
}

/// One region's row: figures over its whole subtree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionRow {
    pub region: String,
    /// Levels below the viewed region (0 for itself).
    pub depth: usize,
    pub name: String,
    pub kind: String,
    /// `None` for the viewing region itself.
    pub link: Option<LinkView>,
    pub reports: Rates,
    pub reporting_rate: Ratio,
    pub on_time_rate: Ratio,
    pub agencies: i64,
    pub publications_on_time: i64,
    pub publications_late: i64,
    pub publications_overdue: i64,
    pub publication_on_time_rate: Ratio,
    pub reviews_overdue: i64,
    pub reviewer_ratio: Ratio,
    pub agencies_below_5_percent: Vec<String>,
    pub correction_rate: Ratio,
    /// PUB-2: officers on enforcement duty whose certificate has expired.
    pub certificates_expired_enforcing: i64,
    /// PUB-2: officers on enforcement duty without last year's annual check past the deadline.
    pub certificates_unchecked_enforcing: i64,
    /// REV-1: attempts at a major decision the gate refused.
    pub decisions_major_refused: i64,
    pub open_notices: u64,
    pub open_rectifications: u64,
    pub escalated: u64,
    /// Regions of the subtree whose figures could not be read (nothing received yet).
    pub silent: Vec<String>,
}

/// One agency's row in a drill-down.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgencyRow {
    pub unit: String,
    pub id: u64,
    pub name: String,
    pub closed: Option<String>,
    pub report: Option<String>,
    pub officers: i64,
    pub reviewers: i64,
    pub reviewer_ratio: Ratio,
    pub decisions: i64,
    pub publications_on_time: i64,
    pub publications_late: i64,
    pub publications_overdue: i64,
    pub reviews_overdue: i64,
    pub corrected: i64,
    pub certificates_expired_enforcing: i64,
    pub certificates_unchecked_enforcing: i64,
    pub decisions_major_refused: i64,
}

/// A notice of this region's, per named unit still open.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenNotice {
    pub id: u64,
    pub number: String,
    pub kind: String,
    pub title: String,
    pub unit: String,
    pub stage: String,
    pub escalated: bool,
    pub deadline: Option<String>,
}

/// The monitoring view of one region.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct View {
    pub viewer: String,
    pub as_of_ms: i64,
    pub period: Period,
    pub region: RegionRow,
    /// Every region below, parents before their children (a row each, over its subtree).
    pub below: Vec<RegionRow>,
    pub agencies: Vec<AgencyRow>,
    pub overdue: Vec<OverdueCase>,
    pub notices: Vec<OpenNotice>,
    /// Figures recomputed from items that disagree with the region's own totals.
    pub disagreements: Vec<String>,
    /// The viewer's own officers who may not act for want of last year's annual check (PUB-2).
    pub unchecked_officers: Vec<UncheckedOfficer>,
}

/// The view of `region` (the viewer or a region below it; empty: the viewer) for a period
/// (empty: the last quarter).
pub fn view(
    state: &State,
    topology: &Topology,
    viewer: &str,
    region: &str,
    period_id: &str,
) -> Result<View, ViewError> {
    let (c, region) = Scope::open(state, topology, viewer, region, period_id)?;
    Ok(View {
        viewer: viewer.to_string(),
        as_of_ms: META.read(state, CLOCK)?.unwrap_or(0),
        region: c.row(region, region)?,
        below: c
            .below(region)
            .iter()
            .map(|x| c.row(x, region))
            .collect::<Result<_, _>>()?,
        agencies: c.agency_rows(region)?,
        overdue: c.overdue(region)?,
        notices: open_notices(state, region)?,
        disagreements: c.disagreements(region)?,
        unchecked_officers: if region == viewer {
            unchecked_officers(state, c.today)?
        } else {
            Vec::new()
        },
        period: c.period,
    })
}

/// One period's reporting figures of a region's subtree, for a chart over periods.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodRates {
    pub period: String,
    pub title: String,
    pub reporting_rate: Ratio,
    pub on_time_rate: Ratio,
}

/// The reporting and on-time rates of `region` (empty: the viewer) in each of `periods`; a
/// period that cannot be resolved is left out.
pub fn rates_over(
    state: &State,
    topology: &Topology,
    viewer: &str,
    region: &str,
    periods: &[String],
) -> Result<Vec<PeriodRates>, ViewError> {
    let mut out = Vec::new();
    for p in periods {
        let (c, region) = match Scope::open(state, topology, viewer, region, p) {
            Ok(x) => x,
            Err(ViewError::Input(_)) => continue,
            Err(e) => return Err(e),
        };
        let row = c.row(region, region)?;
        out.push(PeriodRates {
            period: c.period.id.clone(),
            title: c.period.title.clone(),
            reporting_rate: row.reporting_rate,
            on_time_rate: row.on_time_rate,
        });
    }
    Ok(out)
}

/// This region's signed notices, one per named unit of `region`'s subtree still open.
fn open_notices(state: &State, region: &str) -> Result<Vec<OpenNotice>, DomainError> {
    let mut notices = Vec::new();
    for n in NOTICES.scan_from(state, &0) {
        let n = n?;
        let Some(number) = &n.number else { continue };
        for (k, p) in &n.units {
            if within(&unit_region(k), region) && p.stage != Stage::Closed {
                notices.push(OpenNotice {
                    id: n.id,
                    number: number.clone(),
                    kind: n.draft.kind.label().to_string(),
                    title: n.draft.title.clone(),
                    unit: k.clone(),
                    stage: p.stage.as_str().to_string(),
                    escalated: p.escalated,
                    deadline: n.draft.deadline.map(|d| d.to_string()),
                });
            }
        }
    }
    Ok(notices)
}

impl Scope<'_> {
    fn agency_rows(&self, region: &str) -> Result<Vec<AgencyRow>, DomainError> {
        let c = self.counters(region)?.unwrap_or_default();
        let mut out = Vec::new();
        for a in self.agencies(region)? {
            let g = |k: &str| c.get(&format!("agency/{}/{k}", a.id)).copied().unwrap_or(0);
            let unit = Unit {
                region: region.to_string(),
                agency: Some(a.id),
            };
            let report = self.report(&unit)?.map(|(r, _)| {
                format!(
                    "v{} {}{}",
                    r.version,
                    r.state.as_str(),
                    match (r.submitted_ms, r.submitted_by(self.period.due)) {
                        (Some(_), true) => " on_time",
                        (Some(_), false) => " late",
                        _ => "",
                    }
                )
            });
            out.push(AgencyRow {
                unit: unit.key(),
                id: a.id,
                name: a.name.clone(),
                closed: a.closed.as_ref().map(|c| c.on.to_string()),
                report,
                officers: g("officers/enforcement"),
                reviewers: g("officers/reviewers"),
                reviewer_ratio: ratio(g("officers/reviewers"), g("officers/enforcement")),
                decisions: g("decisions/total"),
                publications_on_time: g("publications/published_on_time")
                    .saturating_add(g("publications/withdrawn_on_time")),
                publications_late: g("publications/published_late")
                    .saturating_add(g("publications/withdrawn_late")),
                publications_overdue: g("publications/overdue_unpublished"),
                reviews_overdue: g("overdue/REV-8"),
                corrected: g("decisions/corrected"),
                certificates_expired_enforcing: g("certificates/expired_enforcing"),
                certificates_unchecked_enforcing: g("certificates/unchecked_enforcing"),
                decisions_major_refused: g("decisions/major_refused"),
            });
        }
        Ok(out)
    }

    fn overdue(&self, region: &str) -> Result<Vec<OverdueCase>, DomainError> {
        if region == self.viewer {
            return OVERDUE_CASES.scan_from(self.state, &0).collect();
        }
        Ok(HELD_SUMMARIES
            .read(self.state, region)?
            .map(|s| s.overdue)
            .unwrap_or_default())
    }
}
