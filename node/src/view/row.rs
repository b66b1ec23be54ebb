//! One region's row of the monitoring view: figures over its whole subtree, and its link as
//! seen by the viewer.
use std::collections::BTreeMap;

use super::monitor::{ratio, LinkView, RegionRow};
use super::scope::{unit_region, within, Scope};
use crate::domain::federation::held::{ALERTS, ORIGINS};
use crate::domain::supervision::held::HELD_SUMMARIES;
use crate::domain::supervision::notice::{Stage, NOTICES};
use crate::domain::supervision::report::Rates;
use crate::domain::supervision::summary;
use crate::domain::DomainError;

/// Counters added up over a subtree.
#[derive(Default)]
struct Totals {
    counters: BTreeMap<String, i64>,
    /// Agencies (`region#id`) whose reviewer ratio is under 5 %.
    below_5_percent: Vec<String>,
    /// Regions whose figures could not be read.
    silent: Vec<String>,
    rates: Rates,
}

/// Signed notices naming units of a subtree, per unit still open.
#[derive(Default)]
struct NoticeCounts {
    open: u64,
    rectifications: u64,
    escalated: u64,
}

impl Scope<'_> {
    /// The row of `region`, `top` being the region the view is of.
    pub fn row(&self, region: &str, top: &str) -> Result<RegionRow, DomainError> {
        let t = self.totals(region)?;
        let n = self.notice_counts(region)?;
        let g = |k: &str| t.counters.get(k).copied().unwrap_or(0);
        let on_time =
            g("publications/published_on_time").saturating_add(g("publications/withdrawn_on_time"));
        let late =
            g("publications/published_late").saturating_add(g("publications/withdrawn_late"));
        let overdue = g("publications/overdue_unpublished");
        let kind = self
            .topology
            .region(region)
            .map(|r| format!("{:?}", r.kind).to_lowercase())
            .unwrap_or_default();
        let rates = t.rates;
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
            agencies_below_5_percent: t.below_5_percent,
            correction_rate: ratio(g("decisions/corrected"), g("decisions/total")),
            certificates_expired_enforcing: g("certificates/expired_enforcing"),
            certificates_unchecked_enforcing: g("certificates/unchecked_enforcing"),
            decisions_major_refused: g("decisions/major_refused"),
            open_notices: n.open,
            open_rectifications: n.rectifications,
            escalated: n.escalated,
            silent: t.silent,
        })
    }

    fn totals(&self, region: &str) -> Result<Totals, DomainError> {
        let mut t = Totals::default();
        for x in self.subtree(region) {
            match self.counters(&x)? {
                Some(c) => {
                    for (k, v) in &c {
                        if let Some(rest) = k.strip_prefix("region/") {
                            let e = t.counters.entry(rest.to_string()).or_insert(0);
                            *e = e.saturating_add(*v);
                        }
                    }
                    t.below_5_percent.extend(
                        summary::reviewer_ratio_below_5_percent(&c)
                            .into_iter()
                            .map(|id| format!("{x}#{id}")),
                    );
                }
                None => t.silent.push(x.clone()),
            }
            t.rates.add(&self.own_rates(&x)?);
        }
        Ok(t)
    }

    fn notice_counts(&self, region: &str) -> Result<NoticeCounts, DomainError> {
        let mut c = NoticeCounts::default();
        for n in NOTICES.scan_from(self.state, &0) {
            let n = n?;
            if n.number.is_none() {
                continue;
            }
            for (k, p) in &n.units {
                if !within(&unit_region(k), region) || p.stage == Stage::Closed {
                    continue;
                }
                c.open += 1;
                if n.draft.kind.wants_rectification() {
                    c.rectifications += 1;
                }
                if p.escalated {
                    c.escalated += 1;
                }
            }
        }
        Ok(c)
    }

    /// The link to a region below (`None` for the viewer itself).
    fn link(&self, region: &str) -> Result<Option<LinkView>, DomainError> {
        if region == self.viewer {
            return Ok(None);
        }
        let o = ORIGINS.read(self.state, region)?.unwrap_or_default();
        let s = HELD_SUMMARIES.read(self.state, region)?.unwrap_or_default();
        let mut alerts = 0;
        for a in ALERTS.scan_from(self.state, &(String::new(), String::new())) {
            if within(&a?.subject, region) {
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
}
