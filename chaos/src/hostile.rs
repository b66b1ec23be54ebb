//! Hostile requests against the running processes: malformed, oversized, out of range,
//! wrong region, a foreign CA, an expired certificate, a person on the node-to-node services,
//! uplink entries out of order. Each must get a clear error, and nothing may change: the
//! county's agencies, the city's mark for the county (never past what the county appended)
//! and the city's alerts.
use std::time::Duration;

use sanxiang::client::ClientError;
use sanxiang::domain::federation::items::Carried;
use sanxiang::domain::Role;
use sanxiang::pki::{Expect, Identity, TlsMaterial};
use sanxiang::transport;
use sanxiang_proto::federation::uplink_client::UplinkClient;
use sanxiang_proto::raft::raft_peer_client::RaftPeerClient;
use sanxiang_proto::region as pb;

use crate::check::Violation;
use crate::cluster::{Cluster, CITY, CLERK, COUNTY_A, COUNTY_B};
use crate::net::NodeRef;
use crate::ChaosError;

/// One probe's result, for the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Probe {
    pub name: &'static str,
    pub answer: String,
    pub refused: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    agencies: u64,
    alerts: usize,
}

async fn snapshot(cluster: &Cluster) -> Result<(Snapshot, u64, u64), ChaosError> {
    let mut c = cluster.client(COUNTY_A, CLERK, Duration::from_secs(20))?;
    let req = pb::ListAgenciesRequest {
        consistency: pb::Consistency::Linearizable as i32,
        after_id: 0,
        limit: 1,
    };
    let agencies = c
        .call(|mut cl| async move { cl.list_agencies(req).await })
        .await?
        .total;
    let mut city = cluster.client(CITY, CLERK, Duration::from_secs(20))?;
    let q = pb::QueryRequest {
        consistency: pb::Consistency::Linearizable as i32,
        what: "federation".into(),
        id: 0,
    };
    let f: serde_json::Value = serde_json::from_str(
        &city
            .call_with_request(q.clone(), |mut c, r| async move { c.query(r).await })
            .await?
            .json,
    )?;
    let fq = pb::QueryRequest {
        consistency: pb::Consistency::Linearizable as i32,
        what: "federation".into(),
        id: 0,
    };
    let county: serde_json::Value = serde_json::from_str(
        &c.call_with_request(fq.clone(), |mut c, r| async move { c.query(r).await })
            .await?
            .json,
    )?;
    Ok((
        Snapshot {
            agencies,
            alerts: f["alerts"].as_array().map(Vec::len).unwrap_or(0),
        },
        f["links"][COUNTY_A]["mark"].as_u64().unwrap_or(0),
        county["outbox"]["tail"].as_u64().unwrap_or(0),
    ))
}

fn answer<T>(r: &Result<T, ClientError>) -> (bool, String) {
    match r {
        Ok(_) => (false, "accepted".into()),
        Err(e) => (true, e.to_string()),
    }
}

fn status<T>(r: &Result<tonic::Response<T>, tonic::Status>) -> (bool, String) {
    match r {
        Ok(_) => (false, "accepted".into()),
        Err(s) => (true, format!("{:?}: {}", s.code(), s.message())),
    }
}

/// A write refused by the region (a status, or a refusal in the reply).
fn write_answer(r: &Result<pb::WriteReply, ClientError>) -> (bool, String) {
    match r {
        Ok(pb::WriteReply {
            outcome: Some(pb::write_reply::Outcome::Refused(f)),
            ..
        }) => (true, format!("refused ({}): {}", f.rule, f.message)),
        other => answer(other),
    }
}

fn agency(name: String) -> pb::AgencyInput {
    pb::AgencyInput {
        name,
        powers: vec!["penalty".into()],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: String::new(),
    }
}

/// Runs every probe; returns the probes and the findings.
pub async fn run(cluster: &Cluster) -> Result<(Vec<Probe>, Vec<Violation>), ChaosError> {
    let (before, mark0, _) = snapshot(cluster).await?;
    let mut probes = Vec::new();
    let mut push = |name: &'static str, (refused, answer): (bool, String)| {
        probes.push(Probe {
            name,
            answer,
            refused,
        })
    };
    let deadline = Duration::from_secs(5);
    let wid = |n: u64| {
        Some(pb::WriteId {
            client_id: "chaos-hostile".into(),
            request_id: n,
        })
    };
    let mut clerk = cluster.client(COUNTY_A, CLERK, deadline)?;

    let req = pb::ExecuteRequest {
        write_id: wid(1),
        command_json: "{\"RegisterAgency\": {\"name\": ".into(),
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.execute(r).await })
        .await;
    push("malformed command JSON", write_answer(&r));

    let req = pb::ExecuteRequest {
        write_id: wid(2),
        command_json: "{\"Tick\": null}".into(),
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.execute(r).await })
        .await;
    push("node-only command (Tick) from a person", write_answer(&r));

    let req = pb::RegisterAgencyRequest {
        write_id: wid(3),
        agency: Some(agency("名".repeat(3 * 1024 * 1024))),
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push("oversized request (9 MiB name)", write_answer(&r));

    let req = pb::RegisterAgencyRequest {
        write_id: wid(4),
        agency: Some(agency("长".repeat(5000))),
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push(
        "field over its limit (5,000-character name)",
        write_answer(&r),
    );

    let req = pb::RegisterAgencyRequest {
        write_id: None,
        agency: Some(agency("无请求号".into())),
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push("write without a request id", write_answer(&r));

    let req = pb::ListAgenciesRequest {
        consistency: pb::Consistency::Linearizable as i32,
        after_id: 0,
        limit: 1_000_000,
    };
    let r = clerk
        .call(|mut c| async move { c.list_agencies(req).await })
        .await;
    push("page size out of range", answer(&r));

    let req = pb::QueryRequest {
        consistency: 7,
        what: "federation".into(),
        id: 0,
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.query(r).await })
        .await;
    push("unknown consistency level", answer(&r));

    let req = pb::UpdateAgencyRequest {
        write_id: wid(5),
        id: u64::MAX,
        agency: Some(agency("不存在".into())),
        expected_version: None,
    };
    let r = clerk
        .call_with_request(req, |mut c, r| async move { c.update_agency(r).await })
        .await;
    push("update of an agency id out of range", write_answer(&r));

    // A person of the other county writing here: the region comes from the certificate.
    let eps: Vec<String> = cluster
        .region_nodes(COUNTY_A)
        .iter()
        .filter_map(|n| cluster.procs.get(n).map(|p| p.grpc.to_string()))
        .collect();
    let other = cluster.person(COUNTY_B, CLERK)?;
    let mut wrong = sanxiang::client::Client::new(&eps, &other, Some(COUNTY_A), deadline)?;
    let req = pb::RegisterAgencyRequest {
        write_id: wid(6),
        agency: Some(agency("越权登记".into())),
    };
    let r = wrong
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push("write by a person of another region", write_answer(&r));

    // A certificate from a CA the deployment never trusted.
    let foreign_dir = cluster.dir.join("foreign-pki");
    let foreign = foreign_tls(cluster, &foreign_dir)?;
    let mut stranger = sanxiang::client::Client::new(&eps, &foreign, Some(COUNTY_A), deadline)?;
    let req = pb::RegisterAgencyRequest {
        write_id: wid(7),
        agency: Some(agency("外部证书".into())),
    };
    let r = stranger
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push("certificate of a foreign CA", write_answer(&r));

    // An expired certificate from the deployment's own CA.
    let expired = expired_tls(cluster)?;
    let mut late = sanxiang::client::Client::new(&eps, &expired, Some(COUNTY_A), deadline)?;
    let req = pb::RegisterAgencyRequest {
        write_id: wid(8),
        agency: Some(agency("过期证书".into())),
    };
    let r = late
        .call_with_request(req, |mut c, r| async move { c.register_agency(r).await })
        .await;
    push("expired certificate", write_answer(&r));

    // A person on the node-to-node services: a follower asked to take a write, and the uplink.
    let clerk_tls = cluster.person(COUNTY_A, CLERK)?;
    let follower = follower_of(cluster, COUNTY_A).await;
    if let Some(f) = follower.and_then(|n| cluster.procs.get(&n).map(|p| p.grpc.to_string())) {
        let ch = transport::channel(
            &f,
            clerk_tls.client_config(Expect::Region(COUNTY_A.into()))?,
            Duration::from_secs(3),
        )
        .map_err(|e| ChaosError::Setup(e.to_string()))?;
        let r = tokio::time::timeout(
            deadline,
            RaftPeerClient::new(ch).forward(sanxiang_proto::raft::ForwardRequest {
                envelope: b"\x00\x01garbage".to_vec(),
            }),
        )
        .await
        .unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("no answer")));
        push("a person asking a follower to forward a write", status(&r));
    }
    let city_eps: Vec<String> = cluster
        .region_nodes(CITY)
        .iter()
        .filter_map(|n| cluster.procs.get(n).map(|p| p.grpc.to_string()))
        .collect();
    let Some(city0) = city_eps.first().cloned() else {
        return Err(ChaosError::Setup("no city node".into()));
    };
    let ch = transport::channel(
        &city0,
        clerk_tls.client_config(Expect::Region(CITY.into()))?,
        Duration::from_secs(3),
    )
    .map_err(|e| ChaosError::Setup(e.to_string()))?;
    let r = tokio::time::timeout(
        deadline,
        UplinkClient::new(ch).push(sanxiang_proto::federation::PushRequest {
            first_seq: mark0 + 1,
            entries: vec![],
            tail: 0,
            oldest_ms: 0,
            pruned_through: 0,
        }),
    )
    .await
    .unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("no answer")));
    push("a person pushing on the uplink", status(&r));

    // The county's own node certificate: garbage entries, and a well-formed entry out of order.
    let node_tls = TlsMaterial::load_node(&cluster.pki, COUNTY_A, 1)?;
    for (name, first_seq, entries) in [
        (
            "uplink entries that do not decode",
            mark0 + 1,
            vec![vec![0xFFu8; 64]],
        ),
        (
            "uplink entry out of order (past the mark)",
            mark0 + 10,
            vec![fake_entry()?],
        ),
        ("uplink first_seq 0", 0, vec![fake_entry()?]),
    ] {
        let ch = transport::channel(
            &city0,
            node_tls.client_config(Expect::Region(CITY.into()))?,
            Duration::from_secs(3),
        )
        .map_err(|e| ChaosError::Setup(e.to_string()))?;
        let r = tokio::time::timeout(
            deadline,
            UplinkClient::new(ch).push(sanxiang_proto::federation::PushRequest {
                first_seq,
                entries,
                tail: 0,
                oldest_ms: 0,
                pruned_through: 0,
            }),
        )
        .await
        .unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("no answer")));
        let verdict = match &r {
            Ok(reply) if reply.get_ref().gap && reply.get_ref().accepted == 0 => (
                true,
                format!(
                    "gap: nothing taken, resend from {}",
                    reply.get_ref().mark + 1
                ),
            ),
            other => status(other),
        };
        push(name, verdict);
    }

    let (after, mark1, tail1) = snapshot(cluster).await?;
    let mut out = Vec::new();
    for p in &probes {
        if !p.refused {
            out.push(Violation {
                check: "hostile",
                class: "other",
                what: format!("{}: expected a clear refusal, got {}", p.name, p.answer),
            });
        }
    }
    if after != before || mark1 > tail1 || mark1 < mark0 {
        out.push(Violation {
            check: "hostile",
            class: "other",
            what: format!(
                "state changed by refused requests: before {before:?} mark {mark0}, after {after:?} mark {mark1} (county tail {tail1})"
            ),
        });
    }
    Ok((probes, out))
}

/// A well-formed item entry (its proof is not checked before the position is).
fn fake_entry() -> Result<Vec<u8>, ChaosError> {
    bincode_encode(&Carried::Item {
        bytes: b"\x01chaos".to_vec(),
        leaf_index: 0,
        head_size: 1,
        proof: vec![],
    })
}

fn bincode_encode(c: &Carried) -> Result<Vec<u8>, ChaosError> {
    bincode::serialize(c).map_err(|e| ChaosError::Setup(format!("encoding an entry: {e}")))
}

async fn follower_of(cluster: &Cluster, region: &str) -> Option<NodeRef> {
    for n in cluster.region_nodes(region) {
        if let Ok(st) = cluster.node_status(&n).await {
            if st.role != "leader" {
                return Some(n);
            }
        }
    }
    None
}

fn foreign_tls(cluster: &Cluster, dir: &std::path::Path) -> Result<TlsMaterial, ChaosError> {
    if !dir.join("ca.pem").exists() {
        let out = std::process::Command::new(&cluster.bin)
            .args(["pki", "init", "--topology"])
            .arg(&cluster.topology)
            .arg("--out")
            .arg(dir)
            .output()?;
        let out2 = std::process::Command::new(&cluster.bin)
            .args(["pki", "issue", "--pki"])
            .arg(dir)
            .arg("--topology")
            .arg(&cluster.topology)
            .args(["--region", COUNTY_A, "--organ", "bureau", "--role", "clerk"])
            .args(["--name", "chaos"])
            .output()?;
        if !out.status.success() || !out2.status.success() {
            return Err(ChaosError::Setup("cannot make the foreign PKI".into()));
        }
    }
    let people = dir.join("people").join(COUNTY_A);
    Ok(TlsMaterial::load(
        &cluster.pki.join("ca.pem"),
        &people.join(format!("{CLERK}.pem")),
        &people.join(format!("{CLERK}.key")),
    )?)
}

fn expired_tls(cluster: &Cluster) -> Result<TlsMaterial, ChaosError> {
    let ca = sanxiang::pki::issue::Ca::load(&cluster.pki)?;
    let domain = std::fs::read_to_string(&cluster.topology)?
        .lines()
        .find_map(|l| {
            l.strip_prefix("domain = \"")?
                .strip_suffix('"')
                .map(str::to_string)
        })
        .ok_or_else(|| ChaosError::Setup("no domain in the topology".into()))?;
    let id = Identity::Person {
        domain,
        region: COUNTY_A.into(),
        organ: sanxiang::domain::Organ::Bureau,
        role: Role::Clerk,
        user: "expired".into(),
    };
    let (cert, key) = ca.issue(
        &id,
        "expired",
        sanxiang::pki::issue::Validity::days(-1),
        &[],
    )?;
    let dir = cluster.dir.join("expired");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("c.pem"), cert)?;
    std::fs::write(dir.join("c.key"), key)?;
    Ok(TlsMaterial::load(
        &cluster.pki.join("ca.pem"),
        &dir.join("c.pem"),
        &dir.join("c.key"),
    )?)
}
