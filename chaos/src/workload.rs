//! The workload run during the faults, each process an official with its own client:
//! - county clerks registering agencies (one process per county), each with a unique name;
//! - a register: three processes reading (linearizable) and writing the contact field of three
//!   agencies of a county;
//! - the province's supervisor drafting notices to both counties and its head signing them;
//! - each county's clerk acknowledging what reaches its inbox.
//!
//! Every write carries a fixed (client id, request id), so the client's retries are answered
//! from the region's dedup table instead of being applied twice.
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sanxiang::client::{Client, ClientError};
use sanxiang::domain::supervision::notice::{NoticeDraft, NoticeKind, Reply};
use sanxiang::domain::supervision::report::Unit;
use sanxiang::domain::Command;
use sanxiang_proto::region as pb;
use tokio::task::JoinHandle;

use crate::cluster::{Cluster, CLERK, COUNTIES, COUNTY_A, HEAD, PROVINCE, SUPERVISOR};
use crate::history::{History, Op, Outcome};
use crate::rng::Rng;
use crate::ChaosError;
use sanxiang::domain::command::cmd;

/// Keys of the register (agency ids in [`COUNTY_A`]).
pub const REGISTER_KEYS: u64 = 3;
/// The longest a single operation may take before it is recorded as unknown.
const OP_TIMEOUT: Duration = Duration::from_secs(6);
/// Pause between one process's operations.
const PACE: Duration = Duration::from_millis(25);

/// A write id unique to (workload epoch, process, operation number).
pub(crate) fn write_id(epoch: u64, process: &str, n: u64) -> Option<pb::WriteId> {
    Some(pb::WriteId {
        client_id: format!("chaos-{epoch}-{process}"),
        request_id: n,
    })
}

fn agency_input(name: &str, contact: &str) -> pb::AgencyInput {
    pb::AgencyInput {
        name: name.to_string(),
        powers: vec!["penalty".into()],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: contact.to_string(),
    }
}

/// Whether a status means "not done" for certain.
fn definite(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::InvalidArgument
            | tonic::Code::PermissionDenied
            | tonic::Code::FailedPrecondition
            | tonic::Code::NotFound
            | tonic::Code::AlreadyExists
            | tonic::Code::OutOfRange
            | tonic::Code::ResourceExhausted
            | tonic::Code::Unauthenticated
    )
}

/// Classifies a write's answer: outcome, id made, detail.
fn write_outcome(
    r: Result<Result<pb::WriteReply, ClientError>, tokio::time::error::Elapsed>,
) -> (Outcome, Option<u64>, String) {
    match r {
        Err(_) => (Outcome::Unknown, None, "timed out".into()),
        Ok(Err(ClientError::Status(s))) if definite(s.code()) => {
            (Outcome::Refused, None, s.message().to_string())
        }
        Ok(Err(e)) => (Outcome::Unknown, None, e.to_string()),
        Ok(Ok(w)) => match w.outcome {
            Some(pb::write_reply::Outcome::Agency(a)) => (Outcome::Ok, Some(a.id), String::new()),
            Some(pb::write_reply::Outcome::Record(r)) => (Outcome::Ok, Some(r.id), String::new()),
            Some(pb::write_reply::Outcome::Refused(f)) => {
                (Outcome::Refused, None, format!("{}: {}", f.rule, f.message))
            }
            None => (Outcome::Ok, None, String::new()),
        },
    }
}

pub(crate) struct Ctx {
    pub(crate) history: History,
    stop: Arc<AtomicBool>,
    /// Distinguishes the write ids of each start of the workload.
    pub(crate) epoch: u64,
}

impl Ctx {
    pub(crate) fn op(
        &self,
        process: &str,
        region: &str,
        kind: &'static str,
        invoked_us: u64,
    ) -> Op {
        Op {
            scenario: String::new(),
            process: process.to_string(),
            region: region.to_string(),
            kind,
            key: None,
            value: None,
            name: None,
            invoked_us,
            answered_us: None,
            outcome: Outcome::Unknown,
            result_id: None,
            detail: String::new(),
        }
    }

    pub(crate) fn finish(&self, mut op: Op, outcome: Outcome, id: Option<u64>, detail: String) {
        if outcome != Outcome::Unknown {
            op.answered_us = Some(self.history.now());
        }
        op.outcome = outcome;
        op.result_id = id;
        op.detail = detail;
        self.history.record(op);
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

pub(crate) async fn execute_write(
    client: &mut Client,
    write_id: Option<pb::WriteId>,
    command: &Command,
) -> (Outcome, Option<u64>, String) {
    let json = match serde_json::to_string(command) {
        Ok(j) => j,
        Err(e) => return (Outcome::Refused, None, e.to_string()),
    };
    let req = pb::ExecuteRequest {
        write_id,
        command_json: json,
    };
    write_outcome(
        tokio::time::timeout(
            OP_TIMEOUT,
            client.call_with_request(req.clone(), |mut c, r| async move { c.execute(r).await }),
        )
        .await,
    )
}

/// The running workload.
pub struct Workload {
    stop: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workload {
    /// Creates the register's keys (before any fault) and returns their ids.
    pub async fn setup_register(
        cluster: &Cluster,
        history: &History,
    ) -> Result<Vec<u64>, ChaosError> {
        let mut c = cluster.client(COUNTY_A, CLERK, Duration::from_secs(60))?;
        let mut keys = Vec::new();
        for k in 0..REGISTER_KEYS {
            let t0 = history.now();
            let req = pb::RegisterAgencyRequest {
                write_id: write_id(0, "register-setup", k + 1),
                agency: Some(agency_input(&format!("寄存器{k}"), "v0")),
            };
            let r = c
                .call_with_request(
                    req.clone(),
                    |mut c, r| async move { c.register_agency(r).await },
                )
                .await?;
            let Some(pb::write_reply::Outcome::Agency(a)) = r.outcome else {
                return Err(ChaosError::Setup(format!(
                    "register key {k} refused: {:?}",
                    r.outcome
                )));
            };
            history.record(Op {
                scenario: String::new(),
                process: "register-setup".into(),
                region: COUNTY_A.into(),
                kind: "write",
                key: Some(a.id),
                value: Some(0),
                name: Some(a.name.clone()),
                invoked_us: t0,
                answered_us: Some(history.now()),
                outcome: Outcome::Ok,
                result_id: Some(a.id),
                detail: String::new(),
            });
            keys.push(a.id);
        }
        Ok(keys)
    }

    /// Starts every process.
    pub fn start(
        cluster: &Cluster,
        history: &History,
        keys: &[u64],
        desks: &[crate::cases::CaseDesk],
        rng: &mut Rng,
        epoch: u64,
        heavy: bool,
    ) -> Result<Workload, ChaosError> {
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = Arc::new(Ctx {
            history: history.clone(),
            stop: stop.clone(),
            epoch,
        });
        let deadline = Duration::from_secs(4);
        let mut tasks = Vec::new();
        let counter = Arc::new(AtomicI64::new(1));
        // Heavy: eight unpaced writers per county (durability under kill -9); else one, paced.
        let (writers, pace) = if heavy {
            (8, Duration::ZERO)
        } else {
            (1, PACE)
        };
        for county in COUNTIES {
            for w in 0..writers {
                let c = cluster.client(county, CLERK, deadline)?;
                tasks.push(tokio::spawn(agencies(ctx.clone(), c, county, w, pace)));
            }
        }
        for p in 0..3 {
            let c = cluster.client(COUNTY_A, CLERK, deadline)?;
            tasks.push(tokio::spawn(register(
                ctx.clone(),
                c,
                p,
                keys.to_vec(),
                rng.fork(),
                counter.clone(),
            )));
        }
        for desk in desks {
            let (officer, head) = crate::cases::clients(cluster, desk)?;
            tasks.push(tokio::spawn(crate::cases::run(
                ctx.clone(),
                desk.clone(),
                officer,
                head,
            )));
        }
        let s = cluster.client(PROVINCE, SUPERVISOR, deadline)?;
        let h = cluster.client(PROVINCE, HEAD, deadline)?;
        tasks.push(tokio::spawn(issue_notices(ctx.clone(), s, h)));
        for county in COUNTIES {
            let c = cluster.client(county, CLERK, deadline)?;
            tasks.push(tokio::spawn(answer_loop(ctx.clone(), c, county, false)));
        }
        Ok(Workload { stop, tasks })
    }

    /// Stops every process and waits for its last operation to be recorded.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

async fn agencies(
    ctx: Arc<Ctx>,
    mut client: Client,
    county: &'static str,
    writer: usize,
    pace: Duration,
) {
    let short = county.rsplit('/').next().unwrap_or(county);
    let process = format!("agencies-{short}-{writer}");
    let mut n = 0u64;
    while !ctx.stopped() {
        n += 1;
        let name = format!("混沌-{short}-{}-{writer}-{n:06}", ctx.epoch);
        let mut op = ctx.op(&process, county, "register_agency", ctx.history.now());
        op.name = Some(name.clone());
        let req = pb::RegisterAgencyRequest {
            write_id: write_id(ctx.epoch, &process, n),
            agency: Some(agency_input(&name, "")),
        };
        let r = tokio::time::timeout(
            OP_TIMEOUT,
            client.call_with_request(
                req.clone(),
                |mut c, r| async move { c.register_agency(r).await },
            ),
        )
        .await;
        let (outcome, id, detail) = write_outcome(r);
        ctx.finish(op, outcome, id, detail);
        if !pace.is_zero() {
            tokio::time::sleep(pace).await;
        }
    }
}

fn parse_value(contact: &str) -> Option<i64> {
    contact.strip_prefix('v')?.parse().ok()
}

async fn register(
    ctx: Arc<Ctx>,
    mut client: Client,
    p: usize,
    keys: Vec<u64>,
    mut rng: Rng,
    counter: Arc<AtomicI64>,
) {
    let process = format!("register-{p}");
    let mut n = 0u64;
    while !ctx.stopped() {
        let Some(&key) = rng.pick(&keys) else { return };
        n += 1;
        if rng.chance(0.5) {
            let v = counter.fetch_add(1, Ordering::SeqCst);
            let mut op = ctx.op(&process, COUNTY_A, "write", ctx.history.now());
            op.key = Some(key);
            op.value = Some(v);
            let req = pb::UpdateAgencyRequest {
                write_id: write_id(ctx.epoch, &process, n),
                id: key,
                agency: Some(agency_input(
                    &format!("寄存器{}", keys.iter().position(|k| *k == key).unwrap_or(0)),
                    &format!("v{v}"),
                )),
                expected_version: None,
            };
            let r = tokio::time::timeout(
                OP_TIMEOUT,
                client.call_with_request(req.clone(), |mut c, r| async move {
                    c.update_agency(r).await
                }),
            )
            .await;
            let (outcome, id, detail) = write_outcome(r);
            ctx.finish(op, outcome, id, detail);
        } else {
            let mut op = ctx.op(&process, COUNTY_A, "read", ctx.history.now());
            op.key = Some(key);
            let req = pb::ListAgenciesRequest {
                consistency: pb::Consistency::Linearizable as i32,
                after_id: key - 1,
                limit: 1,
            };
            let r = tokio::time::timeout(
                OP_TIMEOUT,
                client.call(|mut c| async move { c.list_agencies(req).await }),
            )
            .await;
            match r {
                Ok(Ok(list)) => match list.agencies.first() {
                    Some(a) if a.id == key => {
                        op.value = parse_value(&a.contact);
                        ctx.finish(op, Outcome::Ok, None, String::new());
                    }
                    other => {
                        // A key that vanished is a finding, recorded as a read of nothing.
                        op.value = None;
                        let d = format!("key {key} not found: {:?}", other.map(|a| a.id));
                        ctx.finish(op, Outcome::Ok, None, d);
                    }
                },
                Ok(Err(e)) => ctx.finish(op, Outcome::Unknown, None, e.to_string()),
                Err(_) => ctx.finish(op, Outcome::Unknown, None, "timed out".into()),
            }
        }
        tokio::time::sleep(PACE).await;
    }
}

async fn issue_notices(ctx: Arc<Ctx>, mut supervisor: Client, mut head: Client) {
    let mut n = 0u64;
    while !ctx.stopped() {
        n += 1;
        let draft = NoticeDraft {
            kind: NoticeKind::Situation,
            title: format!("情况通报（混沌测试）{}-{n}", ctx.epoch),
            text: "请各县（市）对照检查。".into(),
            units: COUNTIES
                .iter()
                .map(|c| Unit {
                    region: c.to_string(),
                    agency: None,
                })
                .collect(),
            persons: vec![],
            deadline: None,
            basis: vec![],
        };
        let op = ctx.op("notices", PROVINCE, "draft_notice", ctx.history.now());
        let (outcome, id, detail) = execute_write(
            &mut supervisor,
            write_id(ctx.epoch, "notices-draft", n),
            &Command::DraftNotice(draft),
        )
        .await;
        ctx.finish(op, outcome, id, detail);
        if let (Outcome::Ok, Some(id)) = (outcome, id) {
            let mut op = ctx.op("notices", PROVINCE, "sign_notice", ctx.history.now());
            op.key = Some(id);
            let (outcome, _, detail) = execute_write(
                &mut head,
                write_id(ctx.epoch, "notices-sign", id),
                &Command::SignNotice(cmd::SignNotice {
                    id,
                    prefix: "湘司通".into(),
                }),
            )
            .await;
            ctx.finish(op, outcome, Some(id), detail);
        }
        // About one notice every two seconds.
        for _ in 0..20 {
            if ctx.stopped() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Records each register key's current value (a linearizable read while no workload runs) as
/// an `initial` operation: the start of a segment the linearizability checker can take alone,
/// so a long run is checked segment by segment instead of as one ever-growing history.
pub async fn record_initial(
    cluster: &Cluster,
    history: &History,
    keys: &[u64],
) -> Result<(), ChaosError> {
    let mut c = cluster.client(COUNTY_A, CLERK, Duration::from_secs(60))?;
    for &key in keys {
        let t0 = history.now();
        let req = pb::ListAgenciesRequest {
            consistency: pb::Consistency::Linearizable as i32,
            after_id: key - 1,
            limit: 1,
        };
        let r = c
            .call(|mut cl| async move { cl.list_agencies(req).await })
            .await?;
        let value = r
            .agencies
            .first()
            .filter(|a| a.id == key)
            .and_then(|a| parse_value(&a.contact));
        history.record(Op {
            scenario: String::new(),
            process: "checker".into(),
            region: COUNTY_A.into(),
            kind: "initial",
            key: Some(key),
            value,
            name: None,
            invoked_us: t0,
            answered_us: Some(history.now()),
            outcome: Outcome::Ok,
            result_id: None,
            detail: "value when the segment began".into(),
        });
    }
    Ok(())
}

/// Notices in a county's inbox from the province, with their stage.
pub async fn inbox(client: &mut Client) -> Result<Vec<(u64, String, Unit)>, ChaosError> {
    let req = pb::QueryRequest {
        consistency: pb::Consistency::Linearizable as i32,
        what: "notices".into(),
        id: 0,
    };
    let r = client
        .call_with_request(req.clone(), |mut c, r| async move { c.query(r).await })
        .await?;
    let v: serde_json::Value = serde_json::from_str(&r.json)?;
    let mut out = Vec::new();
    for e in v["inbox"].as_array().cloned().unwrap_or_default() {
        let doc = &e["doc"];
        if doc["issuer"].as_str() != Some(PROVINCE) {
            continue;
        }
        let (Some(id), Some(stage)) = (doc["id"].as_u64(), e["progress"]["stage"].as_str()) else {
            continue;
        };
        let unit: Unit = serde_json::from_value(doc["unit"].clone())?;
        out.push((id, stage.to_lowercase(), unit));
    }
    Ok(out)
}

/// Acknowledges every notice delivered to the county. With `once`, passes until one reads the
/// inbox and every answer it gives is acknowledged (an election can refuse a read or leave an
/// answer unknown), for at most a minute. The write id is the notice's, the same in every
/// pass, so a notice is answered once.
async fn answer_loop(ctx: Arc<Ctx>, mut client: Client, county: &'static str, once: bool) {
    let short = county.rsplit('/').next().unwrap_or(county);
    let process = format!("answers-{short}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut complete = false;
        if let Ok(Ok(list)) = tokio::time::timeout(OP_TIMEOUT, inbox(&mut client)).await {
            complete = true;
            for (id, stage, unit) in list {
                if stage != "delivered" {
                    continue;
                }
                let mut op = ctx.op(&process, county, "answer_notice", ctx.history.now());
                op.key = Some(id);
                let (outcome, _, detail) = execute_write(
                    &mut client,
                    write_id(0, &process, id),
                    &Command::AnswerNotice(cmd::AnswerNotice {
                        issuer: PROVINCE.into(),
                        id,
                        unit,
                        reply: Reply::Acknowledge,
                    }),
                )
                .await;
                complete &= outcome == Outcome::Ok;
                ctx.finish(op, outcome, Some(id), detail);
            }
        }
        if once && (complete || tokio::time::Instant::now() > deadline) {
            return;
        }
        if !once && ctx.stopped() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
}

/// One answering pass in every county (after healing, so every delivered notice is answered).
pub async fn answer_all(cluster: &Cluster, history: &History) -> Result<(), ChaosError> {
    let ctx = Arc::new(Ctx {
        history: history.clone(),
        stop: Arc::new(AtomicBool::new(true)),
        epoch: 0,
    });
    for county in COUNTIES {
        let c = cluster.client(county, CLERK, Duration::from_secs(10))?;
        answer_loop(ctx.clone(), c, county, true).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_as_ok_refused_or_unknown() {
        let refused = write_outcome(Ok(Err(ClientError::Status(
            tonic::Status::invalid_argument("bad"),
        ))));
        assert_eq!(refused.0, Outcome::Refused);
        let denied = write_outcome(Ok(Err(ClientError::Status(
            tonic::Status::permission_denied("no"),
        ))));
        assert_eq!(denied.0, Outcome::Refused);
        // A lost connection or an internal error may have happened.
        let lost = write_outcome(Ok(Err(ClientError::Unavailable {
            secs: 4,
            last: "x".into(),
        })));
        assert_eq!(lost.0, Outcome::Unknown);
        let internal = write_outcome(Ok(Err(ClientError::Status(tonic::Status::internal("?")))));
        assert_eq!(internal.0, Outcome::Unknown);
        let domain = write_outcome(Ok(Ok(pb::WriteReply {
            outcome: Some(pb::write_reply::Outcome::Refused(pb::Refusal {
                rule: "PUB-1".into(),
                message: "m".into(),
            })),
            ..Default::default()
        })));
        assert_eq!(domain.0, Outcome::Refused);
        let made = write_outcome(Ok(Ok(pb::WriteReply {
            outcome: Some(pb::write_reply::Outcome::Record(pb::RecordRef {
                id: 7,
                flags: vec![],
            })),
            ..Default::default()
        })));
        assert_eq!((made.0, made.1), (Outcome::Ok, Some(7)));
        assert_eq!(parse_value("v12"), Some(12));
        assert_eq!(parse_value(""), None);
        assert_eq!(parse_value("vx"), None);
    }
}
