//! What a viewer reads of a region of its subtree, for one period. Figures of a region below
//! come from what it sent up: its latest status summary (counters), the agencies and reports
//! held here; the viewer's own figures come from its own records.
use std::collections::BTreeMap;

use super::ViewError;
use crate::config::Topology;
use crate::domain::core::organ::Agency;
use crate::domain::core::outcome::Split;
use crate::domain::core::region::in_subtree;
use crate::domain::core::state::{State, CLOCK, META};
use crate::domain::registry::AGENCIES;
use crate::domain::supervision::held::{HELD_AGENCIES, HELD_SUMMARIES};
use crate::domain::supervision::report::{
    agency_active, period, Period, Rates, Report, Unit, HELD_REPORTS, REPORTS, REPORT_LATEST,
};
use crate::domain::supervision::summary;
use crate::domain::DomainError;

/// The viewer, the period, and today at the viewer.
pub struct Scope<'a> {
    pub state: &'a State,
    pub topology: &'a Topology,
    pub viewer: &'a str,
    pub period: Period,
    /// Today at the viewer (its replicated clock), for time-driven figures.
    pub today: chrono::NaiveDate,
}

impl<'a> Scope<'a> {
    /// The scope of `viewer` for a period (empty: the last quarter) and the region it looks at
    /// (empty: itself), refused unless that region is the viewer or below it.
    pub fn open<'r>(
        state: &'a State,
        topology: &'a Topology,
        viewer: &'a str,
        region: &'r str,
        period_id: &str,
    ) -> Result<(Scope<'a>, &'r str), ViewError>
    where
        'a: 'r,
    {
        let region = if region.is_empty() { viewer } else { region };
        check_region(topology, viewer, region)?;
        // The region's replicated clock; before its first command, the system clock.
        let now = META
            .read(state, CLOCK)?
            .filter(|t| *t > 0)
            .unwrap_or_else(crate::clock::system_ms);
        let today = crate::domain::calendar::days::date_of(now)
            .map_err(|e| ViewError::Input(e.to_string()))?;
        let period_id = if period_id.is_empty() {
            crate::domain::supervision::report::previous_quarter(today)
        } else {
            period_id.to_string()
        };
        let period = period(state, &period_id)
            .split()?
            .map_err(|r| ViewError::Input(r.message))?;
        let scope = Scope {
            state,
            topology,
            viewer,
            period,
            today,
        };
        Ok((scope, region))
    }
}

fn check_region(topology: &Topology, viewer: &str, region: &str) -> Result<(), ViewError> {
    if topology.region(region).is_err() {
        return Err(ViewError::Input(format!(
            "{region:?} is not a region of this deployment"
        )));
    }
    if region != viewer && !in_subtree(region, viewer) {
        return Err(ViewError::Input(format!(
            "{region} is not {viewer} or a region below it"
        )));
    }
    Ok(())
}

/// The region a unit key belongs to (empty when the key is malformed).
pub fn unit_region(key: &str) -> String {
    Unit::parse(key).map(|u| u.region).unwrap_or_default()
}

/// True when `x` is `region` or a region below it.
pub fn within(x: &str, region: &str) -> bool {
    x == region || in_subtree(x, region)
}

impl Scope<'_> {
    pub fn name(&self, region: &str) -> String {
        self.topology
            .region(region)
            .map(|r| r.name.clone())
            .unwrap_or_else(|_| region.to_string())
    }

    /// The region and every region below it in the topology.
    pub fn subtree(&self, region: &str) -> Vec<String> {
        self.topology
            .regions()
            .filter(|r| within(&r.id, region))
            .map(|r| r.id.clone())
            .collect()
    }

    /// Every region strictly below `region`, parents first (path order).
    pub fn below(&self, region: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .subtree(region)
            .into_iter()
            .filter(|r| r != region)
            .collect();
        out.sort();
        out
    }

    /// A region's counters: the viewer's computed here, a region below's from its summary.
    pub fn counters(&self, region: &str) -> Result<Option<BTreeMap<String, i64>>, DomainError> {
        if region == self.viewer {
            let mut c = summary::counters(self.state)?;
            c.extend(summary::expired_enforcing(self.state, self.today)?);
            return Ok(Some(c));
        }
        Ok(HELD_SUMMARIES.read(self.state, region)?.map(|s| s.counters))
    }

    pub fn agencies(&self, region: &str) -> Result<Vec<Agency>, DomainError> {
        if region == self.viewer {
            return AGENCIES.scan_from(self.state, &0).collect();
        }
        HELD_AGENCIES.scan_under(self.state, region).collect()
    }

    /// The latest report of a unit for the period, and whether an inspector must judge its
    /// timeliness.
    pub fn report(&self, unit: &Unit) -> Result<Option<(Report, bool)>, DomainError> {
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

    /// Reporting figures of one region's own units: its active agencies, and its own report to
    /// its parent whenever it has a parent.
    pub fn own_rates(&self, region: &str) -> Result<Rates, DomainError> {
        let mut r = Rates::default();
        for a in self.agencies(region)? {
            if !agency_active(&a, self.period.end) {
                continue;
            }
            self.count(&mut r, region, Some(a.id))?;
        }
        let has_parent = self
            .topology
            .region(region)
            .map(|s| s.parent.is_some())
            .unwrap_or(false);
        if has_parent {
            self.count(&mut r, region, None)?;
        }
        Ok(r)
    }

    fn count(&self, r: &mut Rates, region: &str, agency: Option<u64>) -> Result<(), DomainError> {
        let unit = Unit {
            region: region.to_string(),
            agency,
        };
        let latest = self.report(&unit)?;
        r.count(
            &unit.key(),
            self.period.due,
            latest.as_ref().map(|(x, j)| (x, *j)),
        );
        Ok(())
    }
}
