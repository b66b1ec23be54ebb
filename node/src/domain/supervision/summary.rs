//! The region's status summary (DOMAIN.md "Status summary"): compliance figures kept
//! incrementally by `apply`. After a command is accepted, every record it wrote is compared with
//! its previous version and each counter moves by the difference of their contributions — so no
//! command can forget to count, nothing is scanned, and only integers are stored.
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::domain::core::keys::prefix;
use crate::domain::core::organ::Agency;
use crate::domain::core::state::{DomainError, Space, State, Txn};
use crate::domain::enforcement::model::{Case, Duty, Officer, Step, CASES, OFFICERS, STEPS};
use crate::domain::enforcement::publication::{PubState, Publication, PUBLICATIONS};
use crate::domain::registry::AGENCIES;

/// Most overdue cases listed in one summary (the counters still count them all).
pub const MAX_OVERDUE_LISTED: usize = 500;

/// Counters by name, e.g. `region/cases/state/Decided`, `agency/3/officers/reviewers`.
pub const COUNTERS: Space<str, i64> = Space::new(prefix::COUNTERS);

/// A case with a time limit passed while its obligation stayed open (what a parent drills
/// down to).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct OverdueCase {
    pub case_id: u64,
    pub agency_id: u64,
    pub kind: String,
    /// The flags, e.g. `PUB-3: 公示超期（期限 2026-07-10）`; the status summary counts them by
    /// the rule id before the ASCII colon.
    pub rules: Vec<String>,
}

/// Cases currently overdue, by id: kept with the counters, listed in the summary.
pub const OVERDUE_CASES: Space<u64, OverdueCase> = Space::new(prefix::OVERDUE_CASES);

type Contrib = Vec<(String, i64)>;

fn both(agency: u64, name: &str, out: &mut Contrib) {
    out.push((format!("region/{name}"), 1));
    out.push((format!("agency/{agency}/{name}"), 1));
}

fn agency_contrib(_a: &Agency) -> Contrib {
    vec![("region/agencies".to_string(), 1)]
}

fn officer_contrib(o: &Officer) -> Contrib {
    let mut out = Vec::new();
    both(o.agency_id, "officers/total", &mut out);
    if o.duties.contains(&Duty::Enforcement) {
        both(o.agency_id, "officers/enforcement", &mut out);
    }
    if o.duties.contains(&Duty::Reviewer) {
        both(o.agency_id, "officers/reviewers", &mut out);
        if o.legal_qualification {
            both(o.agency_id, "officers/reviewers_qualified", &mut out);
        }
    }
    match o.certificate.as_ref().map(|c| &c.status) {
        None => both(o.agency_id, "certificates/none", &mut out),
        Some(crate::domain::enforcement::model::CertStatus::Valid) => {
            both(o.agency_id, "certificates/issued", &mut out)
        }
        Some(crate::domain::enforcement::model::CertStatus::Suspended { .. }) => {
            both(o.agency_id, "certificates/suspended", &mut out)
        }
        Some(crate::domain::enforcement::model::CertStatus::Revoked { .. }) => {
            both(o.agency_id, "certificates/revoked", &mut out)
        }
    }
    out
}

fn case_contrib(c: &Case) -> Contrib {
    let mut out = Vec::new();
    both(c.agency_id, "cases/total", &mut out);
    both(
        c.agency_id,
        &format!("cases/kind/{}", c.kind.as_str()),
        &mut out,
    );
    both(c.agency_id, &format!("cases/state/{:?}", c.state), &mut out);
    if c.major == Some(true) {
        both(c.agency_id, "cases/major", &mut out);
    }
    if c.decision.is_some() {
        both(c.agency_id, "decisions/total", &mut out);
        if c.major == Some(true) {
            both(c.agency_id, "decisions/major", &mut out);
        }
    }
    for o in &c.overdue {
        let rule = o.split(':').next().unwrap_or("other");
        both(c.agency_id, &format!("overdue/{rule}"), &mut out);
    }
    // SUP-7: the correction rate is decisions corrected ÷ decisions; each counted once.
    if !c.legal_outcomes.is_empty() {
        both(c.agency_id, "decisions/challenged", &mut out);
    }
    if c.legal_outcomes.iter().any(|o| o.result.corrects()) {
        both(c.agency_id, "decisions/corrected", &mut out);
    }
    if c.published_at_ms.is_some() {
        both(c.agency_id, "decisions/published", &mut out);
    } else if c.overdue.iter().any(|o| o.starts_with("PUB-3")) {
        // Past its publication deadline and still not published (SUP-2 lists these).
        both(c.agency_id, "publications/overdue_unpublished", &mut out);
    }
    for r in &c.reviews {
        match r.opinion {
            Some(o) => both(c.agency_id, &format!("reviews/{o:?}"), &mut out),
            None => both(c.agency_id, "reviews/pending", &mut out),
        }
    }
    out
}

fn step_contrib(s: &Step, agency: u64) -> Contrib {
    let mut out = Vec::new();
    both(agency, "steps/total", &mut out);
    if s.kind.av_required() {
        both(agency, "steps/av_required", &mut out);
        if !s.audio_video {
            both(agency, "steps/av_required_exempted", &mut out);
        }
    }
    if s.kind.av_expected() {
        both(agency, "steps/av_expected", &mut out);
        if !s.audio_video {
            both(agency, "steps/av_expected_missing", &mut out);
        }
    }
    out
}

fn publication_contrib(p: &Publication) -> Contrib {
    let mut out = Vec::new();
    let name = match &p.state {
        PubState::Drafted => "publications/drafted",
        PubState::Rejected { .. } => "publications/rejected",
        PubState::Published { on_time: true, .. } => "publications/published_on_time",
        PubState::Published { on_time: false, .. } => "publications/published_late",
        PubState::Superseded { .. } => "publications/superseded",
        PubState::Withdrawn { on_time: true, .. } => "publications/withdrawn_on_time",
        PubState::Withdrawn { on_time: false, .. } => "publications/withdrawn_late",
    };
    both(p.agency_id, name, &mut out);
    out
}

fn old_new<V: serde::Serialize + DeserializeOwned>(
    space: &Space<u64, V>,
    base: &State,
    key: &[u8],
    new: &Option<Vec<u8>>,
) -> Result<(Option<V>, Option<V>), DomainError> {
    let id = key
        .get(1..9)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0);
    let old = space.read(base, &id)?;
    let new = match new {
        Some(bytes) => Some(
            bincode::deserialize(bytes).map_err(|source| DomainError::Decode {
                key: hex::encode(key),
                source,
            })?,
        ),
        None => None,
    };
    Ok((old, new))
}

/// Moves `delta` from the old record's contribution to the new one's.
fn replace<V>(
    delta: &mut BTreeMap<String, i64>,
    (old, new): (Option<V>, Option<V>),
    f: impl Fn(&V) -> Contrib,
) {
    if let Some(x) = old {
        add(delta, f(&x), -1);
    }
    if let Some(x) = new {
        add(delta, f(&x), 1);
    }
}

fn add(delta: &mut BTreeMap<String, i64>, c: Contrib, sign: i64) {
    for (k, v) in c {
        *delta.entry(k).or_insert(0) += sign * v;
    }
}

/// Counter updates for a write set that is about to be applied to `base`.
pub fn update(
    base: &State,
    writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>, DomainError> {
    let mut delta: BTreeMap<String, i64> = BTreeMap::new();
    let mut overdue: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
    for (key, new) in writes {
        match key.first() {
            Some(&p) if p == AGENCIES.prefix() => {
                replace(
                    &mut delta,
                    old_new(&AGENCIES, base, key, new)?,
                    agency_contrib,
                );
            }
            Some(&p) if p == OFFICERS.prefix() => {
                replace(
                    &mut delta,
                    old_new(&OFFICERS, base, key, new)?,
                    officer_contrib,
                );
            }
            Some(&p) if p == CASES.prefix() => {
                let (old, new) = old_new(&CASES, base, key, new)?;
                let was = old.as_ref().map(|c| c.overdue.clone()).unwrap_or_default();
                match &new {
                    Some(c) if c.overdue != was => {
                        if c.overdue.is_empty() {
                            overdue.insert(OVERDUE_CASES.key(&c.id), None);
                        } else {
                            let row = OverdueCase {
                                case_id: c.id,
                                agency_id: c.agency_id,
                                kind: c.kind.as_str().to_string(),
                                rules: c.overdue.clone(),
                            };
                            overdue.insert(
                                OVERDUE_CASES.key(&c.id),
                                Some(bincode::serialize(&row).map_err(DomainError::Encode)?),
                            );
                        }
                    }
                    None if !was.is_empty() => {
                        if let Some(c) = &old {
                            overdue.insert(OVERDUE_CASES.key(&c.id), None);
                        }
                    }
                    _ => {}
                }
                replace(&mut delta, (old, new), case_contrib);
            }
            Some(&p) if p == STEPS.prefix() => {
                let (o, n) = old_new(&STEPS, base, key, new)?;
                for (x, sign) in [(o, -1), (n, 1)] {
                    if let Some(s) = x {
                        let agency = match writes.get(&CASES.key(&s.case_id)) {
                            Some(Some(b)) => bincode::deserialize::<Case>(b)
                                .map(|c| c.agency_id)
                                .unwrap_or(0),
                            _ => CASES
                                .read(base, &s.case_id)?
                                .map(|c| c.agency_id)
                                .unwrap_or(0),
                        };
                        add(&mut delta, step_contrib(&s, agency), sign);
                    }
                }
            }
            Some(&p) if p == PUBLICATIONS.prefix() => {
                replace(
                    &mut delta,
                    old_new(&PUBLICATIONS, base, key, new)?,
                    publication_contrib,
                );
            }
            _ => {}
        }
    }
    let mut txn = Txn::new(base);
    txn.merge(overdue);
    for (name, d) in delta {
        if d == 0 {
            continue;
        }
        let v = COUNTERS.get(&txn, &name)?.unwrap_or(0) + d;
        if v == 0 {
            COUNTERS.delete(&mut txn, &name);
        } else {
            COUNTERS.put(&mut txn, &name, &v)?;
        }
    }
    Ok(txn.into_writes())
}

/// The counters recomputed from every record (an audit of the incremental figures).
pub fn recount(state: &State) -> Result<BTreeMap<String, i64>, DomainError> {
    let mut total: BTreeMap<String, i64> = BTreeMap::new();
    for a in AGENCIES.scan_from(state, &0) {
        add(&mut total, agency_contrib(&a?), 1);
    }
    for o in OFFICERS.scan_from(state, &0) {
        add(&mut total, officer_contrib(&o?), 1);
    }
    for c in CASES.scan_from(state, &0) {
        add(&mut total, case_contrib(&c?), 1);
    }
    for st in STEPS.scan_from(state, &0) {
        let st = st?;
        let agency = CASES
            .read(state, &st.case_id)?
            .map(|c| c.agency_id)
            .unwrap_or(0);
        add(&mut total, step_contrib(&st, agency), 1);
    }
    for p in PUBLICATIONS.scan_from(state, &0) {
        add(&mut total, publication_contrib(&p?), 1);
    }
    total.retain(|_, v| *v != 0);
    Ok(total)
}

/// All counters, by name.
pub fn counters(state: &State) -> Result<BTreeMap<String, i64>, DomainError> {
    let mut out = BTreeMap::new();
    for key in COUNTERS.keys(state) {
        let name = String::from_utf8_lossy(&key[1..]).to_string();
        if let Some(v) = COUNTERS.read(state, &name)? {
            out.insert(name, v);
        }
    }
    Ok(out)
}

/// PUB-2: enforcement officers whose certificate has expired by `today` but who are still
/// listed for enforcement duty (neither revoked nor reassigned), per agency and for the region:
/// `agency/<id>/certificates/expired_enforcing`. Time-driven, so computed when asked (for the
/// summary on `Tick`, for monitoring), not kept as a counter.
pub fn expired_enforcing(
    state: &State,
    today: chrono::NaiveDate,
) -> Result<BTreeMap<String, i64>, DomainError> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let law = crate::domain::enforcement::law::settings(state)?;
    for o in OFFICERS.scan_from(state, &0) {
        let o = o?;
        if !o.duties.contains(&Duty::Enforcement) {
            continue;
        }
        let valid = o
            .certificate
            .as_ref()
            .filter(|c| c.status == crate::domain::enforcement::model::CertStatus::Valid);
        let expired = valid.is_some_and(|c| c.valid_until < today);
        let unchecked = valid.is_some_and(|c| {
            c.valid_until >= today
                && crate::domain::enforcement::law::misses_annual_check(&law, c, today)
        });
        for (hit, name) in [
            (expired, "certificates/expired_enforcing"),
            (unchecked, "certificates/unchecked_enforcing"),
        ] {
            if hit {
                for k in [
                    format!("region/{name}"),
                    format!("agency/{}/{name}", o.agency_id),
                ] {
                    *out.entry(k).or_insert(0) += 1;
                }
            }
        }
    }
    Ok(out)
}

/// PUB-2: an officer whose certificate misses last year's annual check past the deadline, and
/// who may therefore not act (listed by the monitor of the officer's own region).
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct UncheckedOfficer {
    pub officer_id: u64,
    pub agency_id: u64,
    pub name: String,
    pub certificate: String,
    /// The year whose check is missing.
    pub year: i32,
}

/// The region's officers on enforcement duty who miss last year's annual check on `today`.
pub fn unchecked_officers(
    state: &State,
    today: chrono::NaiveDate,
) -> Result<Vec<UncheckedOfficer>, DomainError> {
    use chrono::Datelike;
    let law = crate::domain::enforcement::law::settings(state)?;
    let mut out = Vec::new();
    for o in OFFICERS.scan_from(state, &0) {
        let o = o?;
        let Some(c) = &o.certificate else { continue };
        if o.duties.contains(&Duty::Enforcement)
            && c.status == crate::domain::enforcement::model::CertStatus::Valid
            && c.valid_until >= today
            && crate::domain::enforcement::law::misses_annual_check(&law, c, today)
        {
            out.push(UncheckedOfficer {
                officer_id: o.id,
                agency_id: o.agency_id,
                name: o.name.clone(),
                certificate: c.number.clone(),
                year: today.year() - 1,
            });
        }
    }
    Ok(out)
}

/// REV-6: agencies whose reviewers are fewer than 5 % of their enforcement officers
/// (`20 × reviewers < officers`, integers only).
pub fn reviewer_ratio_below_5_percent(c: &BTreeMap<String, i64>) -> Vec<u64> {
    let mut out = Vec::new();
    for (k, officers) in c {
        let Some(rest) = k.strip_prefix("agency/") else {
            continue;
        };
        let Some(id) = rest.strip_suffix("/officers/enforcement") else {
            continue;
        };
        let Ok(id) = id.parse::<u64>() else { continue };
        let reviewers = c
            .get(&format!("agency/{id}/officers/reviewers"))
            .copied()
            .unwrap_or(0);
        if 20 * reviewers < *officers {
            out.push(id);
        }
    }
    out
}
