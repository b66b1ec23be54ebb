//! Starting and stopping one member of a region's cluster: its store and Raft, its gRPC server
//! (Region, Monitor, Uplink, Downlink, the peer service, health, reflection), its background
//! tasks, and their shutdown.
//!
//! - [`services`]: the gRPC server and the health status it reports.
//! - [`tasks`]: `Tick`, the head signer, the uplink sender, the downlink senders and the
//!   revocation watcher.
//! - [`revocations`]: keeps the TLS revocation list equal to the replicated one.
//! - [`network`]: every region of a topology started in one process (the demo, the tests).
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use openraft::BasicNode;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{RaftTimings, RegionSpec, Topology, TopologyError};
use crate::federation::{Faults, UplinkState};
use crate::members::{self, Admission, GateError};
use crate::pki::{PkiError, TlsMaterial};
use crate::raft::network::PeerNetwork;
use crate::raft::types::{NodeId, Raft, StorageError};
use crate::raft::{Member, NodeCtx};
use crate::shutdown::Trigger;
use crate::store::log_store::FlushStats;
use crate::store::{self, SmShared, StoreError};

pub mod network;
pub mod revocations;
pub mod services;
pub mod tasks;

/// Errors starting or running a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Raft did not start.
    #[error("raft: {0}")]
    Raft(#[from] openraft::error::Fatal<NodeId>),
    /// The Raft log could not be read.
    #[error("raft: {0}")]
    Log(#[from] StorageError),
    #[error("pki: {0}")]
    Pki(#[from] PkiError),
    /// The node's region is not in the topology.
    #[error("configuration: {0}")]
    Topology(#[from] TopologyError),
    /// The Raft timings are not valid.
    #[error("configuration: {0}")]
    Timings(#[from] openraft::ConfigError),
    #[error("configuration: node {node} is not a member of {region}")]
    NotMember { region: String, node: NodeId },
    /// The reflection service does not build from the protocol's descriptors.
    #[error("configuration: reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A fresh node may not join under its id (see [`crate::members::gate`]).
    #[error(transparent)]
    Refused(#[from] GateError),
}

/// Everything a member needs to start.
#[derive(Clone)]
pub struct NodeConfig {
    pub topology: Topology,
    pub region: String,
    pub node_id: NodeId,
    pub data_dir: PathBuf,
    pub tls: TlsMaterial,
    pub timings: RaftTimings,
    pub cache_bytes: u64,
    /// The wall clock this node stamps envelopes and tree heads with while it leads.
    pub clock: Clock,
    /// Test seam: faults on this node's uplink (None in production).
    pub faults: Option<Arc<Faults>>,
    /// A fresh node may initialize the region from the topology's members when no peer holds
    /// a membership (`serve --bootstrap`); without, it waits to be replicated to.
    pub bootstrap: bool,
}

/// A started member; dropping it does not stop it, call [`RunningNode::shutdown`].
pub struct RunningNode {
    pub ctx: Arc<NodeCtx>,
    pub addr: SocketAddr,
    /// Where the web pages are served, when they are.
    pub http_addr: Option<SocketAddr>,
    flush_stats: Arc<FlushStats>,
    shutdown: Trigger,
    tasks: Vec<JoinHandle<()>>,
}

/// A member's Raft over its opened store, not yet serving.
struct Opened {
    raft: Raft,
    sm: Arc<SmShared>,
    /// Nothing was ever stored: the region's membership is still to be initialized.
    fresh: bool,
    flush_stats: Arc<FlushStats>,
}

impl RunningNode {
    /// Starts a member on an already bound listener (tests bind port 0 first).
    pub async fn start(cfg: NodeConfig, listener: TcpListener) -> Result<RunningNode, NodeError> {
        RunningNode::start_with_web(cfg, listener, None).await
    }

    /// [`RunningNode::start`], serving the web pages on `web` too.
    pub async fn start_with_web(
        cfg: NodeConfig,
        listener: TcpListener,
        web: Option<TcpListener>,
    ) -> Result<RunningNode, NodeError> {
        let region = own_region(&cfg)?;
        let addr = listener.local_addr()?;
        let opened = open_raft(&cfg).await?;
        let shutdown = Trigger::new();
        let member = Member {
            region: cfg.region.clone(),
            node_id: cfg.node_id,
            tls: cfg.tls.clone(),
            timings: cfg.timings,
            topology: cfg.topology.clone(),
            clock: cfg.clock.clone(),
            admitted: !opened.fresh,
        };
        let (ctx, batch_task) =
            NodeCtx::new(member, opened.raft.clone(), opened.sm, shutdown.subscribe());
        let link = Arc::new(UplinkState::new(cfg.faults.clone()));
        let served = services::spawn(&ctx, listener, &shutdown).await?;
        if opened.fresh {
            if let Err(e) = admit(&ctx, &region, cfg.bootstrap, &shutdown).await {
                let refused = RunningNode {
                    ctx,
                    addr,
                    http_addr: None,
                    flush_stats: opened.flush_stats,
                    shutdown,
                    tasks: vec![served.server, served.health, batch_task],
                };
                refused.shutdown().await;
                return Err(e.into());
            }
        }
        let background = tasks::spawn(&ctx, &link, &shutdown);

        tracing::info!(region = %cfg.region, node = cfg.node_id, %addr, "node started");
        let mut tasks = vec![
            served.server,
            background.ticker,
            background.signer,
            background.sender,
            served.health,
            batch_task,
        ];
        tasks.extend(background.down_senders);
        tasks.push(background.revocations);
        tasks.push(background.certificates);
        tasks.push(members::recorder::spawn(ctx.clone(), shutdown.subscribe()));
        let _ = ctx.metrics.flush.set(opened.flush_stats.clone());
        let mut http_addr = None;
        if let Some(l) = web {
            http_addr = Some(l.local_addr()?);
            tasks.push(crate::web::spawn(&ctx, l, &shutdown)?);
        }
        Ok(RunningNode {
            ctx,
            addr,
            http_addr,
            flush_stats: opened.flush_stats,
            shutdown,
            tasks,
        })
    }

    /// Group-commit counters of this node's log store.
    pub fn flush_stats(&self) -> Arc<FlushStats> {
        self.flush_stats.clone()
    }

    /// Stops serving, stops Raft and flushes the database.
    pub async fn shutdown(self) {
        self.shutdown.fire();
        if let Err(e) = self.ctx.raft.shutdown().await {
            tracing::warn!(cause = %e, "raft shutdown");
        }
        // Let the server close its connections gracefully (their tasks hold the node), then
        // stop whatever is left.
        for mut t in self.tasks {
            if tokio::time::timeout(Duration::from_secs(5), &mut t)
                .await
                .is_err()
            {
                t.abort();
                let _ = t.await;
            }
        }
        if let Err(e) = self.ctx.sm.disk.flush().await {
            tracing::error!(cause = %e, "final flush failed");
        }
    }
}

/// The member's region in the topology, which must list the member.
fn own_region(cfg: &NodeConfig) -> Result<RegionSpec, NodeError> {
    let region = cfg.topology.region(&cfg.region)?.clone();
    if !region.nodes.iter().any(|n| n.id == cfg.node_id) {
        return Err(NodeError::NotMember {
            region: cfg.region.clone(),
            node: cfg.node_id,
        });
    }
    Ok(region)
}

/// Opens the member's store and starts its Raft over it; the verifiers trust the deployment's
/// roots from here on.
async fn open_raft(cfg: &NodeConfig) -> Result<Opened, NodeError> {
    let (log, sm) = store::open(&cfg.data_dir, &cfg.region, cfg.cache_bytes).await?;
    let fresh = log.is_fresh()?;
    let flush_stats = log.stats();
    let raft_cfg = cfg.timings.to_openraft(&cfg.region)?;
    let network = PeerNetwork {
        tls: cfg.tls.clone(),
        region: cfg.region.clone(),
    };
    let shared = sm.shared.clone();
    shared.set_trust(cfg.tls.roots());
    let raft = Raft::new(cfg.node_id, Arc::new(raft_cfg), network, log, sm).await?;
    Ok(Opened {
        raft,
        sm: shared,
        fresh,
        flush_stats,
    })
}

/// A fresh node asks its peers first ([`members::gate`]); then it serves Raft, and initializes
/// the region when told to bootstrap and no peer holds a membership.
async fn admit(
    ctx: &NodeCtx,
    region: &RegionSpec,
    bootstrap: bool,
    shutdown: &Trigger,
) -> Result<(), GateError> {
    let admission = members::gate::check(ctx, region, bootstrap, shutdown.subscribe()).await?;
    ctx.admit();
    if admission == Admission::Bootstrap {
        initialize(&ctx.raft, region, ctx.node_id).await;
    }
    Ok(())
}

/// A fresh region initializes once from the sorted members of the topology. Every fresh
/// member proposes the same membership at log index 0, so simultaneous starts agree; a
/// member that already has state never initializes again (Raft's membership rules).
async fn initialize(raft: &Raft, region: &RegionSpec, node_id: NodeId) {
    let members: BTreeMap<NodeId, BasicNode> = region
        .nodes
        .iter()
        .map(|n| (n.id, BasicNode::new(n.grpc.clone())))
        .collect();
    match raft.initialize(members).await {
        Ok(()) => {
            tracing::info!(region = %region.id, node = node_id, "initialized region membership")
        }
        Err(e) => tracing::info!(cause = %e, "initialize skipped"),
    }
}
