//! The units of a subtree that qualify for a notice (SUP-2): late or missing reports, overdue
//! publications and reviews, expired certificates on enforcement duty, reviewer ratio under
//! 5 %, tamper alerts.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::scope::{unit_region, within, Scope};
use super::ViewError;
use crate::config::Topology;
use crate::domain::core::state::State;
use crate::domain::federation::held::ALERTS;
use crate::domain::supervision::summary;
use crate::domain::DomainError;

/// A unit that qualifies for a notice, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Qualifying {
    pub unit: String,
    pub name: String,
    pub reason: String,
    pub detail: String,
}

/// Units of `region`'s subtree (empty: the viewer's) that qualify for a notice in a period
/// (empty: the last quarter).
pub fn qualifying(
    state: &State,
    topology: &Topology,
    viewer: &str,
    region: &str,
    period_id: &str,
) -> Result<Vec<Qualifying>, ViewError> {
    let (c, region) = Scope::open(state, topology, viewer, region, period_id)?;
    let mut out = Vec::new();
    for x in c.subtree(region) {
        let names = Names::of(&c, &x)?;
        c.late_and_missing(&x, &names, &mut out)?;
        if let Some(cn) = c.counters(&x)? {
            agency_findings(&x, &cn, &names, &mut out);
        }
    }
    for a in ALERTS.scan_from(state, &(String::new(), String::new())) {
        let a = a?;
        if within(&a.subject, region) {
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

/// Display names of one region's units: its agencies as "agency（region）", any other unit by
/// its region's name.
struct Names<'s, 'a> {
    scope: &'s Scope<'a>,
    agencies: BTreeMap<String, String>,
}

impl<'s, 'a> Names<'s, 'a> {
    fn of(scope: &'s Scope<'a>, region: &str) -> Result<Self, DomainError> {
        let mut agencies = BTreeMap::new();
        for a in scope.agencies(region)? {
            agencies.insert(
                format!("{region}#{}", a.id),
                format!("{}（{}）", a.name, scope.name(region)),
            );
        }
        Ok(Names { scope, agencies })
    }

    fn get(&self, unit: &str) -> String {
        self.agencies
            .get(unit)
            .cloned()
            .unwrap_or_else(|| self.scope.name(&unit_region(unit)))
    }
}

impl Scope<'_> {
    /// Reports of one region's own units missing or late for the period.
    fn late_and_missing(
        &self,
        region: &str,
        names: &Names<'_, '_>,
        out: &mut Vec<Qualifying>,
    ) -> Result<(), DomainError> {
        let rates = self.own_rates(region)?;
        let (title, due) = (&self.period.title, self.period.due);
        let found = [
            (&rates.missing, "report_missing", "报告未报送"),
            (&rates.late, "report_late", "报告逾期报送"),
        ];
        for (units, reason, what) in found {
            for u in units {
                // The viewer's own report is not a finding against anyone below.
                if *u == self.viewer {
                    continue;
                }
                out.push(Qualifying {
                    unit: u.clone(),
                    name: names.get(u),
                    reason: reason.into(),
                    detail: format!("{title} {what}（截止 {due}）"),
                });
            }
        }
        Ok(())
    }
}

/// Findings against the agencies of `region` from its counters.
fn agency_findings(
    region: &str,
    cn: &BTreeMap<String, i64>,
    names: &Names<'_, '_>,
    out: &mut Vec<Qualifying>,
) {
    for (k, v) in cn {
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
        let unit = format!("{region}#{id}");
        out.push(Qualifying {
            name: names.get(&unit),
            unit,
            reason: reason.into(),
            detail,
        });
    }
    for id in summary::reviewer_ratio_below_5_percent(cn) {
        let unit = format!("{region}#{id}");
        let g = |k: &str| cn.get(&format!("agency/{id}/{k}")).copied().unwrap_or(0);
        out.push(Qualifying {
            name: names.get(&unit),
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
