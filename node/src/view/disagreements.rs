//! Figures of the regions below recomputed from the items held here, against the regions' own
//! totals (their summaries and their reports): every disagreement is a line of the view.
use std::collections::BTreeMap;

use super::scope::Scope;
use crate::domain::supervision::held::HELD_PUBLICATIONS;
use crate::domain::supervision::report::{agency_active, Unit};
use crate::domain::DomainError;

impl Scope<'_> {
    /// Disagreements over `region`'s subtree (the viewer's own figures are not checked).
    pub fn disagreements(&self, region: &str) -> Result<Vec<String>, DomainError> {
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
            let (on, late) = self.held_publications(&x)?;
            let s_on = g("publications/published_on_time")
                .saturating_add(g("publications/withdrawn_on_time"));
            let s_late =
                g("publications/published_late").saturating_add(g("publications/withdrawn_late"));
            if (on, late) != (s_on, s_late) {
                out.push(format!(
                    "{x}: publications recomputed from items {on} on time / {late} late, its summary says {s_on} / {s_late}"
                ));
            }
            out.extend(self.report_disagreement(&x)?);
        }
        Ok(out)
    }

    /// Publications of `region` held here: (on time, late).
    fn held_publications(&self, region: &str) -> Result<(i64, i64), DomainError> {
        let (mut on, mut late) = (0i64, 0i64);
        for p in HELD_PUBLICATIONS.scan_under(self.state, region) {
            match p?.on_time {
                Some(true) => on += 1,
                Some(false) => late += 1,
                None => {}
            }
        }
        Ok((on, late))
    }

    /// A region's report against the agency reports it compiled: the first figure that
    /// differs, when every active agency's report was compiled and all of them are held here.
    fn report_disagreement(&self, x: &str) -> Result<Option<String>, DomainError> {
        let unit = Unit {
            region: x.to_string(),
            agency: None,
        };
        let Some((r, _)) = self.report(&unit)? else {
            return Ok(None);
        };
        let mut sum: BTreeMap<String, i64> = BTreeMap::new();
        let mut complete = true;
        for (aid, version) in &r.compiled_from {
            let au = Unit {
                region: x.to_string(),
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
                .agencies(x)?
                .iter()
                .filter(|a| agency_active(a, self.period.end))
                .count() as i64;
        if !(complete && all_compiled && sum != r.figures) {
            return Ok(None);
        }
        for k in sum.keys().chain(r.figures.keys()) {
            let a = sum.get(k).copied().unwrap_or(0);
            let b = r.figures.get(k).copied().unwrap_or(0);
            if a != b {
                return Ok(Some(format!(
                    "{x}: report {} {k} = {b}, its agencies' reports add up to {a}",
                    r.period
                )));
            }
        }
        Ok(None)
    }
}
