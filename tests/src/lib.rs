//! Test harness: a region's cluster of real nodes (mutual TLS on port 0, temp dirs) inside the
//! test process, over the node crate's in-process network, and clients with person
//! certificates.
pub mod network;

use std::collections::BTreeMap;
use std::sync::Once;
use std::time::Duration;

use sanxiang::app::network::{Network, Options};
use sanxiang::app::RunningNode;
use sanxiang::client::Client;
use sanxiang::config::{NodeSpec, RaftTimings, RegionKind, RegionSpec, Topology};
use sanxiang::domain::{Organ, Role};
use sanxiang::pki::{Expect, TlsMaterial};
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

/// A topology region with `n` nodes on port 0 (each gets a free port when the network starts).
pub fn region_spec(id: &str, name: &str, kind: RegionKind, n: u64) -> RegionSpec {
    RegionSpec {
        id: id.into(),
        name: name.into(),
        kind,
        parent: id.rsplit_once('/').map(|(p, _)| p.to_string()),
        nodes: (1..=n)
            .map(|id| NodeSpec {
                id,
                grpc: "127.0.0.1:0".into(),
                http: String::new(),
            })
            .collect(),
    }
}

/// The nodes of [`REGION`] in their network (with [`OTHER`] above, never started).
pub struct Cluster {
    pub net: Network,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts `n` nodes of [`REGION`] and waits for a leader.
    pub async fn start(n: u64, timings: RaftTimings) -> anyhow::Result<Cluster> {
        Cluster::start_with(n, Options::new(timings)).await
    }

    /// Starts [`REGION`] with `n` nodes as `options` say (all of them, unless
    /// `options.started` names fewer).
    pub async fn start_with(n: u64, options: Options) -> anyhow::Result<Cluster> {
        init();
        let dir = tempfile::tempdir()?;
        let template = Topology::from_parts(
            "test.sanxiang".into(),
            vec![
                region_spec(OTHER, "省", RegionKind::Province, 1),
                region_spec(REGION, "县", RegionKind::County, n),
            ],
        )?;
        let options = Options {
            started: Some(
                options
                    .started
                    .clone()
                    .unwrap_or_else(|| BTreeMap::from([(REGION.to_string(), n)])),
            ),
            ..options
        };
        let net = Network::start(&template, dir.path(), options, &mut |_| {}).await?;
        Ok(Cluster { net, _dir: dir })
    }

    /// gRPC address of a node.
    pub fn addr(&self, id: u64) -> String {
        self.net.addr(REGION, id)
    }

    /// Where a node keeps its data.
    pub fn data_dir(&self, id: u64) -> std::path::PathBuf {
        self.net.data_dir(REGION, id)
    }

    /// Addresses of every node of the region, running or not.
    pub fn endpoints(&self) -> Vec<String> {
        self.net
            .topology
            .region(REGION)
            .map(|r| r.nodes.iter().map(|n| n.grpc.clone()).collect())
            .unwrap_or_default()
    }

    pub fn node(&self, id: u64) -> &RunningNode {
        self.net.node(REGION, id).expect("node is running")
    }

    /// The running nodes.
    pub fn running(&self) -> impl Iterator<Item = &RunningNode> {
        self.net.running(REGION)
    }

    /// Stops a node (graceful: server, Raft, flush).
    pub async fn stop(&mut self, id: u64) {
        self.net.stop(REGION, id).await
    }

    /// Restarts a stopped node on its old address and data.
    pub async fn restart(&mut self, id: u64) -> anyhow::Result<()> {
        self.net.restart(REGION, id).await
    }

    /// Stops a node and deletes its data.
    pub async fn wipe(&mut self, id: u64) -> anyhow::Result<()> {
        self.net.wipe(REGION, id).await
    }

    /// A new node of the region, in the topology and started, waiting to be added.
    pub async fn add_node(&mut self, id: u64) -> anyhow::Result<String> {
        self.net.add_node(REGION, id).await
    }

    /// The operator of the region's membership, acting with node `id`'s certificate and the
    /// topology as it is now.
    pub fn operator(&self, id: u64) -> anyhow::Result<sanxiang::members::Operator> {
        Ok(sanxiang::members::Operator::new(
            self.net.topology.clone(),
            REGION,
            self.node_tls(REGION, id)?,
        )?)
    }

    /// Waits until a running node leads; returns its id.
    pub async fn leader(&self) -> anyhow::Result<u64> {
        self.net.leader(REGION).await
    }

    /// Waits until every running node holds the same ledger, checking again whenever a node
    /// applies something. (This region's parent never runs here, so no head is signed for
    /// waiting items.)
    pub async fn settle(&self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut m = match self.running().next() {
                Some(n) => n.ctx.raft.metrics(),
                None => anyhow::bail!("no node running"),
            };
            m.borrow_and_update();
            let views: Vec<_> = self
                .running()
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
        for n in self.running() {
            n.ctx
                .raft
                .wait(Some(Duration::from_secs(30)))
                .applied_index_at_least(Some(index), "applied")
                .await?;
        }
        Ok(())
    }

    /// Issues a person certificate and returns its TLS material.
    pub fn person(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        name: &str,
    ) -> anyhow::Result<TlsMaterial> {
        self.net.person(region, organ, role, name)
    }

    /// A person of this region and trust domain whose certificate comes from another CA
    /// (trusting this deployment's CA, so it reaches the server): an intruder. The directory
    /// of the other CA goes with it.
    pub fn foreign_person(
        &self,
        organ: Organ,
        role: Role,
        name: &str,
    ) -> anyhow::Result<(TlsMaterial, tempfile::TempDir)> {
        use sanxiang::pki::issue;
        let foreign = tempfile::tempdir()?;
        issue::init(
            &self.net.topology,
            foreign.path(),
            issue::Validity::days(30),
            false,
            &mut |_| {},
        )?;
        let spec = issue::PersonSpec {
            domain: &self.net.topology.domain,
            region: REGION,
            organ,
            role,
            name,
        };
        let (cert, key, _) =
            issue::issue_person(foreign.path(), spec, issue::Validity::days(30), false)?;
        let who = TlsMaterial::load(&issue::ca_cert_path(&self.net.pki), &cert, &key)?;
        Ok((who, foreign))
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
        self.net.node_tls(region, id)
    }

    pub async fn shutdown(self) {
        self.net.shutdown().await;
    }
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
