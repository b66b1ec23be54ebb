//! Monitoring at any level (SUP-4, SUP-5, SUP-7): a row per region of a subtree with its link,
//! reporting and on-time rates, publication timeliness, overdue reviews, reviewer ratio,
//! correction rate and open notices; drill-down to one region's agencies and overdue cases;
//! and the list of units that qualify for a notice.
//!
//! Figures of a region below come from what it sent up: its latest status summary (counters),
//! and — where the items themselves are here — they are recomputed from the items (agencies,
//! publications, reports) and any disagreement with the region's own totals is listed.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Topology;
use crate::domain::core::organ::Agency;
use crate::domain::core::outcome::Split;
use crate::domain::core::region::in_subtree;
use crate::domain::core::state::{State, CLOCK, META};
use crate::domain::federation::ingest::{ALERTS, ORIGINS};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::held::{HELD_AGENCIES, HELD_PUBLICATIONS, HELD_SUMMARIES};
use crate::domain::supervision::notice::{Stage, NOTICES};
use crate::domain::supervision::report::{
    agency_active, period, Period, Rates, Report, Unit, HELD_REPORTS, REPORTS, REPORT_LATEST,
};
use crate::domain::supervision::summary::{self, OverdueCase, OVERDUE_CASES};
use crate::domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    State(#[from] DomainError),
}

/// A ratio kept as two integers, with its per-mille value for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ratio {
    pub num: i64,
    pub den: i64,
    pub permille: Option<i64>,
}

fn ratio(num: i64, den: i64) -> Ratio {
    // Figures come from below: wide arithmetic, so a hostile summary cannot overflow.
    let permille = (den > 0).then(|| {
        let p = i128::from(num) * 1000 / i128::from(den);
        i64::try_from(p).unwrap_or(if p < 0 { i64::MIN } else { i64::MAX })
    });
    Ratio { num, den, permille }
}

/// The link to a region below, as seen here.
#[derive(Debug, Clone, Default, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
    pub open_notices: u64,
    pub open_rectifications: u64,
    pub escalated: u64,
    /// Regions of the subtree whose figures could not be read (nothing received yet).
    pub silent: Vec<String>,
}

/// One agency's row in a drill-down.
#[derive(Debug, Clone, Serialize)]
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
}

/// A notice of this region's, per named unit still open.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
}

/// A unit that qualifies for a notice, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Qualifying {
    pub unit: String,
    pub name: String,
    pub reason: String,
    pub detail: String,
}

struct Ctx<'a> {
    state: &'a State,
    topology: &'a Topology,
    viewer: &'a str,
    period: Period,
    /// Today at the viewer (its replicated clock), for time-driven figures.
    today: chrono::NaiveDate,
}

impl Ctx<'_> {
    fn name(&self, region: &str) -> String {
        self.topology
            .region(region)
            .map(|r| r.name.clone())
            .unwrap_or_else(|_| region.to_string())
    }

    /// The region and every region below it in the topology.
    fn subtree(&self, region: &str) -> Vec<String> {
        self.topology
            .regions()
            .filter(|r| r.id == region || in_subtree(&r.id, region))
            .map(|r| r.id.clone())
            .collect()
    }

    /// Every region strictly below `region`, parents first (path order).
    fn below(&self, region: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .subtree(region)
            .into_iter()
            .filter(|r| r != region)
            .collect();
        out.sort();
        out
    }

    fn counters(&self, region: &str) -> Result<Option<BTreeMap<String, i64>>, DomainError> {
        if region == self.viewer {
            let mut c = summary::counters(self.state)?;
            c.extend(summary::expired_enforcing(self.state, self.today)?);
            return Ok(Some(c));
        }
        Ok(HELD_SUMMARIES.read(self.state, region)?.map(|s| s.counters))
    }

    fn agencies(&self, region: &str) -> Result<Vec<Agency>, DomainError> {
        if region == self.viewer {
            return AGENCIES.scan_from(self.state, &0).collect();
        }
        HELD_AGENCIES.scan_under(self.state, region).collect()
    }

    /// The latest report of a unit for the period, and whether an inspector must judge its
    /// timeliness.
    fn report(&self, unit: &Unit) -> Result<Option<(Report, bool)>, DomainError> {
        let key = (unit.key(), self.period.id.clone());
        if unit.region == self.viewer {
            return Ok(match REPORT_LATEST.read(self.state, &key)? {
                Some(id) => REPORTS.read(self.state, &id)?.map(|r| (r, false)),
                None => None,
            });
        }
        Ok(HELD_REPORTS.read(self.state, &key)?.map(|h| {
            let j = h.needs_judgement(self.period.due);
            (h.report, j)
        }))
    }

    /// Reporting figures of one region's own units: its agencies, and its own report to its
    /// parent when the parent is the viewer or below it... i.e. whenever it has a parent.
    fn own_rates(&self, region: &str) -> Result<Rates, DomainError> {
        let mut r = Rates::default();
        for a in self.agencies(region)? {
            if !agency_active(&a, self.period.end) {
                continue;
            }
            let unit = Unit {
                region: region.to_string(),
                agency: Some(a.id),
            };
            let latest = self.report(&unit)?;
            r.count(
                &unit.key(),
                self.period.due,
                latest.as_ref().map(|(x, j)| (x, *j)),
            );
        }
        let has_parent = self
            .topology
            .region(region)
            .map(|s| s.parent.is_some())
            .unwrap_or(false);
        if has_parent {
            let unit = Unit {
                region: region.to_string(),
                agency: None,
            };
            let latest = self.report(&unit)?;
            r.count(
                &unit.key(),
                self.period.due,
                latest.as_ref().map(|(x, j)| (x, *j)),
            );
        }
        Ok(r)
    }

    fn link(&self, region: &str) -> Result<Option<LinkView>, DomainError> {
        if region == self.viewer {
            return Ok(None);
        }
        let o = ORIGINS.read(self.state, region)?.unwrap_or_default();
        let s = HELD_SUMMARIES.read(self.state, region)?.unwrap_or_default();
        let mut alerts = 0;
        for a in ALERTS.scan_from(self.state, &(String::new(), String::new())) {
            let a = a?;
            if a.subject == region || in_subtree(&a.subject, region) {
                alerts += 1;
            }
        }
        Ok(Some(LinkView {
            last_heard_ms: o.last_heard_ms,
            items: o.items,
            head_size: o.head_size,
            head_time_ms: o.head_time_ms,
            unproven: o.unproven,
            backlog: s.backlog,
            summary_time_ms: s.time_ms,
            alerts,
        }))
    }

    fn row(&self, region: &str, top: &str) -> Result<RegionRow, DomainError> {
        let mut total: BTreeMap<String, i64> = BTreeMap::new();
        let mut below = Vec::new();
        let mut silent = Vec::new();
        let mut rates = Rates::default();
        for x in self.subtree(region) {
            match self.counters(&x)? {
                Some(c) => {
                    for (k, v) in &c {
                        if let Some(rest) = k.strip_prefix("region/") {
                            let t = total.entry(rest.to_string()).or_insert(0);
                            *t = t.saturating_add(*v);
                        }
                    }
                    below.extend(
                        summary::reviewer_ratio_below_5_percent(&c)
                            .into_iter()
                            .map(|id| format!("{x}#{id}")),
                    );
                }
                None => silent.push(x.clone()),
            }
            rates.add(&self.own_rates(&x)?);
        }
        let g = |k: &str| total.get(k).copied().unwrap_or(0);
        let on_time =
            g("publications/published_on_time").saturating_add(g("publications/withdrawn_on_time"));
        let late =
            g("publications/published_late").saturating_add(g("publications/withdrawn_late"));
        let overdue = g("publications/overdue_unpublished");
        let mut open_notices = 0;
        let mut open_rect = 0;
        let mut escalated = 0;
        for n in NOTICES.scan_from(self.state, &0) {
            let n = n?;
            if n.number.is_none() {
                continue;
            }
            for (k, p) in &n.units {
                let unit_region = Unit::parse(k).map(|u| u.region).unwrap_or_default();
                if !(unit_region == region || in_subtree(&unit_region, region)) {
                    continue;
                }
                if p.stage != Stage::Closed {
                    open_notices += 1;
                    if n.draft.kind.wants_rectification() {
                        open_rect += 1;
                    }
                    if p.escalated {
                        escalated += 1;
                    }
                }
            }
        }
        let kind = self
            .topology
            .region(region)
            .map(|r| format!("{:?}", r.kind).to_lowercase())
            .unwrap_or_default();
        Ok(RegionRow {
            region: region.to_string(),
            depth: region.matches('/').count() - top.matches('/').count(),
            name: self.name(region),
            kind,
            link: self.link(region)?,
            reporting_rate: ratio(rates.received as i64, rates.expected as i64),
            on_time_rate: ratio(rates.on_time as i64, rates.expected as i64),
            reports: rates,
            agencies: g("agencies"),
            publications_on_time: on_time,
            publications_late: late,
            publications_overdue: overdue,
            publication_on_time_rate: ratio(
                on_time,
                on_time.saturating_add(late).saturating_add(overdue),
            ),
            reviews_overdue: g("overdue/REV-8"),
            reviewer_ratio: ratio(g("officers/reviewers"), g("officers/enforcement")),
            agencies_below_5_percent: below,
            correction_rate: ratio(g("decisions/corrected"), g("decisions/total")),
            certificates_expired_enforcing: g("certificates/expired_enforcing"),
            open_notices,
            open_rectifications: open_rect,
            escalated,
            silent,
        })
    }

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

    /// Figures recomputed from the items held here, against the region's own totals.
    fn disagreements(&self, region: &str) -> Result<Vec<String>, DomainError> {
        let mut out = Vec::new();
        for x in self.subtree(region) {
            if x == self.viewer {
                continue;
            }
            let Some(c) = self.counters(&x)? else {
                continue;
            };
            let g = |k: &str| c.get(&format!("region/{k}")).copied().unwrap_or(0);
            let held_agencies = self.agencies(&x)?.len() as i64;
            if held_agencies != g("agencies") {
                out.push(format!(
                    "{x}: {held_agencies} agencies held here, its summary says {}",
                    g("agencies")
                ));
            }
            let (mut on, mut late) = (0i64, 0i64);
            for p in HELD_PUBLICATIONS.scan_under(self.state, &x) {
                match p?.on_time {
                    Some(true) => on += 1,
                    Some(false) => late += 1,
                    None => {}
                }
            }
            let s_on = g("publications/published_on_time")
                .saturating_add(g("publications/withdrawn_on_time"));
            let s_late =
                g("publications/published_late").saturating_add(g("publications/withdrawn_late"));
            if (on, late) != (s_on, s_late) {
                out.push(format!(
                    "{x}: publications recomputed from items {on} on time / {late} late, its summary says {s_on} / {s_late}"
                ));
            }
            // A region's report against the agency reports it compiled.
            let unit = Unit {
                region: x.clone(),
                agency: None,
            };
            if let Some((r, _)) = self.report(&unit)? {
                let mut sum: BTreeMap<String, i64> = BTreeMap::new();
                let mut complete = true;
                for (aid, version) in &r.compiled_from {
                    let au = Unit {
                        region: x.clone(),
                        agency: Some(*aid),
                    };
                    match self.report(&au)? {
                        Some((ar, _)) if ar.version == *version => {
                            for (k, v) in &ar.figures {
                                *sum.entry(k.clone()).or_insert(0) += v;
                            }
                        }
                        _ => complete = false,
                    }
                }
                let all_compiled = r.compiled_from.len() as i64
                    == self
                        .agencies(&x)?
                        .iter()
                        .filter(|a| agency_active(a, self.period.end))
                        .count() as i64;
                if complete && all_compiled && sum != r.figures {
                    for k in sum.keys().chain(r.figures.keys()) {
                        let a = sum.get(k).copied().unwrap_or(0);
                        let b = r.figures.get(k).copied().unwrap_or(0);
                        if a != b {
                            out.push(format!(
                                "{x}: report {} {k} = {b}, its agencies' reports add up to {a}",
                                r.period
                            ));
                            break;
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

fn ctx<'a>(
    state: &'a State,
    topology: &'a Topology,
    viewer: &'a str,
    period_id: &str,
) -> Result<Ctx<'a>, MonitorError> {
    // The region's replicated clock; before its first command, this process's.
    let now = META
        .read(state, CLOCK)?
        .filter(|t| *t > 0)
        .unwrap_or_else(crate::clock::now_ms);
    let today = crate::domain::calendar::days::date_of(now)
        .map_err(|e| MonitorError::Input(e.to_string()))?;
    let period_id = if period_id.is_empty() {
        crate::domain::supervision::report::previous_quarter(today)
    } else {
        period_id.to_string()
    };
    let period = period(state, &period_id)
        .split()?
        .map_err(|r| MonitorError::Input(r.message))?;
    Ok(Ctx {
        state,
        topology,
        viewer,
        period,
        today,
    })
}

fn check_region(topology: &Topology, viewer: &str, region: &str) -> Result<(), MonitorError> {
    if topology.region(region).is_err() {
        return Err(MonitorError::Input(format!(
            "{region:?} is not a region of this deployment"
        )));
    }
    if region != viewer && !in_subtree(region, viewer) {
        return Err(MonitorError::Input(format!(
            "{region} is not {viewer} or a region below it"
        )));
    }
    Ok(())
}

/// The view of `region` (the viewer or a region below it) for a period (empty: the last
/// quarter).
pub fn view(
    state: &State,
    topology: &Topology,
    viewer: &str,
    region: &str,
    period_id: &str,
) -> Result<View, MonitorError> {
    let region = if region.is_empty() { viewer } else { region };
    check_region(topology, viewer, region)?;
    let c = ctx(state, topology, viewer, period_id)?;
    let mut notices = Vec::new();
    for n in NOTICES.scan_from(state, &0) {
        let n = n?;
        let Some(number) = &n.number else { continue };
        for (k, p) in &n.units {
            let r = Unit::parse(k).map(|u| u.region).unwrap_or_default();
            if (r == region || in_subtree(&r, region)) && p.stage != Stage::Closed {
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
        notices,
        disagreements: c.disagreements(region)?,
        period: c.period,
    })
}

/// Units of `region`'s subtree that qualify for a notice (SUP-2): late or missing reports,
/// overdue publications and reviews, reviewer ratio under 5 %, tamper alerts.
pub fn qualifying(
    state: &State,
    topology: &Topology,
    viewer: &str,
    region: &str,
    period_id: &str,
) -> Result<Vec<Qualifying>, MonitorError> {
    let region = if region.is_empty() { viewer } else { region };
    check_region(topology, viewer, region)?;
    let c = ctx(state, topology, viewer, period_id)?;
    let mut out = Vec::new();
    let unit_name = |unit: &str, agencies: &BTreeMap<String, String>| {
        agencies.get(unit).cloned().unwrap_or_else(|| {
            let r = Unit::parse(unit).map(|u| u.region).unwrap_or_default();
            c.name(&r)
        })
    };
    for x in c.subtree(region) {
        let mut names = BTreeMap::new();
        for a in c.agencies(&x)? {
            names.insert(
                format!("{x}#{}", a.id),
                format!("{}（{}）", a.name, c.name(&x)),
            );
        }
        let rates = c.own_rates(&x)?;
        for u in &rates.missing {
            // The viewer's own report is not a finding against anyone below.
            if *u == c.viewer {
                continue;
            }
            out.push(Qualifying {
                unit: u.clone(),
                name: unit_name(u, &names),
                reason: "report_missing".into(),
                detail: format!("{} 报告未报送（截止 {}）", c.period.title, c.period.due),
            });
        }
        for u in &rates.late {
            if *u == c.viewer {
                continue;
            }
            out.push(Qualifying {
                unit: u.clone(),
                name: unit_name(u, &names),
                reason: "report_late".into(),
                detail: format!("{} 报告逾期报送（截止 {}）", c.period.title, c.period.due),
            });
        }
        if let Some(cn) = c.counters(&x)? {
            for (k, v) in &cn {
                let Some(rest) = k.strip_prefix("agency/") else {
                    continue;
                };
                let Some((id, what)) = rest.split_once('/') else {
                    continue;
                };
                let (reason, detail) = match what {
                    "publications/overdue_unpublished" => (
                        "publication_overdue",
                        format!("{v} 件行政执法决定逾期未公示"),
                    ),
                    "overdue/REV-8" => ("review_overdue", format!("{v} 件法制审核超期")),
                    "certificates/expired_enforcing" => (
                        "certificate_expired",
                        format!("{v} 名执法人员执法证已过期仍在执法岗位"),
                    ),
                    _ => continue,
                };
                let unit = format!("{x}#{id}");
                out.push(Qualifying {
                    name: unit_name(&unit, &names),
                    unit,
                    reason: reason.into(),
                    detail,
                });
            }
            for id in summary::reviewer_ratio_below_5_percent(&cn) {
                let unit = format!("{x}#{id}");
                let g = |k: &str| cn.get(&format!("agency/{id}/{k}")).copied().unwrap_or(0);
                out.push(Qualifying {
                    name: unit_name(&unit, &names),
                    unit,
                    reason: "reviewer_ratio_below_5_percent".into(),
                    detail: format!(
                        "法制审核人员 {} 名，执法人员 {} 名，不足 5%",
                        g("officers/reviewers"),
                        g("officers/enforcement")
                    ),
                });
            }
        }
    }
    for a in ALERTS.scan_from(state, &(String::new(), String::new())) {
        let a = a?;
        if a.subject == region || in_subtree(&a.subject, region) {
            out.push(Qualifying {
                unit: a.subject.clone(),
                name: c.name(&a.subject),
                reason: "tamper_alert".into(),
                detail: format!("{}: {}", a.kind.as_str(), a.message),
            });
        }
    }
    Ok(out)
}
