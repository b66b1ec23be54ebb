//! A network of members in one process: every region of a topology, each its own Raft cluster
//! of real nodes over mutual TLS on free loopback ports, their data and certificates under one
//! directory, all on one [`Clock`]. `sanxiang demo` runs its network this way, and so do the
//! multi-node tests.
//!
//! [`Network::start`] issues the PKI, starts the nodes and waits until every region with a
//! started node has a leader; the network then stops, wipes and restarts nodes, issues people
//! and gives them clients.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use super::{NodeConfig, RunningNode};
use crate::client::Client;
use crate::clock::Clock;
use crate::config::{NodeSpec, RaftTimings, RegionSpec, Topology};
use crate::domain::{Organ, Role, State};
use crate::federation::Faults;
use crate::pki::issue::{self, Validity};
use crate::pki::TlsMaterial;
use crate::raft::types::NodeId;
use crate::raft::NodeCtx;

/// How a network runs.
#[derive(Clone)]
pub struct Options {
    pub timings: RaftTimings,
    /// The wall clock every node of the network stamps with.
    pub clock: Clock,
    /// sled cache per node.
    pub cache_bytes: u64,
    /// Faults on every uplink (None: links as they are).
    pub faults: Option<Arc<Faults>>,
    /// How many nodes of each region start, the first ones by id; a region not named starts
    /// none. `None`: every node of every region.
    pub started: Option<BTreeMap<String, u64>>,
    /// Validity of the certificates issued, in days.
    pub cert_days: i64,
    /// How long a region may take to have a leader.
    pub leader_within: Duration,
    /// Serve the web pages on a loopback port of every node.
    pub web: bool,
}

impl Options {
    /// Every node, on the system clock, 8 MiB cache each, leaders within 30 s.
    pub fn new(timings: RaftTimings) -> Options {
        Options {
            timings,
            clock: Clock::system(),
            cache_bytes: 8 * 1024 * 1024,
            faults: None,
            started: None,
            cert_days: 30,
            leader_within: Duration::from_secs(30),
            web: false,
        }
    }

    /// Whether the node of `region` that is `rank`-th by id starts.
    fn starts(&self, region: &str, rank: u64) -> bool {
        match &self.started {
            None => true,
            Some(m) => m.get(region).is_some_and(|n| rank < *n),
        }
    }
}

/// The running network.
pub struct Network {
    /// The topology as started: the template's regions on this process's loopback ports.
    pub topology: Topology,
    pub dir: PathBuf,
    pub pki: PathBuf,
    pub options: Options,
    nodes: BTreeMap<(String, NodeId), Option<RunningNode>>,
    /// Nodes added after the start ([`Network::add_node`]): they never bootstrap.
    joined: BTreeSet<(String, NodeId)>,
}

/// The file the started topology is written to, in the network's directory.
pub const TOPOLOGY_FILE: &str = "topology.toml";

impl Network {
    /// Starts the regions of `template` under `dir`: every node listed gets a free loopback
    /// port (those not started leave it closed), the PKI is issued for them, the started nodes
    /// run, and every region with a started node has a leader before this returns.
    pub async fn start(
        template: &Topology,
        dir: &Path,
        options: Options,
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<Network> {
        let (topology, listeners) = bind(template, &options).await?;
        std::fs::create_dir_all(dir).context("creating the network directory")?;
        std::fs::write(dir.join(TOPOLOGY_FILE), topology.to_toml()?)
            .context("writing the network topology")?;
        let pki = dir.join("pki");
        progress("证书 certificates …");
        let validity = Validity::days(options.cert_days).since(options.clock.now_ms());
        issue::init(&topology, &pki, validity, true, &mut |_| {})?;
        let mut net = Network {
            topology,
            dir: dir.to_path_buf(),
            pki,
            options,
            nodes: BTreeMap::new(),
            joined: BTreeSet::new(),
        };
        progress(&format!("启动 starting {} nodes …", listeners.len()));
        // Together, as a new region's nodes start: each asks its peers before it bootstraps.
        let mut starting = tokio::task::JoinSet::new();
        for (region, id, l, web) in listeners {
            let cfg = net.node_config(&region, id)?;
            starting.spawn(async move {
                let node = RunningNode::start_with_web(cfg, l, web)
                    .await
                    .with_context(|| format!("starting {region} node {id}"));
                (region, id, node)
            });
        }
        let mut failed = None;
        while let Some(done) = starting.join_next().await {
            match done.context("a node's start panicked")? {
                (region, id, Ok(node)) => {
                    net.nodes.insert((region, id), Some(node));
                }
                (_, _, Err(e)) => failed = Some(e),
            }
        }
        if let Some(e) = failed {
            net.shutdown().await;
            return Err(e);
        }
        for r in net.regions() {
            if net.running(&r).next().is_some() {
                net.leader(&r).await?;
            }
        }
        Ok(net)
    }

    async fn start_node(
        &self,
        region: &str,
        id: NodeId,
        listener: TcpListener,
        web: Option<TcpListener>,
    ) -> anyhow::Result<RunningNode> {
        let cfg = self.node_config(region, id)?;
        RunningNode::start_with_web(cfg, listener, web)
            .await
            .with_context(|| format!("starting {region} node {id}"))
    }

    /// How a node of the network starts: the nodes of the started topology bootstrap their
    /// region (each asks its peers first), nodes added later wait to be added.
    fn node_config(&self, region: &str, id: NodeId) -> anyhow::Result<NodeConfig> {
        Ok(NodeConfig {
            topology: self.topology.clone(),
            region: region.into(),
            node_id: id,
            data_dir: self.data_dir(region, id),
            tls: self.node_tls(region, id)?,
            timings: self.options.timings,
            cache_bytes: self.options.cache_bytes,
            clock: self.options.clock.clone(),
            faults: self.options.faults.clone(),
            bootstrap: !self.joined.contains(&(region.to_string(), id)),
        })
    }

    /// The clock of every node of the network.
    pub fn clock(&self) -> &Clock {
        &self.options.clock
    }

    /// Where the started topology is written.
    pub fn topology_path(&self) -> PathBuf {
        self.dir.join(TOPOLOGY_FILE)
    }

    /// Region ids, parents first.
    pub fn regions(&self) -> Vec<String> {
        let mut r: Vec<String> = self.topology.regions().map(|r| r.id.clone()).collect();
        r.sort_by_key(|id| (id.matches('/').count(), id.clone()));
        r
    }

    /// gRPC address of a node (empty if the topology has no such node).
    pub fn addr(&self, region: &str, id: NodeId) -> String {
        self.topology
            .node(region, id)
            .map(|n| n.grpc.clone())
            .unwrap_or_default()
    }

    /// Where a node keeps its data.
    pub fn data_dir(&self, region: &str, id: NodeId) -> PathBuf {
        self.dir
            .join(format!("{}-node-{id}", region.replace('/', "_")))
    }

    /// A running node.
    pub fn node(&self, region: &str, id: NodeId) -> Option<&RunningNode> {
        self.nodes
            .get(&(region.to_string(), id))
            .and_then(|n| n.as_ref())
    }

    /// The running nodes of a region.
    pub fn running<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a RunningNode> + 'a {
        self.nodes
            .iter()
            .filter(move |((r, _), _)| r == region)
            .filter_map(|(_, n)| n.as_ref())
    }

    /// Stops a node (graceful: server, Raft, flush).
    pub async fn stop(&mut self, region: &str, id: NodeId) {
        if let Some(n) = self
            .nodes
            .get_mut(&(region.to_string(), id))
            .and_then(|n| n.take())
        {
            n.shutdown().await;
        }
    }

    /// Stops a node and deletes its data. Restarted, a node of a region whose other nodes run
    /// is refused (the region recorded its id as started: it is replaced under a new id);
    /// the only node of a region bootstraps it anew (a region that lost its data).
    pub async fn wipe(&mut self, region: &str, id: NodeId) -> anyhow::Result<()> {
        self.stop(region, id).await;
        std::fs::remove_dir_all(self.data_dir(region, id)).context("wiping node data")?;
        Ok(())
    }

    /// Restarts a stopped node on its old address and data.
    pub async fn restart(&mut self, region: &str, id: NodeId) -> anyhow::Result<()> {
        let addr = self.addr(region, id);
        let mut tries = 0;
        // The old server's socket may take a moment to release the address.
        let l = loop {
            match TcpListener::bind(&addr).await {
                Ok(l) => break l,
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).context("rebinding the node address"),
            }
        };
        // The web pages come back on their old address too, when served.
        let http = self
            .topology
            .node(region, id)
            .map(|n| n.http.clone())
            .unwrap_or_default();
        let web = match http.as_str() {
            "" => None,
            a => Some(
                TcpListener::bind(a)
                    .await
                    .context("rebinding the web address")?,
            ),
        };
        let node = self.start_node(region, id, l, web).await?;
        self.nodes.insert((region.to_string(), id), Some(node));
        Ok(())
    }

    /// A new node of `region`, as an operator adds one: a free loopback port in the topology
    /// (written to [`TOPOLOGY_FILE`]; the running nodes keep the topology they started with),
    /// its certificate issued (existing ones kept), started without bootstrapping: it waits
    /// to be added with `cluster add-node` or `replace-node`. Returns its address.
    pub async fn add_node(&mut self, region: &str, id: NodeId) -> anyhow::Result<String> {
        let spec = self.topology.region(region)?.clone();
        anyhow::ensure!(
            spec.nodes.iter().all(|n| n.id != id),
            "{region} has a node {id} already"
        );
        let l = TcpListener::bind("127.0.0.1:0").await?;
        let web = match self.options.web {
            true => Some(TcpListener::bind("127.0.0.1:0").await?),
            false => None,
        };
        let mut nodes = spec.nodes.clone();
        nodes.push(NodeSpec {
            id,
            grpc: l.local_addr()?.to_string(),
            http: match &web {
                Some(w) => w.local_addr()?.to_string(),
                None => String::new(),
            },
        });
        let regions = self
            .topology
            .regions()
            .map(|r| match r.id == region {
                true => RegionSpec {
                    nodes: nodes.clone(),
                    ..r.clone()
                },
                false => r.clone(),
            })
            .collect();
        self.topology = Topology::from_parts(self.topology.domain.clone(), regions)?;
        std::fs::write(self.topology_path(), self.topology.to_toml()?)
            .context("writing the network topology")?;
        let validity = Validity::days(self.options.cert_days).since(self.clock().now_ms());
        issue::init(&self.topology, &self.pki, validity, false, &mut |_| {})?;
        self.joined.insert((region.to_string(), id));
        let node = self.start_node(region, id, l, web).await?;
        self.nodes.insert((region.to_string(), id), Some(node));
        Ok(self.addr(region, id))
    }

    /// Waits until a running node of a region leads; returns its id.
    pub async fn leader(&self, region: &str) -> anyhow::Result<NodeId> {
        let within = self.options.leader_within;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            // A restarted former leader takes itself for the leader until it hears of a later
            // term: the leader of the highest term is the one.
            let leading = self
                .running(region)
                .filter_map(|n| {
                    let m = n.ctx.raft.metrics().borrow().clone();
                    (m.state == openraft::ServerState::Leader)
                        .then_some((m.current_term, n.ctx.node_id))
                })
                .max();
            if let Some((_, id)) = leading {
                return Ok(id);
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "no leader of {region} within {} s",
                within.as_secs()
            );
            let any = self
                .running(region)
                .next()
                .with_context(|| format!("no node of {region} running"))?;
            let _ = any
                .ctx
                .raft
                .wait(Some(Duration::from_millis(200)))
                .metrics(|m| m.current_leader.is_some(), "leader")
                .await;
        }
    }

    /// Waits until `check` holds on the applied state of every running node of `region`,
    /// looking again whenever one of them applies something. Returns the last value seen.
    pub async fn wait_until<T: std::fmt::Debug>(
        &self,
        region: &str,
        what: &str,
        timeout: Duration,
        check: impl Fn(&State) -> Option<T>,
    ) -> anyhow::Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Watch for changes from before the check on, so none is missed and none is
            // taken for a change twice.
            let mut m = self
                .running(region)
                .next()
                .with_context(|| format!("no node of {region} running"))?
                .ctx
                .raft
                .metrics();
            m.borrow_and_update();
            let mut out = None;
            let mut all = true;
            for n in self.running(region) {
                match n.ctx.sm.read(|s| check(&s.domain)) {
                    Some(v) => out = Some(v),
                    None => all = false,
                }
            }
            if all {
                if let Some(v) = out {
                    return Ok(v);
                }
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "{region}: {what} did not happen within {timeout:?}"
            );
            let _ = tokio::time::timeout(Duration::from_millis(100), m.changed()).await;
        }
    }

    /// Reads the applied state of the region's leader.
    pub async fn read<T>(&self, region: &str, f: impl FnOnce(&State) -> T) -> anyhow::Result<T> {
        let l = self.leader(region).await?;
        let node = self
            .node(region, l)
            .with_context(|| format!("{region} node {l} stopped"))?;
        Ok(node.ctx.sm.read(|s| f(&s.domain)))
    }

    /// Issues a person's certificate into the PKI directory (replacing an earlier one);
    /// returns its (certificate, key) paths.
    pub fn issue_person(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        name: &str,
    ) -> anyhow::Result<(PathBuf, PathBuf)> {
        let validity = Validity::days(self.options.cert_days).since(self.clock().now_ms());
        let spec = issue::PersonSpec {
            domain: &self.topology.domain,
            region,
            organ,
            role,
            name,
        };
        let (cert, key, _) = issue::issue_person(&self.pki, spec, validity, true)?;
        Ok((cert, key))
    }

    /// Issues a person certificate and returns its TLS material.
    pub fn person(
        &self,
        region: &str,
        organ: Organ,
        role: Role,
        name: &str,
    ) -> anyhow::Result<TlsMaterial> {
        let (cert, key) = self.issue_person(region, organ, role, name)?;
        Ok(TlsMaterial::load(
            &issue::ca_cert_path(&self.pki),
            &cert,
            &key,
        )?)
    }

    /// A client of a region's running nodes for a person.
    pub fn client(&self, region: &str, who: &TlsMaterial) -> anyhow::Result<Client> {
        let endpoints: Vec<String> = self.running(region).map(|n| n.addr.to_string()).collect();
        Ok(Client::new(
            &endpoints,
            who,
            Some(region),
            Duration::from_secs(30),
        )?)
    }

    /// TLS material of a node (to act as that node).
    pub fn node_tls(&self, region: &str, id: NodeId) -> anyhow::Result<TlsMaterial> {
        Ok(TlsMaterial::load_node(&self.pki, region, id)?)
    }

    /// Stops every node.
    pub async fn shutdown(mut self) {
        let keys: Vec<_> = self.nodes.keys().cloned().collect();
        for (r, id) in keys {
            self.stop(&r, id).await;
        }
    }
}

/// Waits until `f` answers on one node, looking again whenever that node's Raft moves and at
/// least every 100 ms.
pub async fn wait_on<T>(
    ctx: &NodeCtx,
    what: &str,
    limit: Duration,
    f: impl Fn(&NodeCtx) -> Option<T>,
) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut m = ctx.raft.metrics();
    loop {
        if let Some(v) = f(ctx) {
            return Ok(v);
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!(
                "{}: {what} did not happen within {} s",
                ctx.region,
                limit.as_secs()
            );
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), m.changed()).await;
    }
}

/// The template's regions with every node on a free loopback port, and the listeners of the
/// nodes that start.
/// A node's bound listeners: gRPC, and the web pages' when served.
type Bound = (String, NodeId, TcpListener, Option<TcpListener>);

async fn bind(template: &Topology, options: &Options) -> anyhow::Result<(Topology, Vec<Bound>)> {
    let mut listeners = Vec::new();
    let mut specs = Vec::new();
    for r in template.regions() {
        let mut nodes = Vec::new();
        let mut ids: Vec<NodeId> = r.nodes.iter().map(|n| n.id).collect();
        ids.sort_unstable();
        for (rank, id) in ids.into_iter().enumerate() {
            let l = TcpListener::bind("127.0.0.1:0").await?;
            let web = match options.web {
                true => Some(TcpListener::bind("127.0.0.1:0").await?),
                false => None,
            };
            let http = match &web {
                Some(w) => w.local_addr()?.to_string(),
                None => String::new(),
            };
            nodes.push(NodeSpec {
                id,
                grpc: l.local_addr()?.to_string(),
                http,
            });
            if options.starts(&r.id, rank as u64) {
                listeners.push((r.id.clone(), id, l, web));
            }
        }
        specs.push(RegionSpec { nodes, ..r.clone() });
    }
    let topology = Topology::from_parts(template.domain.clone(), specs)?;
    Ok((topology, listeners))
}
