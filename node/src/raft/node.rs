//! One running member of a region's cluster.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::{BasicNode, ServerState};
use sanxiang_proto::federation::downlink_server::DownlinkServer;
use sanxiang_proto::federation::uplink_server::UplinkServer;
use sanxiang_proto::raft::raft_peer_client::RaftPeerClient;
use sanxiang_proto::raft::raft_peer_server::RaftPeerServer;
use sanxiang_proto::raft::{ForwardRequest, ReadIndexRequest};
use sanxiang_proto::region::region_server::RegionServer;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use super::network::{PeerNetwork, MAX_RAFT_MESSAGE};
use super::peer_service::PeerService;
use super::transport;
use super::types::{NodeId, Raft, Request};
use crate::api::RegionService;
use crate::config::{RaftTimings, Topology};
use crate::domain::{Actor, Command, Envelope, Response, RULES_VERSION};
use crate::federation::service::UplinkService;
use crate::pki::{Expect, PkiError, TlsMaterial};
use crate::shutdown::{Shutdown, Trigger};
use crate::store::{self, SmShared, StoreError};

/// Errors starting or running a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("raft: {0}")]
    Raft(String),
    #[error("pki: {0}")]
    Pki(#[from] PkiError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Errors of the write and read paths, as seen by API handlers.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// No leader could be reached in time; the caller may retry (same request id).
    #[error("no leader available: {0}")]
    Unavailable(String),
    /// The node is shutting down or its storage failed.
    #[error("node failure: {0}")]
    Fatal(String),
}

impl PathError {
    /// Whether the caller may retry the same request.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PathError::Unavailable(_))
    }
}

impl From<PathError> for tonic::Status {
    fn from(e: PathError) -> tonic::Status {
        match e {
            PathError::Unavailable(m) => tonic::Status::unavailable(m),
            PathError::Fatal(m) => tonic::Status::internal(m),
        }
    }
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
    /// Test seam: faults on this node's uplink (None in production).
    pub faults: Option<Arc<crate::federation::Faults>>,
}

/// Shared by the services of one node.
pub struct NodeCtx {
    pub region: String,
    pub node_id: NodeId,
    pub raft: Raft,
    pub sm: Arc<SmShared>,
    pub tls: TlsMaterial,
    pub timings: RaftTimings,
    pub topology: Topology,
    pub faults: Option<Arc<crate::federation::Faults>>,
    /// True while the uplink to the parent works (set by the sender): only then do items
    /// waiting for the parent get a signed head at once.
    pub uplink_up: std::sync::atomic::AtomicBool,
    /// Wakes the head signer (the uplink came back while items wait).
    pub head_wanted: tokio::sync::Notify,
    peers: Mutex<BTreeMap<(NodeId, String), RaftPeerClient<Channel>>>,
    batcher: tokio::sync::mpsc::UnboundedSender<Pending>,
}

/// A write waiting for the batcher.
struct Pending {
    env: Envelope,
    reply: tokio::sync::oneshot::Sender<Result<Option<Response>, PathError>>,
}

/// Most envelopes proposed in one Raft entry.
pub const MAX_BATCH: usize = 512;
/// Most bytes of envelopes in one Raft entry (one larger envelope travels alone). With
/// `MAX_PAYLOAD_ENTRIES` this keeps every AppendEntries far below the Raft message limit.
pub const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// Proposes waiting writes as one Raft entry each time the previous entry is answered, so
/// concurrent writers share one append, one fsync per replica and one replication round.
/// Every envelope of the batch gets the leader's time of that batch.
async fn batcher(
    raft: Raft,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Pending>,
    mut stop: Shutdown,
) {
    // A write that did not fit the previous entry starts the next one.
    let mut carry: Option<Pending> = None;
    loop {
        let first = match carry.take() {
            Some(p) => p,
            None => tokio::select! {
                p = rx.recv() => match p {
                    Some(p) => p,
                    None => break,
                },
                _ = stop.recv() => break,
            },
        };
        let size = |p: &Pending| bincode::serialized_size(&p.env).unwrap_or(0) as usize;
        let mut total = size(&first);
        let mut pending = vec![first];
        while pending.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => {
                    let s = size(&p);
                    if total + s > MAX_ENTRY_BYTES {
                        carry = Some(p);
                        break;
                    }
                    total += s;
                    pending.push(p);
                }
                Err(_) => break,
            }
        }
        let now = NodeCtx::now_ms();
        let mut bytes = Vec::with_capacity(pending.len());
        let mut replies = Vec::with_capacity(pending.len());
        for p in pending {
            let mut env = p.env;
            env.time_ms = now;
            env.rules_version = RULES_VERSION;
            match env.encode() {
                Ok(b) => {
                    bytes.push(b);
                    replies.push(p.reply);
                }
                Err(e) => {
                    let _ = p.reply.send(Err(PathError::Fatal(e.to_string())));
                }
            }
        }
        if bytes.is_empty() {
            continue;
        }
        // A leader cut off from its peers takes itself for the leader until it hears a higher
        // term, and openraft may not answer an entry it appended then and lost later (e.g. when
        // a snapshot replaces its log). Without a bound this loop, and every write of this node
        // (acknowledgements, tree heads, Ticks, items from the parent), would wait for ever.
        // The writers are told "unavailable" and retry with the same dedup ids.
        let result =
            match tokio::time::timeout(COMMIT_WAIT, raft.client_write(Request(bytes))).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!(
                        secs = COMMIT_WAIT.as_secs(),
                        "a proposal was not answered in time; its writers retry"
                    );
                    for reply in replies {
                        let _ = reply.send(Err(PathError::Unavailable(format!(
                            "not committed within {} s",
                            COMMIT_WAIT.as_secs()
                        ))));
                    }
                    continue;
                }
            };
        match result {
            Ok(r) => {
                let mut answers = r.data.0.into_iter();
                for reply in replies {
                    let a = answers.next().map(Some).ok_or_else(|| {
                        PathError::Fatal(
                            "the state machine gave fewer answers than envelopes".into(),
                        )
                    });
                    let _ = reply.send(a);
                }
            }
            Err(e) => {
                let err = match e {
                    RaftError::APIError(ClientWriteError::ForwardToLeader(_)) => None,
                    RaftError::APIError(e) => Some(PathError::Unavailable(e.to_string())),
                    RaftError::Fatal(e) => Some(PathError::Fatal(e.to_string())),
                };
                for reply in replies {
                    let _ = reply.send(match &err {
                        None => Ok(None),
                        Some(PathError::Unavailable(m)) => Err(PathError::Unavailable(m.clone())),
                        Some(PathError::Fatal(m)) => Err(PathError::Fatal(m.clone())),
                    });
                }
            }
        }
    }
}

/// How many times a write or read is re-routed after a leader change before giving up.
const ROUTE_ATTEMPTS: usize = 8;

/// The longest the batcher waits for a proposal to be answered.
const COMMIT_WAIT: Duration = Duration::from_secs(10);

impl NodeCtx {
    fn now_ms() -> i64 {
        crate::clock::now_ms()
    }

    /// The current leader and its address, if known.
    pub fn leader(&self) -> Option<(NodeId, String)> {
        let m = self.raft.metrics().borrow().clone();
        let id = m.current_leader?;
        let addr = m
            .membership_config
            .membership()
            .get_node(&id)
            .map(|n| n.addr.clone())?;
        Some((id, addr))
    }

    async fn wait_for_leader(&self) -> Result<(), PathError> {
        self.raft
            .wait(Some(self.timings.election_max * 2))
            .metrics(|m| m.current_leader.is_some(), "leader known")
            .await
            .map(|_| ())
            .map_err(|e| PathError::Unavailable(e.to_string()))
    }

    fn peer(&self, id: NodeId, addr: &str) -> Result<RaftPeerClient<Channel>, PathError> {
        let mut peers = self.peers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = peers.get(&(id, addr.to_string())) {
            return Ok(c.clone());
        }
        let cfg = self
            .tls
            .client_config(Expect::Node(self.region.clone(), id))
            .map_err(|e| PathError::Fatal(e.to_string()))?;
        let ch = transport::channel(addr, cfg, Duration::from_secs(3))
            .map_err(|e| PathError::Unavailable(e.to_string()))?;
        let c = RaftPeerClient::new(ch)
            .max_decoding_message_size(MAX_RAFT_MESSAGE)
            .max_encoding_message_size(MAX_RAFT_MESSAGE);
        peers.insert((id, addr.to_string()), c.clone());
        Ok(c)
    }

    /// Proposes on this node, which must be the leader, through the batcher; the leader's
    /// time is stamped there. `Ok(None)` means this node is not the leader (any more).
    pub async fn write_local(&self, env: Envelope) -> Result<Option<Response>, PathError> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.batcher
            .send(Pending { env, reply })
            .map_err(|_| PathError::Fatal("the node is stopping".into()))?;
        rx.await
            .map_err(|_| PathError::Fatal("the node is stopping".into()))?
    }

    /// The write path: propose here if leader, else forward the envelope (actor already stamped)
    /// to the leader. Retries follow leader changes; the envelope's dedup ids make retries safe.
    #[tracing::instrument(skip(self, env), fields(region = %self.region, node = self.node_id, command = env.command.name()))]
    pub async fn write(&self, env: Envelope) -> Result<Response, PathError> {
        let mut last_err = String::from("no leader");
        for attempt in 0..ROUTE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(self.timings.heartbeat * (attempt as u32)).await;
            }
            let Some((leader, addr)) = self.leader() else {
                self.wait_for_leader().await?;
                continue;
            };
            if leader == self.node_id {
                match self.write_local(env.clone()).await {
                    Ok(Some(r)) => return Ok(r),
                    Ok(None) => continue,
                    Err(PathError::Unavailable(e)) => {
                        last_err = e;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let mut client = self.peer(leader, &addr)?;
            let bytes = env.encode().map_err(|e| PathError::Fatal(e.to_string()))?;
            let mut req = tonic::Request::new(ForwardRequest { envelope: bytes });
            req.set_timeout(Duration::from_secs(10));
            match client.forward(req).await {
                Ok(reply) => {
                    let r: Response =
                        bincode::deserialize(&reply.into_inner().response).map_err(|e| {
                            PathError::Fatal(format!("leader reply does not decode: {e}"))
                        })?;
                    return Ok(r);
                }
                Err(status) => {
                    tracing::debug!(leader, cause = %status, "forward failed; retrying");
                    last_err = status.message().to_string();
                }
            }
        }
        Err(PathError::Unavailable(last_err))
    }

    /// As leader, signs the current tree head if the ledger grew since the last recorded head,
    /// and proposes it (REC-3). Signing happens here, never inside `apply`.
    pub async fn sign_head(&self) -> Result<(), PathError> {
        if self.raft.metrics().borrow().state != ServerState::Leader {
            return Ok(());
        }
        let (size, root) = self.sm.ledger_head();
        let last = self.sm.read(|s| {
            crate::domain::state::META
                .read(&s.domain, crate::domain::tree_head::LAST_HEAD_SIZE)
                .ok()
                .flatten()
                .unwrap_or(0)
        });
        // The recorded head's own command is one more leaf; it alone does not call for a new head.
        let covered = if last == 0 { 0 } else { last + 1 };
        if size as i64 <= covered {
            return Ok(());
        }
        let head = crate::domain::tree_head::TreeHead {
            region: self.region.clone(),
            size,
            root,
            time_ms: Self::now_ms(),
        };
        let key = self
            .tls
            .key_pkcs8()
            .ok_or_else(|| PathError::Fatal("node key is not PKCS#8".into()))?;
        let signature =
            crate::ledger::head::sign(&head, key).map_err(|e| PathError::Fatal(e.to_string()))?;
        let env = self.node_envelope(Command::RecordTreeHead(
            crate::domain::tree_head::SignedHead {
                head,
                signer: self.node_id,
                cert_der: self.tls.cert_der().to_vec(),
                signature,
            },
        ));
        self.write_local(env).await.map(|_| ())
    }

    /// An envelope for a command this node proposes itself (the leader stamps the time).
    pub fn node_envelope(&self, command: Command) -> Envelope {
        Envelope {
            actor: Actor::Node {
                region: self.region.clone(),
                node: self.node_id,
            },
            client_id: String::new(),
            request_id: 0,
            time_ms: 0,
            rules_version: RULES_VERSION,
            command,
        }
    }

    /// True on the leader when own items wait for a signed head and the parent can be reached
    /// (while it cannot, heads come every `head_every`, and the first push after the link
    /// returns brings a fresh one).
    pub fn items_wait_for_head(&self) -> bool {
        self.uplink_up.load(std::sync::atomic::Ordering::Relaxed)
            && self.raft.metrics().borrow().state == ServerState::Leader
            && self.sm.read(|s| {
                crate::domain::federation::UP_PENDING
                    .keys(&s.domain)
                    .next()
                    .is_some()
            })
    }

    /// Linearizable read barrier on the leader: returns the index reads must wait for.
    pub async fn read_index_local(&self) -> Result<Option<u64>, PathError> {
        match self.raft.ensure_linearizable().await {
            Ok(id) => Ok(id.map(|l| l.index)),
            Err(RaftError::APIError(e)) => Err(PathError::Unavailable(e.to_string())),
            Err(RaftError::Fatal(e)) => Err(PathError::Fatal(e.to_string())),
        }
    }

    /// Makes the next local read linearizable: the leader confirms its leadership with a quorum
    /// and this node waits until it has applied up to the leader's read index. An isolated
    /// former leader cannot reach a quorum and refuses.
    pub async fn linearizable(&self) -> Result<(), PathError> {
        let mut last_err = String::from("no leader");
        for attempt in 0..ROUTE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(self.timings.heartbeat * (attempt as u32)).await;
            }
            let Some((leader, addr)) = self.leader() else {
                self.wait_for_leader().await?;
                continue;
            };
            let index = if leader == self.node_id {
                match self.read_index_local().await {
                    Ok(i) => i,
                    Err(PathError::Unavailable(e)) => {
                        last_err = e;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            } else {
                let mut client = self.peer(leader, &addr)?;
                let mut req = tonic::Request::new(ReadIndexRequest {});
                req.set_timeout(Duration::from_secs(5));
                match client.read_index(req).await {
                    Ok(r) => r.into_inner().index,
                    Err(s) => {
                        last_err = s.message().to_string();
                        continue;
                    }
                }
            };
            if let Some(i) = index {
                self.raft
                    .wait(Some(Duration::from_secs(10)))
                    .applied_index_at_least(Some(i), "read index applied")
                    .await
                    .map_err(|e| PathError::Unavailable(e.to_string()))?;
            }
            return Ok(());
        }
        Err(PathError::Unavailable(last_err))
    }
}

/// A started member; dropping it does not stop it, call [`RunningNode::shutdown`].
pub struct RunningNode {
    pub ctx: Arc<NodeCtx>,
    pub addr: SocketAddr,
    flush_stats: Arc<crate::store::log_store::FlushStats>,
    shutdown: Trigger,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningNode {
    /// Starts a member on an already bound listener (tests bind port 0 first).
    pub async fn start(cfg: NodeConfig, listener: TcpListener) -> Result<RunningNode, NodeError> {
        let region = cfg
            .topology
            .region(&cfg.region)
            .map_err(|e| NodeError::Config(e.to_string()))?
            .clone();
        if !region.nodes.iter().any(|n| n.id == cfg.node_id) {
            return Err(NodeError::Config(format!(
                "node {} is not a member of {}",
                cfg.node_id, cfg.region
            )));
        }
        let addr = listener.local_addr()?;
        let (log, sm) = store::open(&cfg.data_dir, &cfg.region, cfg.cache_bytes).await?;
        let fresh = log.is_fresh().map_err(|e| NodeError::Raft(e.to_string()))?;
        let flush_stats = log.stats();
        let raft_cfg = cfg
            .timings
            .to_openraft(&cfg.region)
            .map_err(|e| NodeError::Config(e.to_string()))?;
        let network = PeerNetwork {
            tls: cfg.tls.clone(),
            region: cfg.region.clone(),
        };
        let shared = sm.shared.clone();
        shared.set_trust(cfg.tls.roots());
        let raft = Raft::new(cfg.node_id, Arc::new(raft_cfg), network, log, sm)
            .await
            .map_err(|e| NodeError::Raft(e.to_string()))?;
        let shutdown = Trigger::new();
        let mut rx = shutdown.subscribe();
        let (batch_tx, batch_rx) = tokio::sync::mpsc::unbounded_channel();
        let batch_task = tokio::spawn(batcher(raft.clone(), batch_rx, shutdown.subscribe()));
        let ctx = Arc::new(NodeCtx {
            region: cfg.region.clone(),
            node_id: cfg.node_id,
            raft: raft.clone(),
            sm: shared,
            tls: cfg.tls.clone(),
            timings: cfg.timings,
            topology: cfg.topology.clone(),
            faults: cfg.faults.clone(),
            uplink_up: std::sync::atomic::AtomicBool::new(false),
            head_wanted: tokio::sync::Notify::new(),
            peers: Mutex::new(BTreeMap::new()),
            batcher: batch_tx,
        });

        let server_cfg = cfg.tls.server_config()?;
        let incoming = transport::incoming(listener, server_cfg);
        let peer = RaftPeerServer::new(PeerService { ctx: ctx.clone() })
            .max_decoding_message_size(MAX_RAFT_MESSAGE)
            .max_encoding_message_size(MAX_RAFT_MESSAGE);
        let downlink =
            DownlinkServer::new(crate::federation::downlink::DownlinkService { ctx: ctx.clone() })
                .max_decoding_message_size(crate::federation::MAX_PUSH_BYTES + 1024 * 1024)
                .max_encoding_message_size(1024 * 1024);
        let uplink = UplinkServer::new(UplinkService { ctx: ctx.clone() })
            .max_decoding_message_size(crate::federation::MAX_PUSH_BYTES + 1024 * 1024)
            .max_encoding_message_size(1024 * 1024);
        let monitor = sanxiang_proto::region::monitor_server::MonitorServer::new(
            crate::api::monitor_service::MonitorService { ctx: ctx.clone() },
        )
        .max_decoding_message_size(64 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
        let api = RegionServer::new(RegionService { ctx: ctx.clone() })
            .max_decoding_message_size(crate::api::MAX_REQUEST)
            .max_encoding_message_size(16 * 1024 * 1024);
        // Standard gRPC health checking and reflection (still behind mutual TLS): the Region
        // service reports SERVING while this node knows a leader.
        let (health, health_service) = tonic_health::server::health_reporter();
        health
            .set_not_serving::<RegionServer<RegionService>>()
            .await;
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(sanxiang_proto::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|e| NodeError::Config(format!("reflection: {e}")))?;
        let mut metrics = raft.metrics();
        let mut health_rx = rx.clone();
        let health_task = tokio::spawn(async move {
            let mut serving = None;
            loop {
                let has_leader = metrics.borrow().current_leader.is_some();
                if serving != Some(has_leader) {
                    if has_leader {
                        health.set_serving::<RegionServer<RegionService>>().await;
                    } else {
                        health
                            .set_not_serving::<RegionServer<RegionService>>()
                            .await;
                    }
                    serving = Some(has_leader);
                }
                tokio::select! {
                    r = metrics.changed() => if r.is_err() { break },
                    _ = health_rx.recv() => break,
                }
            }
        });
        let mut srx = rx.clone();
        let server = tokio::spawn(async move {
            let res = tonic::transport::Server::builder()
                .add_service(peer)
                .add_service(api)
                .add_service(monitor)
                .add_service(uplink)
                .add_service(downlink)
                .add_service(health_service)
                .add_service(reflection)
                .serve_with_incoming_shutdown(incoming, async move {
                    srx.recv().await;
                })
                .await;
            if let Err(e) = res {
                tracing::error!(cause = %e, "gRPC server stopped");
            }
        });

        // A fresh region initializes once from the sorted members of the topology. Every fresh
        // member proposes the same membership at log index 0, so simultaneous starts agree; a
        // member that already has state never initializes again (Raft's membership rules).
        if fresh {
            let members: BTreeMap<NodeId, BasicNode> = region
                .nodes
                .iter()
                .map(|n| (n.id, BasicNode::new(n.grpc.clone())))
                .collect();
            match raft.initialize(members).await {
                Ok(()) => {
                    tracing::info!(region = %cfg.region, node = cfg.node_id, "initialized region membership")
                }
                Err(e) => tracing::info!(cause = %e, "initialize skipped"),
            }
        }

        let tick_ctx = ctx.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick_ctx.timings.tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            interval.tick().await;
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    _ = rx.recv() => break,
                }
                let is_leader = tick_ctx.raft.metrics().borrow().state == ServerState::Leader;
                if !is_leader {
                    continue;
                }
                let env = tick_ctx.node_envelope(Command::Tick);
                if let Err(e) = tick_ctx.write_local(env).await {
                    tracing::warn!(cause = %e, "tick not proposed");
                }
            }
        });

        let head_ctx = ctx.clone();
        let mut hrx = shutdown.subscribe();
        let mut applied = raft.metrics();
        let signer = tokio::spawn(async move {
            let mut interval = tokio::time::interval(head_ctx.timings.head_every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    // Items for the parent wait for a head that covers them: sign at once.
                    r = applied.changed() => {
                        if r.is_err() { break }
                        if !head_ctx.items_wait_for_head() { continue }
                    }
                    _ = head_ctx.head_wanted.notified() => {
                        if !head_ctx.items_wait_for_head() { continue }
                    }
                    _ = hrx.recv() => break,
                }
                if let Err(e) = head_ctx.sign_head().await {
                    tracing::warn!(cause = %e, "tree head not signed");
                }
            }
        });
        let down_senders = crate::federation::downlink::spawn_senders(&ctx, &shutdown.subscribe());
        // Revocations from above (or sent from here) are enforced on every new handshake.
        let rev_ctx = ctx.clone();
        let mut rev_rx = shutdown.subscribe();
        let mut rev_metrics = raft.metrics();
        let revocations = tokio::spawn(async move {
            let mut seen = usize::MAX;
            loop {
                let fresh = rev_ctx.sm.read(|s| {
                    crate::domain::downlink::RECEIVED.keys(&s.domain).count()
                        + crate::domain::downlink::SENT_DOWN.keys(&s.domain).count()
                });
                if fresh != seen {
                    match rev_ctx
                        .sm
                        .read(|s| crate::domain::downlink::revoked_serials(&s.domain))
                    {
                        Ok((n, serials)) => {
                            seen = n;
                            rev_ctx.tls.revoked.replace(serials);
                            if !rev_ctx.tls.revoked.is_empty() {
                                tracing::info!(
                                    revoked = rev_ctx.tls.revoked.len(),
                                    "revocation list updated"
                                );
                            }
                        }
                        Err(e) => tracing::error!(cause = %e, "revocation list unreadable"),
                    }
                }
                tokio::select! {
                    r = rev_metrics.changed() => if r.is_err() { break },
                    _ = rev_rx.recv() => break,
                }
            }
        });
        let sender = tokio::spawn(crate::federation::sender::run(
            ctx.clone(),
            shutdown.subscribe(),
        ));

        tracing::info!(region = %cfg.region, node = cfg.node_id, %addr, "node started");
        Ok(RunningNode {
            ctx,
            addr,
            flush_stats,
            shutdown,
            tasks: {
                let mut t = vec![server, ticker, signer, sender, health_task, batch_task];
                t.extend(down_senders);
                t.push(revocations);
                t
            },
        })
    }

    /// Group-commit counters of this node's log store.
    pub fn flush_stats(&self) -> Arc<crate::store::log_store::FlushStats> {
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
