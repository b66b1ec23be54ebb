//! Test harness: boots a region's cluster of real nodes (mutual TLS on port 0, temp dirs)
//! inside the test process, and gives clients with person certificates.
pub mod network;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use anyhow::Context;
use sanxiang::app::{NodeConfig, RunningNode};
use sanxiang::client::Client;
use sanxiang::config::{NodeSpec, RaftTimings, RegionKind, RegionSpec, Topology};
use sanxiang::domain::Role;
use sanxiang::pki::{issue, Expect, TlsMaterial};
use sanxiang_proto::region as pb;

/// The county under test.
pub const REGION: &str = "t/k";
/// Another region of the same deployment (its nodes are never started).
pub const OTHER: &str = "t";

static INIT: Once = Once::new();

/// Installs the crypto provider and test logging once.
pub fn init() {
    INIT.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Timings for tests: faster than production, still tolerant of two busy cores.
pub fn timings() -> RaftTimings {
    RaftTimings {
        heartbeat: Duration::from_millis(100),
        election_min: Duration::from_millis(800),
        election_max: Duration::from_millis(1600),
        install_snapshot_timeout: Duration::from_secs(10),
        snapshot_every: 1_000_000,
        tick: Duration::from_secs(3600),
        keep_logs: 1000,
        head_every: Duration::from_secs(3600),
        ..RaftTimings::default()
    }
}

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub topology: Topology,
    pub pki: PathBuf,
    pub nodes: BTreeMap<u64, Option<RunningNode>>,
    pub timings: RaftTimings,
}

impl Cluster {
    /// Starts `n` nodes of [`REGION`].
    pub async fn start(n: u64, timings: RaftTimings) -> anyhow::Result<Cluster> {
        init();
        let dir = tempfile::tempdir()?;
        let mut listeners = BTreeMap::new();
        let mut specs = Vec::new();
        for id in 1..=n {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            specs.push(NodeSpec {
                id,
                grpc: l.local_addr()?.to_string(),
                http: String::new(),
            });
            listeners.insert(id, l);
        }
        let topology = Topology::from_parts(
            "test.sanxiang".into(),
            vec![
                RegionSpec {
                    id: OTHER.into(),
                    name: "省".into(),
                    kind: RegionKind::Province,
                    parent: None,
                    nodes: vec![NodeSpec {
                        id: 1,
                        grpc: "127.0.0.1:1".into(),
                        http: String::new(),
                    }],
                },
                RegionSpec {
                    id: REGION.into(),
                    name: "县".into(),
                    kind: RegionKind::County,
                    parent: Some(OTHER.into()),
                    nodes: specs,
                },
            ],
        )?;
        let pki = dir.path().join("pki");
        issue::init(&topology, &pki, 30, false, &mut |_| {})?;
        let mut c = Cluster {
            dir,
            topology,
            pki,
            nodes: BTreeMap::new(),
            timings,
        };
        for (id, l) in listeners {
            let node = c.start_node_on(id, l).await?;
            c.nodes.insert(id, Some(node));
        }
        Ok(c)
    }

    async fn start_node_on(
        &self,
        id: u64,
        l: tokio::net::TcpListener,
    ) -> anyhow::Result<RunningNode> {
        let cfg = NodeConfig {
            topology: self.topology.clone(),
            region: REGION.into(),
            node_id: id,
            data_dir: self.dir.path().join(format!("node-{id}")),
            tls: TlsMaterial::load_node(&self.pki, REGION, id)?,
            timings: self.timings,
            cache_bytes: 8 * 1024 * 1024,
            faults: None,
        };
        Ok(RunningNode::start(cfg, l).await?)
    }

    /// gRPC address of a node.
    pub fn addr(&self, id: u64) -> String {
        self.topology
            .node(REGION, id)
            .map(|n| n.grpc.clone())
            .unwrap_or_default()
    }

    pub fn endpoints(&self) -> Vec<String> {
        self.nodes.keys().map(|id| self.addr(*id)).collect()
    }

    pub fn node(&self, id: u64) -> &RunningNode {
        self.nodes[&id].as_ref().expect("node is running")
    }

    /// Stops a node (graceful: server, Raft, flush).
    pub async fn stop(&mut self, id: u64) {
        if let Some(n) = self.nodes.get_mut(&id).and_then(|n| n.take()) {
            n.shutdown().await;
        }
    }

    /// Restarts a stopped node on its old address and data.
    pub async fn restart(&mut self, id: u64) -> anyhow::Result<()> {
        let addr = self.addr(id);
        let mut tries = 0;
        let l = loop {
            match tokio::net::TcpListener::bind(&addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).context("rebinding the node address"),
            }
        };
        let node = self.start_node_on(id, l).await?;
        self.nodes.insert(id, Some(node));
        Ok(())
    }

    /// Waits until a running node sees a leader among the running nodes; returns its id.
    pub async fn leader(&self) -> anyhow::Result<u64> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            for n in self.nodes.values().flatten() {
                let m = n.ctx.raft.metrics().borrow().clone();
                if let Some(l) = m.current_leader {
                    if self.nodes.get(&l).is_some_and(|x| x.is_some())
                        && self.node(l).ctx.raft.metrics().borrow().state
                            == openraft::ServerState::Leader
                    {
                        return Ok(l);
                    }
                }
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "no leader within 30 s"
            );
            let any = self
                .nodes
                .values()
                .flatten()
                .next()
                .context("no node running")?;
            let _ = any
                .ctx
                .raft
                .wait(Some(Duration::from_millis(200)))
                .metrics(|m| m.current_leader.is_some(), "leader")
                .await;
        }
    }

    /// Waits until every running node holds the same ledger, checking again whenever a node
    /// applies something. (This region's parent never runs here, so no head is signed for
    /// waiting items.)
    pub async fn settle(&self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut m = match self.nodes.values().flatten().next() {
                Some(n) => n.ctx.raft.metrics(),
                None => anyhow::bail!("no node running"),
            };
            m.borrow_and_update();
            let views: Vec<_> = self
                .nodes
                .values()
                .flatten()
                .map(|n| {
                    n.ctx.sm.read(|s| {
                        (
                            s.frontier.size(),
                            s.frontier.root(),
                            sanxiang::domain::federation::outbox::UP_PENDING
                                .keys(&s.domain)
                                .count(),
                        )
                    })
                })
                .collect();
            if views.iter().all(|v| *v == views[0]) {
                return Ok(());
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "nodes did not settle: {views:?}"
            );
            let _ = tokio::time::timeout(Duration::from_millis(200), m.changed()).await;
        }
    }

    /// Waits until every running node has applied at least `index`.
    pub async fn wait_applied(&self, index: u64) -> anyhow::Result<()> {
        for n in self.nodes.values().flatten() {
            n.ctx
                .raft
                .wait(Some(Duration::from_secs(30)))
                .applied_index_at_least(Some(index), "applied")
                .await?;
        }
        Ok(())
    }

    /// Issues a person certificate and returns its TLS material.
    pub fn person(&self, region: &str, role: Role, name: &str) -> anyhow::Result<TlsMaterial> {
        person_tls(&self.pki, &self.topology.domain, region, role, name)
    }

    /// A client of the region for a person.
    pub fn client(&self, who: &TlsMaterial) -> anyhow::Result<Client> {
        Ok(Client::new(
            &self.endpoints(),
            who,
            Some(REGION),
            Duration::from_secs(30),
        )?)
    }

    /// TLS material of a node (to act as that node).
    pub fn node_tls(&self, region: &str, id: u64) -> anyhow::Result<TlsMaterial> {
        Ok(TlsMaterial::load_node(&self.pki, region, id)?)
    }

    pub async fn shutdown(mut self) {
        let ids: Vec<u64> = self.nodes.keys().copied().collect();
        for id in ids {
            self.stop(id).await;
        }
    }
}

/// Issues a person certificate (30 days) from the PKI directory and loads it.
pub fn person_tls(
    pki: &std::path::Path,
    domain: &str,
    region: &str,
    role: Role,
    name: &str,
) -> anyhow::Result<TlsMaterial> {
    let (cert, key, _) = issue::issue_person(pki, domain, region, role, name, 30, true)?;
    Ok(TlsMaterial::load(&issue::ca_cert_path(pki), &cert, &key)?)
}

/// A valid agency input.
pub fn agency(name: &str) -> pb::AgencyInput {
    pb::AgencyInput {
        name: name.into(),
        powers: vec!["penalty".into(), "inspection".into()],
        legal_basis: "《中华人民共和国行政处罚法》".into(),
        domain: "市场监管".into(),
        contact: "0731-1234".into(),
    }
}

/// Registers an agency with explicit dedup ids.
pub async fn register(
    c: &mut Client,
    name: &str,
    client_id: &str,
    request_id: u64,
) -> anyhow::Result<pb::WriteReply> {
    let req = pb::RegisterAgencyRequest {
        write_id: Some(pb::WriteId {
            client_id: client_id.into(),
            request_id,
        }),
        agency: Some(agency(name)),
    };
    Ok(c.call(|mut cl| {
        let req = req.clone();
        async move { cl.register_agency(req).await }
    })
    .await?)
}

/// Lists all agencies (linearizable).
pub async fn list(c: &mut Client) -> anyhow::Result<Vec<pb::Agency>> {
    let req = pb::ListAgenciesRequest {
        consistency: 0,
        after_id: 0,
        limit: 0,
    };
    Ok(c.call(|mut cl| async move { cl.list_agencies(req).await })
        .await?
        .agencies)
}

/// A channel to one node presenting `who`, accepting any node of the deployment.
pub fn raw_channel(addr: &str, who: &TlsMaterial) -> anyhow::Result<tonic::transport::Channel> {
    let cfg = who.client_config(Expect::AnyNode)?;
    Ok(sanxiang::transport::channel(
        addr,
        cfg,
        Duration::from_secs(3),
    )?)
}
