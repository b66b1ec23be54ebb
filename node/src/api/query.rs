//! Read views of the region's records as JSON. A party's ID number, phone and address are shown
//! only to the agency's own staff roles (REC-4); everyone else sees them masked.
use serde_json::{json, Value};

use crate::domain::calendar::days::YearSource;
use crate::domain::calendar::load::StateYears;
use crate::domain::core::organ::PowerKind;
use crate::domain::enforcement::catalog::{all_rules, default_rule};
use crate::domain::enforcement::model::{Case, CASES, OFFICERS, STEPS};
use crate::domain::enforcement::publication::PUBLICATIONS;
use crate::domain::{Role, State};
use crate::pki::Identity;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    State(String),
}

impl From<crate::domain::DomainError> for QueryError {
    fn from(e: crate::domain::DomainError) -> Self {
        QueryError::State(e.to_string())
    }
}

/// Roles that handle cases and may see a party's private data.
fn sees_private(who: &Identity) -> bool {
    matches!(
        who,
        Identity::Person {
            role: Role::Officer | Role::Reviewer | Role::Head,
            ..
        }
    )
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, QueryError> {
    serde_json::to_value(v).map_err(|e| QueryError::State(e.to_string()))
}

fn case_json(c: &Case, private: bool) -> Result<Value, QueryError> {
    let mut c = c.clone();
    if !private {
        for f in [
            &mut c.party.id_number,
            &mut c.party.phone,
            &mut c.party.address,
        ] {
            if !f.is_empty() {
                *f = "*".repeat(f.chars().count());
            }
        }
    }
    to_json(&c)
}

/// Runs a query; returns pretty JSON.
pub fn run(state: &State, who: &Identity, what: &str, id: u64) -> Result<String, QueryError> {
    let v: Value = match what {
        "officers" => Value::Array(OFFICERS.scan_from(state, &0).map(|o| o.map_err(QueryError::from).and_then(|o| to_json(&o))).collect::<Result<_, _>>()?),
        "officer" => to_json(&OFFICERS.read(state, &id)?.ok_or_else(|| QueryError::NotFound(format!("no officer {id}")))?)?,
        "case" => {
            let c = CASES.read(state, &id)?.ok_or_else(|| QueryError::NotFound(format!("no case {id}")))?;
            case_json(&c, sees_private(who))?
        }
        "cases" => {
            let mut out = Vec::new();
            for c in CASES.scan_from(state, &0) {
                let c = c?;
                out.push(json!({"id": c.id, "agency_id": c.agency_id, "kind": c.kind, "procedure": c.procedure, "state": c.state, "major": c.major, "party": c.party.name, "steps": c.steps.len()}));
            }
            Value::Array(out)
        }
        "steps" => {
            let c = CASES.read(state, &id)?.ok_or_else(|| QueryError::NotFound(format!("no case {id}")))?;
            let mut out = Vec::new();
            for s in &c.steps {
                if let Some(step) = STEPS.read(state, s)? {
                    out.push(to_json(&step)?);
                }
            }
            Value::Array(out)
        }
        "catalog" => {
            // Stored versions, and the region-wide defaults for kinds never set.
            let stored = all_rules(state)?;
            let defaults: Vec<_> = PowerKind::ALL.iter().map(|k| default_rule(*k)).collect();
            json!({"rules": to_json(&stored)?, "defaults": to_json(&defaults)?})
        }
        "calendar" => {
            let year = i32::try_from(id).map_err(|_| QueryError::Input(format!("year {id} out of range")))?;
            to_json(&StateYears(state).year(year).ok_or_else(|| QueryError::NotFound(format!("no calendar for {year}")))?)?
        }
        "head" => {
            // The latest signed tree head (REC-3), or the one recorded for exactly size `id`.
            let size = if id == 0 {
                crate::domain::core::state::META.read(state, crate::domain::federation::tree_head::LAST_HEAD_SIZE)?.unwrap_or(0) as u64
            } else {
                id
            };
            let sh = crate::domain::federation::tree_head::HEADS
                .read(state, &size)?
                .ok_or_else(|| QueryError::NotFound(format!("no signed tree head for size {size}")))?;
            json!({"region": sh.head.region, "size": sh.head.size, "root": hex::encode(sh.head.root), "time_ms": sh.head.time_ms,
                   "signer": sh.signer, "cert_der": hex::encode(&sh.cert_der), "signature": hex::encode(&sh.signature)})
        }
        "summary" => {
            let c = crate::domain::supervision::summary::counters(state)?;
            let low = crate::domain::supervision::summary::reviewer_ratio_below_5_percent(&c);
            json!({"counters": c, "reviewer_ratio_below_5_percent": low})
        }
        "publications" => {
            // What the public sees (PUB-4); the internal draft only for case-handling roles.
            let private = sees_private(who);
            let mut out = Vec::new();
            for p in PUBLICATIONS.scan_from(state, &0) {
                let p = p?;
                if id != 0 && p.case_id != id {
                    continue;
                }
                let mut v = json!({"id": p.id, "case_id": p.case_id, "agency_id": p.agency_id, "kind": p.kind, "version": p.version,
                    "supersedes": p.supersedes, "due": p.due, "state": p.state, "public_text": p.public_text, "masked": p.masked,
                    "exception_basis": p.exception_basis});
                if private {
                    v["draft"] = json!(p.draft);
                }
                out.push(v);
            }
            Value::Array(out)
        }
        // Reports of this region's units, and those received from below (SUP-1).
        "reports" => {
            let own: Vec<_> = crate::domain::supervision::report::REPORTS.scan_from(state, &0).collect::<Result<_, _>>()?;
            let held: Vec<_> = crate::domain::supervision::report::HELD_REPORTS
                .scan_from(state, &(String::new(), String::new()))
                .map(|h| h.map(|h| { let j = h.needs_judgement(h.report.due); json!({"origin": h.origin, "received_ms": h.received_ms, "to_judge": j, "on_time": h.report.submitted_on_time(), "report": h.report}) }))
                .collect::<Result<_, _>>()?;
            json!({"own": own, "received": held})
        }
        // Agencies of the regions below, as their items brought them: origin → [[id, name, version]].
        "held_agencies" => {
            let mut by: serde_json::Map<String, Value> = serde_json::Map::new();
            for k in crate::domain::federation::ingest::ORIGINS.keys(state) {
                let origin = String::from_utf8_lossy(k.get(1..).unwrap_or_default()).into_owned();
                let list: Vec<Value> = crate::domain::supervision::held::HELD_AGENCIES
                    .scan_under(state, &origin)
                    .map(|a| a.map(|a| json!([a.id, a.name, a.version])))
                    .collect::<Result<_, _>>()?;
                by.insert(origin, Value::Array(list));
            }
            Value::Object(by)
        }
        // Notices issued here, and notices received by this region's units (SUP-2).
        "notices" => {
            let issued: Vec<_> = crate::domain::supervision::notice::NOTICES.scan_from(state, &0).collect::<Result<_, _>>()?;
            let inbox: Vec<_> = crate::domain::supervision::notice::INBOX
                .scan_from(state, &(String::new(), String::new(), 0))
                .collect::<Result<_, _>>()?;
            json!({"issued": issued, "inbox": inbox})
        }
        // Uplink backlog, links from children, origins below and tamper alerts.
        "federation" => crate::federation::view::json(state)?,
        other => return Err(QueryError::Input(format!("unknown query {other:?}; use officers, officer, case, cases, steps, catalog, calendar, publications, head, summary, reports, notices, held_agencies or federation"))),
    };
    serde_json::to_string_pretty(&v).map_err(|e| QueryError::State(e.to_string()))
}
