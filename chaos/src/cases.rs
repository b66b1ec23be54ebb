//! The case workload of each county: an agency with certified officers (set up once, before
//! any fault), then one official after another taking penalty cases through their lifecycle
//! during the faults — opened, investigated, the party told of their rights, decided by the
//! head, the decision served and published (REC-*, LAW-*, PUB-*) — and the checker that finds
//! every acknowledged step on every replica exactly once.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sanxiang::client::Client;
use sanxiang::domain::core::organ::{AgencyInput, PowerKind};
use sanxiang::domain::enforcement::case::OpenCaseInput;
use sanxiang::domain::enforcement::certificate::IssueCertificate;
use sanxiang::domain::enforcement::decide::DecideInput;
use sanxiang::domain::enforcement::model::{
    Duty, MajorFlags, Party, PartyKind, Procedure, ServiceMode, StepDetail, StepKind,
};
use sanxiang::domain::enforcement::officer::OfficerInput;
use sanxiang::domain::enforcement::sanction::{Penalty, PenaltyKind};
use sanxiang::domain::enforcement::step::StepInput;
use sanxiang::domain::Command;
use serde_json::Value;

use crate::check::{classed, v, Violation};
use crate::cluster::{Cluster, CASE_HEAD, CLERK, COUNTIES, OFFICER, SUPERVISOR};
use crate::history::{Op, Outcome};
use crate::net::{show, NodeRef};
use crate::workload::{execute_write, Ctx};
use crate::ChaosError;
use sanxiang::domain::command::cmd;

/// A county's agency and officers for cases.
#[derive(Clone, Debug)]
pub struct CaseDesk {
    pub county: &'static str,
    pub agency: u64,
    /// 张三 and 李四, the two handlers every case needs (REC-3).
    pub handlers: [u64; 2],
    /// 赵六, the head who decides.
    pub head: u64,
}

/// Registers, in each county, an agency with penalty powers and three certified officers.
pub async fn setup(cluster: &Cluster) -> Result<Vec<CaseDesk>, ChaosError> {
    let mut desks = Vec::new();
    for county in COUNTIES {
        let short = county.rsplit('/').next().unwrap_or(county);
        let process = format!("cases-setup-{short}");
        let deadline = Duration::from_secs(60);
        let mut clerk = cluster.client(county, CLERK, deadline)?;
        let mut sup = cluster.client(county, SUPERVISOR, deadline)?;
        let mut n = 0u64;
        let agency = once(
            &mut clerk,
            county,
            &process,
            &mut n,
            Command::RegisterAgency(AgencyInput {
                name: format!("{short}混沌案件局"),
                powers: vec![PowerKind::Penalty],
                legal_basis: "《中华人民共和国行政处罚法》".into(),
                domain: "市场监管".into(),
                contact: String::new(),
            }),
        )
        .await?;
        let mut ids = Vec::new();
        for (name, user, duties) in [
            ("张三", "zhang", vec![Duty::Enforcement]),
            ("李四", "li", vec![Duty::Enforcement]),
            ("赵六", "zhao", vec![Duty::Head, Duty::Enforcement]),
        ] {
            let id = once(
                &mut clerk,
                county,
                &process,
                &mut n,
                Command::RegisterOfficer(OfficerInput {
                    agency_id: agency,
                    name: name.into(),
                    user: user.into(),
                    duties,
                    legal_qualification: false,
                }),
            )
            .await?;
            // Valid from 1 January of this year: no earlier year's annual check is due (PUB-2).
            let year = this_year();
            let (Some(from), Some(until)) = (
                chrono::NaiveDate::from_ymd_opt(year, 1, 1),
                chrono::NaiveDate::from_ymd_opt(year + 4, 12, 31),
            ) else {
                return Err(ChaosError::Setup("certificate dates".into()));
            };
            once(
                &mut sup,
                county,
                &process,
                &mut n,
                Command::IssueCertificate(IssueCertificate {
                    officer_id: id,
                    number: format!("43{:02}{:08}", short.len(), agency * 100 + id),
                    valid_from: from,
                    valid_until: until,
                    area: "行政区域内".into(),
                }),
            )
            .await?;
            ids.push(id);
        }
        desks.push(CaseDesk {
            county,
            agency,
            handlers: [ids[0], ids[1]],
            head: ids[2],
        });
    }
    Ok(desks)
}

/// One setup write that must succeed; returns the id it made.
async fn once(
    c: &mut Client,
    county: &str,
    process: &str,
    n: &mut u64,
    cmd: Command,
) -> Result<u64, ChaosError> {
    *n += 1;
    match execute_write(c, crate::workload::write_id(0, process, *n), &cmd).await {
        (Outcome::Ok, Some(id), _) => Ok(id),
        (o, _, detail) => Err(ChaosError::Setup(format!(
            "case desk of {county}: {cmd:?} answered {o:?} {detail}"
        ))),
    }
}

/// One official's recorded writes: each gets the next write id and its own history entry.
struct Official {
    ctx: Arc<Ctx>,
    process: String,
    county: &'static str,
    n: u64,
}

impl Official {
    /// Writes `cmd` about `case` (or opening the case of party `name`); outcome and id made.
    async fn write(
        &mut self,
        client: &mut Client,
        kind: &'static str,
        case: Option<u64>,
        name: Option<String>,
        cmd: &Command,
    ) -> (Outcome, Option<u64>) {
        self.n += 1;
        let mut op = self
            .ctx
            .op(&self.process, self.county, kind, self.ctx.history.now());
        op.key = case;
        op.name = name;
        let id = crate::workload::write_id(self.ctx.epoch, &self.process, self.n);
        let (outcome, made, detail) = execute_write(client, id, cmd).await;
        self.ctx.finish(op, outcome, made, detail);
        (outcome, made)
    }
}

/// Takes cases through their lifecycle until stopped; a case whose step is refused or left
/// unknown is left where it is and the next one begins.
pub(crate) async fn run(ctx: Arc<Ctx>, desk: CaseDesk, mut officer: Client, mut head: Client) {
    let short = desk.county.rsplit('/').next().unwrap_or(desk.county);
    let mut me = Official {
        ctx: ctx.clone(),
        process: format!("cases-{short}"),
        county: desk.county,
        n: 0,
    };
    let mut case_no = 0u64;
    'cases: while !ctx.stopped() {
        case_no += 1;
        let party = format!("混沌当事人-{short}-{}-{case_no:05}", ctx.epoch);
        let open = Command::OpenCase(OpenCaseInput {
            agency_id: desk.agency,
            kind: PowerKind::Penalty,
            procedure: Procedure::General,
            party: Party {
                kind: PartyKind::Legal,
                name: party.clone(),
                id_number: String::new(),
                phone: "13800000000".into(),
                address: "某街道某路1号".into(),
                credit_code: String::new(),
            },
            summary: "无证经营".into(),
            handlers: desk.handlers.to_vec(),
            amount_fen: 500_000,
            flags: MajorFlags::default(),
        });
        let (Outcome::Ok, Some(case)) = me
            .write(&mut officer, "open_case", None, Some(party), &open)
            .await
        else {
            continue;
        };
        let now = chrono::Utc::now().timestamp_millis();
        let step = |kind, at_ms, text: &str| {
            Command::RecordStep(StepInput {
                case_id: case,
                kind,
                officers: desk.handlers.to_vec(),
                at_ms,
                place: "当事人经营场所".into(),
                text: text.into(),
                attachments: vec![],
                audio_video: true,
                exemption: None,
                corrects: None,
                detail: (kind == StepKind::Service).then_some(StepDetail::Service {
                    mode: ServiceMode::Direct,
                }),
            })
        };
        let plan: [(&'static str, bool, Command); 5] = [
            (
                "record_step",
                false,
                step(
                    StepKind::Investigation,
                    now - 3_600_000,
                    "现场检查，制作现场笔录，全程音像记录。",
                ),
            ),
            (
                "record_step",
                false,
                step(
                    StepKind::RightsNotice,
                    now - 3_000_000,
                    "告知拟作出处罚的事实、理由、依据及陈述申辩、听证权利。",
                ),
            ),
            (
                "decide",
                true,
                Command::Decide(DecideInput {
                    case_id: case,
                    deciders: vec![desk.head],
                    document_number: format!("混沌罚〔{}〕{case}号", this_year()),
                    penalties: vec![Penalty {
                        kind: PenaltyKind::Fine,
                        amount_fen: 500_000,
                        detail: String::new(),
                    }],
                    licence: None,
                    text: "罚款五千元".into(),
                    reasons_evidence: "现场笔录、音像记录证明违法事实".into(),
                    reasons_basis: "《中华人民共和国行政处罚法》第二十八条".into(),
                    reasons_discretion: "依据裁量基准，综合违法情节确定".into(),
                    collective: None,
                }),
            ),
            (
                "record_step",
                false,
                step(
                    StepKind::Service,
                    now - 60_000,
                    "直接送达行政处罚决定书，当事人签收。",
                ),
            ),
            (
                "draft_publication",
                false,
                Command::DraftPublication(cmd::DraftPublication {
                    case_id: case,
                    content: "当事人无证经营，罚款五千元。".into(),
                    exception_basis: None,
                }),
            ),
        ];
        let mut made = None;
        for (kind, by_head, cmd) in &plan {
            if ctx.stopped() {
                break 'cases;
            }
            let client = if *by_head { &mut head } else { &mut officer };
            let (outcome, id) = me.write(client, kind, Some(case), None, cmd).await;
            if outcome != Outcome::Ok {
                continue 'cases;
            }
            made = id;
        }
        // The last step drafted the publication; its head releases it.
        let Some(publication) = made else { continue };
        let release = Command::ReleasePublication(cmd::ReleasePublication {
            id: publication,
            approve: true,
            reasons: String::new(),
        });
        me.write(&mut head, "release_publication", Some(case), None, &release)
            .await;
    }
}

/// The clients of a county's case official and head.
pub fn clients(cluster: &Cluster, desk: &CaseDesk) -> Result<(Client, Client), ChaosError> {
    let d = Duration::from_secs(4);
    Ok((
        cluster.client(desk.county, OFFICER, d)?,
        cluster.client(desk.county, CASE_HEAD, d)?,
    ))
}

/// What one replica holds of the cases: by party, the cases (id, steps, state); by case, the
/// states of its publications.
struct CaseView {
    by_party: BTreeMap<String, Vec<(u64, u64, String)>>,
    publications: BTreeMap<u64, Vec<Value>>,
}

async fn view(cluster: &Cluster, n: &NodeRef) -> Result<CaseView, ChaosError> {
    let cases = cluster.node_query(n, "cases").await?;
    let mut by_party: BTreeMap<String, Vec<(u64, u64, String)>> = BTreeMap::new();
    for c in cases.as_array().map(Vec::as_slice).unwrap_or_default() {
        let (Some(party), Some(id)) = (c["party"].as_str(), c["id"].as_u64()) else {
            continue;
        };
        by_party.entry(party.to_string()).or_default().push((
            id,
            c["steps"].as_u64().unwrap_or(0),
            c["state"].as_str().unwrap_or("").to_string(),
        ));
    }
    let pubs = cluster.node_query(n, "publications").await?;
    let mut publications: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for p in pubs.as_array().map(Vec::as_slice).unwrap_or_default() {
        if let Some(case) = p["case_id"].as_u64() {
            publications
                .entry(case)
                .or_default()
                .push(p["state"].clone());
        }
    }
    Ok(CaseView {
        by_party,
        publications,
    })
}

/// Every acknowledged case once on every replica of its county, with every acknowledged
/// step (and none twice), its decision and its released publication; refused cases absent.
pub async fn check(cluster: &Cluster, ops: &[Op]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut views = Vec::new();
    for county in COUNTIES {
        for n in cluster.region_nodes(county) {
            match view(cluster, &n).await {
                Ok(v) => views.push((n, v)),
                Err(e) => out.push(v("cases", format!("{}: cannot read cases: {e}", show(&n)))),
            }
        }
    }
    out.extend(judge(&views, ops));
    out
}

/// The case checker on views already read (each replica's view against its county's ops).
fn judge(views: &[(NodeRef, CaseView)], ops: &[Op]) -> Vec<Violation> {
    let mut out = Vec::new();
    for (n, view) in views {
        let mine: Vec<&Op> = ops.iter().filter(|o| o.region == n.0).collect();
        // Per case: steps acknowledged, steps unknown, decided, published.
        let mut expect: BTreeMap<u64, (u64, u64, bool, bool)> = BTreeMap::new();
        for o in &mine {
            let Some(case) = o.key else { continue };
            let e = expect.entry(case).or_default();
            match (o.kind, o.outcome) {
                ("record_step", Outcome::Ok) => e.0 += 1,
                ("record_step", Outcome::Unknown) => e.1 += 1,
                ("decide", Outcome::Ok) => e.2 = true,
                ("release_publication", Outcome::Ok) => e.3 = true,
                _ => {}
            }
        }
        for o in mine.iter().filter(|o| o.kind == "open_case") {
            let Some(party) = &o.name else { continue };
            let found = view.by_party.get(party).cloned().unwrap_or_default();
            let ids: Vec<u64> = found.iter().map(|c| c.0).collect();
            let bad = match o.outcome {
                Outcome::Ok => ids.len() != 1 || Some(ids[0]) != o.result_id,
                Outcome::Refused => !ids.is_empty(),
                Outcome::Unknown => ids.len() > 1,
            };
            if bad {
                let class = match ids.len() {
                    0 => "lost",
                    1 => "other",
                    _ => "duplicated",
                };
                out.push(classed(
                    "cases",
                    class,
                    format!(
                        "open_case {party} ({:?}, id {:?}) on {}: found case ids {ids:?}",
                        o.outcome,
                        o.result_id,
                        show(n)
                    ),
                ));
                continue;
            }
            let (Outcome::Ok, Some(case), Some((_, steps, state))) =
                (o.outcome, o.result_id, found.first())
            else {
                continue;
            };
            let (acked, unknown, decided, published) =
                expect.get(&case).copied().unwrap_or_default();
            if *steps < acked || *steps > acked + unknown {
                out.push(classed(
                    "cases",
                    if *steps < acked { "lost" } else { "duplicated" },
                    format!(
                        "case {case} on {}: {acked} steps acknowledged ({unknown} unknown), {steps} recorded",
                        show(n)
                    ),
                ));
            }
            // A decided case stays decided, then moves on as it is served, executed, archived.
            let past_decision = ["Decided", "Served", "Executed", "Archived"];
            if decided && !past_decision.contains(&state.as_str()) {
                out.push(classed(
                    "cases",
                    "lost",
                    format!(
                        "case {case} on {}: decision acknowledged, state {state}",
                        show(n)
                    ),
                ));
            }
            let pubs = view.publications.get(&case).cloned().unwrap_or_default();
            let released = pubs.iter().filter(|s| s.get("Published").is_some()).count();
            if (published && released != 1) || released > 1 {
                out.push(classed(
                    "cases",
                    if released > 1 { "duplicated" } else { "lost" },
                    format!(
                        "case {case} on {}: publication released {}, found {released} published of {}",
                        show(n),
                        if published { "(acknowledged)" } else { "(not acknowledged)" },
                        pubs.len()
                    ),
                ));
            }
        }
    }
    out
}

/// The year of the region's calendar (Beijing time) now.
fn this_year() -> i32 {
    use chrono::Datelike;
    sanxiang::domain::calendar::days::date_of(chrono::Utc::now().timestamp_millis())
        .map(|d| d.year())
        .unwrap_or(2026)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COUNTY: &str = "hunan/changsha/liuyang";

    /// A case a replica holds: party, id, steps, state.
    type Held = (&'static str, u64, u64, &'static str);
    /// A replica's publications: case, state.
    type Pubs = Vec<(u64, Value)>;

    fn op(
        kind: &'static str,
        outcome: Outcome,
        key: Option<u64>,
        name: Option<&str>,
        id: Option<u64>,
    ) -> Op {
        Op {
            scenario: String::new(),
            process: "cases-liuyang".into(),
            region: COUNTY.into(),
            kind,
            key,
            value: None,
            name: name.map(str::to_string),
            invoked_us: 0,
            answered_us: Some(1),
            outcome,
            result_id: id,
            detail: String::new(),
        }
    }

    /// A case 7 of party "p" acknowledged through its whole lifecycle.
    fn full_history() -> Vec<Op> {
        vec![
            op("open_case", Outcome::Ok, None, Some("p"), Some(7)),
            op("record_step", Outcome::Ok, Some(7), None, Some(1)),
            op("record_step", Outcome::Ok, Some(7), None, Some(2)),
            op("decide", Outcome::Ok, Some(7), None, None),
            op("record_step", Outcome::Unknown, Some(7), None, None),
            op("draft_publication", Outcome::Ok, Some(7), None, Some(3)),
            op("release_publication", Outcome::Ok, Some(7), None, None),
            op("open_case", Outcome::Refused, None, Some("q"), None),
        ]
    }

    fn replica(
        cases: &[(&str, u64, u64, &str)],
        pubs: &[(u64, Value)],
    ) -> Vec<(NodeRef, CaseView)> {
        let mut by_party: BTreeMap<String, Vec<(u64, u64, String)>> = BTreeMap::new();
        for (party, id, steps, state) in cases {
            by_party
                .entry(party.to_string())
                .or_default()
                .push((*id, *steps, state.to_string()));
        }
        let mut publications: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
        for (case, state) in pubs {
            publications.entry(*case).or_default().push(state.clone());
        }
        vec![(
            (COUNTY.to_string(), 1),
            CaseView {
                by_party,
                publications,
            },
        )]
    }

    fn published() -> Value {
        json!({"Published": {"at_ms": 1, "on_time": true}})
    }

    fn classes(found: &[Violation]) -> Vec<&'static str> {
        found.iter().map(|v| v.class).collect()
    }

    #[test]
    fn a_replica_with_everything_acknowledged_is_clean() {
        // The unknown step may or may not have happened: 2 or 3 steps are both right.
        for steps in [2, 3] {
            let views = replica(&[("p", 7, steps, "Decided")], &[(7, published())]);
            assert!(judge(&views, &full_history()).is_empty(), "{steps} steps");
        }
    }

    #[test]
    fn each_kind_of_loss_and_duplicate_is_named() {
        let h = full_history();
        let cases: Vec<(Vec<Held>, Pubs, &str)> = vec![
            (vec![], vec![], "lost"),
            (
                vec![("p", 7, 3, "Decided"), ("p", 8, 3, "Decided")],
                vec![(7, published())],
                "duplicated",
            ),
            (vec![("p", 7, 1, "Decided")], vec![(7, published())], "lost"),
            (
                vec![("p", 7, 4, "Decided")],
                vec![(7, published())],
                "duplicated",
            ),
            (
                vec![("p", 7, 3, "Investigating")],
                vec![(7, published())],
                "lost",
            ),
            (
                vec![("p", 7, 3, "Decided")],
                vec![(7, json!("Drafted"))],
                "lost",
            ),
            (
                vec![("p", 7, 3, "Decided")],
                vec![(7, published()), (7, published())],
                "duplicated",
            ),
            (
                vec![("p", 7, 3, "Decided"), ("q", 9, 0, "Opened")],
                vec![(7, published())],
                "other",
            ),
        ];
        for (i, (c, p, want)) in cases.into_iter().enumerate() {
            let found = judge(&replica(&c, &p), &h);
            assert_eq!(
                found.len(),
                1,
                "case {i}: {:?}",
                found.iter().map(|v| &v.what).collect::<Vec<_>>()
            );
            assert_eq!(classes(&found), vec![want], "case {i}: {}", found[0].what);
        }
    }
}
