//! The records of the region, one view per query kind. A party's ID number, phone and address
//! are shown only to the acting agency's own officers, reviewers and heads (REC-4), and to the
//! bureau's supervisors, inspectors and head with each read written to the private-read log
//! (target `sanxiang::private_read`); everyone else sees them masked.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::federation::{federation, Federation};
use super::ViewError;
use crate::domain::calendar::days::{YearCalendar, YearSource};
use crate::domain::calendar::load::StateYears;
use crate::domain::core::state::META;
use crate::domain::enforcement::catalog::{all_rules, default_rule, CatalogRule};
use crate::domain::enforcement::model::{
    Case, CaseState, Officer, Procedure, Step, CASES, OFFICERS, STEPS,
};
use crate::domain::enforcement::publication::{PubState, PUBLICATIONS};
use crate::domain::enforcement::redact::Masking;
use crate::domain::federation::held::ORIGINS;
use crate::domain::federation::tree_head::{HEADS, LAST_HEAD_SIZE};
use crate::domain::supervision::held::HELD_AGENCIES;
use crate::domain::supervision::notice::{Inbox, Notice, INBOX, NOTICES};
use crate::domain::supervision::report::{Report, HELD_REPORTS, REPORTS};
use crate::domain::supervision::summary;
use crate::domain::{Organ, PowerKind, Role, State};
use crate::pki::Identity;

/// The answer to one query, as the kind asked for. Serialised as the view it holds.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum QueryView {
    Officers(Vec<Officer>),
    Officer(Officer),
    Case(Box<Case>),
    Cases(Vec<CaseLine>),
    Steps(Vec<Step>),
    Catalog(Catalog),
    Calendar(YearCalendar),
    Publications(Vec<PublicationView>),
    Head(HeadView),
    Summary(Summary),
    Reports(Reports),
    HeldAgencies(HeldAgencies),
    Notices(Notices),
    Federation(Federation),
}

/// Runs the query `what` (with its argument `id`, where it takes one) as `who`.
pub fn run(state: &State, who: &Identity, what: &str, id: u64) -> Result<QueryView, ViewError> {
    use QueryView as Q;
    Ok(match what {
        "officers" => Q::Officers(officers(state)?),
        "officer" => Q::Officer(officer(state, id)?),
        "case" => {
            let c = read_case(state, id)?;
            let private = sees_private(who, c.agency_id);
            Q::Case(Box::new(case(c, private)))
        }
        "cases" => Q::Cases(cases(state)?),
        "steps" => Q::Steps(steps(state, id)?),
        "catalog" => Q::Catalog(catalog(state)?),
        "calendar" => Q::Calendar(calendar(state, id)?),
        "head" => Q::Head(head(state, id)?),
        "summary" => Q::Summary(summary(state)?),
        "publications" => Q::Publications(publications(state, id, who)?),
        "reports" => Q::Reports(reports(state)?),
        "held_agencies" => Q::HeldAgencies(held_agencies(state)?),
        "notices" => Q::Notices(notices(state)?),
        "federation" => Q::Federation(federation(state)?),
        other => return Err(unknown(other)),
    })
}

/// The JSON of a query view as clients receive it: through `serde_json::Value`, so the keys of
/// every object are sorted, those of the records inside included.
pub fn json(v: &QueryView) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(v)
}

/// Whether `who` may see the private data of a party of `agency_id`'s case: its officers,
/// reviewers and heads; the bureau's supervisors, inspectors and head (see
/// [`bureau_reads_private`]).
pub fn sees_private(who: &Identity, agency_id: u64) -> bool {
    let Identity::Person { organ, role, .. } = who else {
        return false;
    };
    match organ {
        Organ::Agency(a) => {
            *a == agency_id && matches!(role, Role::Officer | Role::Reviewer | Role::Head)
        }
        Organ::Bureau => bureau_reads_private(who),
    }
}

/// A person of the bureau who sees private data: each such query is logged by its caller
/// (target `sanxiang::private_read`), once per query.
pub fn bureau_reads_private(who: &Identity) -> bool {
    matches!(
        who,
        Identity::Person {
            organ: Organ::Bureau,
            role: Role::Supervisor | Role::Inspector | Role::Head,
            ..
        }
    )
}

/// Runs [`run`], logging a read of private data by the bureau once (the query kinds that carry
/// it: a case, publications). The one entry point of the API and the pages.
pub fn run_logged(
    state: &State,
    who: &Identity,
    what: &str,
    id: u64,
) -> Result<QueryView, ViewError> {
    let v = run(state, who, what, id)?;
    if matches!(what, "case" | "publications") && bureau_reads_private(who) {
        tracing::info!(
            target: "sanxiang::private_read",
            who = %who.uri(),
            query = what,
            id,
            "司法局人员查阅当事人隐私信息"
        );
    }
    Ok(v)
}

fn unknown(what: &str) -> ViewError {
    ViewError::Input(format!(
        "unknown query {what:?}; use officers, officer, case, cases, steps, catalog, calendar, \
         publications, head, summary, reports, notices, held_agencies or federation"
    ))
}

fn officers(state: &State) -> Result<Vec<Officer>, ViewError> {
    Ok(OFFICERS.scan_from(state, &0).collect::<Result<_, _>>()?)
}

fn officer(state: &State, id: u64) -> Result<Officer, ViewError> {
    OFFICERS
        .read(state, &id)?
        .ok_or_else(|| ViewError::NotFound(format!("no officer {id}")))
}

fn read_case(state: &State, id: u64) -> Result<Case, ViewError> {
    CASES
        .read(state, &id)?
        .ok_or_else(|| ViewError::NotFound(format!("no case {id}")))
}

/// A case; the party's ID number, phone and address masked unless `private`.
fn case(mut c: Case, private: bool) -> Case {
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
    c
}

/// A line of the case list.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseLine {
    pub id: u64,
    pub agency_id: u64,
    pub kind: PowerKind,
    pub procedure: Procedure,
    pub state: CaseState,
    pub major: Option<bool>,
    /// The party's name.
    pub party: String,
    /// Number of steps recorded.
    pub steps: usize,
}

fn cases(state: &State) -> Result<Vec<CaseLine>, ViewError> {
    let mut out = Vec::new();
    for c in CASES.scan_from(state, &0) {
        let c = c?;
        out.push(CaseLine {
            id: c.id,
            agency_id: c.agency_id,
            kind: c.kind,
            procedure: c.procedure,
            state: c.state,
            major: c.major,
            party: c.party.name,
            steps: c.steps.len(),
        });
    }
    Ok(out)
}

fn steps(state: &State, id: u64) -> Result<Vec<Step>, ViewError> {
    let c = read_case(state, id)?;
    let mut out = Vec::new();
    for s in &c.steps {
        out.extend(STEPS.read(state, s)?);
    }
    Ok(out)
}

/// The enforcement catalog: stored versions, and the region-wide defaults for kinds never set.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Catalog {
    pub rules: Vec<CatalogRule>,
    pub defaults: Vec<CatalogRule>,
}

fn catalog(state: &State) -> Result<Catalog, ViewError> {
    Ok(Catalog {
        rules: all_rules(state)?,
        defaults: PowerKind::ALL.iter().map(|k| default_rule(*k)).collect(),
    })
}

fn calendar(state: &State, id: u64) -> Result<YearCalendar, ViewError> {
    let year =
        i32::try_from(id).map_err(|_| ViewError::Input(format!("year {id} out of range")))?;
    StateYears(state)
        .year(year)
        .ok_or_else(|| ViewError::NotFound(format!("no calendar for {year}")))
}

/// A signed tree head (REC-3), binary fields in hex.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeadView {
    pub region: String,
    pub size: u64,
    pub root: String,
    pub time_ms: i64,
    pub signer: u64,
    pub cert_der: String,
    pub signature: String,
}

/// The latest signed tree head (`size` 0), or the one recorded for exactly `size`.
fn head(state: &State, size: u64) -> Result<HeadView, ViewError> {
    let size = if size == 0 {
        META.read(state, LAST_HEAD_SIZE)?.unwrap_or(0) as u64
    } else {
        size
    };
    let sh = HEADS
        .read(state, &size)?
        .ok_or_else(|| ViewError::NotFound(format!("no signed tree head for size {size}")))?;
    Ok(HeadView::of(&sh))
}

impl HeadView {
    /// A signed head as `ledger head` prints it and `ledger verify-head` reads it.
    pub fn of(sh: &crate::domain::federation::items::SignedHead) -> HeadView {
        HeadView {
            region: sh.head.region.clone(),
            size: sh.head.size,
            root: hex::encode(sh.head.root),
            time_ms: sh.head.time_ms,
            signer: sh.signer,
            cert_der: hex::encode(&sh.cert_der),
            signature: hex::encode(&sh.signature),
        }
    }
}

/// The region's own counters, and its agencies whose reviewer ratio is under 5 %.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    pub counters: BTreeMap<String, i64>,
    pub reviewer_ratio_below_5_percent: Vec<u64>,
}

fn summary(state: &State) -> Result<Summary, ViewError> {
    let counters = summary::counters(state)?;
    let low = summary::reviewer_ratio_below_5_percent(&counters);
    Ok(Summary {
        counters,
        reviewer_ratio_below_5_percent: low,
    })
}

/// A publication as the public sees it (PUB-4); the internal draft only for case-handling
/// roles.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublicationView {
    pub id: u64,
    pub case_id: u64,
    pub agency_id: u64,
    pub kind: PowerKind,
    pub version: u32,
    pub supersedes: Option<u64>,
    pub due: NaiveDate,
    pub state: PubState,
    pub public_text: String,
    pub masked: Vec<Masking>,
    pub exception_basis: Option<String>,
    /// Absent unless the reader handles cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<String>,
}

/// Publications of case `case_id` (0: all).
fn publications(
    state: &State,
    case_id: u64,
    who: &Identity,
) -> Result<Vec<PublicationView>, ViewError> {
    let mut out = Vec::new();
    for p in PUBLICATIONS.scan_from(state, &0) {
        let p = p?;
        if case_id != 0 && p.case_id != case_id {
            continue;
        }
        out.push(PublicationView {
            id: p.id,
            case_id: p.case_id,
            agency_id: p.agency_id,
            kind: p.kind,
            version: p.version,
            supersedes: p.supersedes,
            due: p.due,
            state: p.state,
            public_text: p.public_text,
            masked: p.masked,
            exception_basis: p.exception_basis,
            draft: sees_private(who, p.agency_id).then_some(p.draft),
        });
    }
    Ok(out)
}

/// Reports of this region's units, and those received from below (SUP-1).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reports {
    pub own: Vec<Report>,
    pub received: Vec<ReceivedReport>,
}

/// A report received from below.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReceivedReport {
    pub origin: String,
    pub received_ms: i64,
    /// An inspector must judge its timeliness.
    pub to_judge: bool,
    pub on_time: bool,
    pub report: Report,
}

fn reports(state: &State) -> Result<Reports, ViewError> {
    let own = REPORTS.scan_from(state, &0).collect::<Result<_, _>>()?;
    let mut received = Vec::new();
    for h in HELD_REPORTS.scan_from(state, &(String::new(), String::new())) {
        let h = h?;
        received.push(ReceivedReport {
            to_judge: h.needs_judgement(h.report.due),
            on_time: h.report.submitted_on_time(),
            origin: h.origin,
            received_ms: h.received_ms,
            report: h.report,
        });
    }
    Ok(Reports { own, received })
}

/// Agencies of the regions below, as their items brought them: origin → [id, name, version].
pub type HeldAgencies = BTreeMap<String, Vec<(u64, String, u64)>>;

fn held_agencies(state: &State) -> Result<HeldAgencies, ViewError> {
    let mut by = BTreeMap::new();
    for k in ORIGINS.keys(state) {
        let origin = String::from_utf8_lossy(k.get(1..).unwrap_or_default()).into_owned();
        let list = HELD_AGENCIES
            .scan_under(state, &origin)
            .map(|a| a.map(|a| (a.id, a.name, a.version)))
            .collect::<Result<_, _>>()?;
        by.insert(origin, list);
    }
    Ok(by)
}

/// Notices issued here, and notices received by this region's units (SUP-2).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Notices {
    pub issued: Vec<Notice>,
    pub inbox: Vec<Inbox>,
}

fn notices(state: &State) -> Result<Notices, ViewError> {
    Ok(Notices {
        issued: NOTICES.scan_from(state, &0).collect::<Result<_, _>>()?,
        inbox: INBOX
            .scan_from(state, &(String::new(), String::new(), 0))
            .collect::<Result<_, _>>()?,
    })
}
