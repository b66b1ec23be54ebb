//! The handle a member's services share: who it is, its Raft, its applied state, and the
//! channels to its peers.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sanxiang_proto::raft::raft_peer_client::RaftPeerClient;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

use super::batcher::{self, Pending};
use super::error::{Failure, PathError, Unavailable};
use super::network::MAX_RAFT_MESSAGE;
use super::types::{NodeId, Raft};
use crate::clock::Clock;
use crate::config::{RaftTimings, Topology};
use crate::domain::{Actor, Command, Envelope, RULES_VERSION};
use crate::pki::{Expect, TlsMaterial};
use crate::shutdown::Shutdown;
use crate::store::SmShared;
use crate::transport;

/// Who a member is and how its Raft is timed.
pub struct Member {
    pub region: String,
    pub node_id: NodeId,
    pub tls: TlsMaterial,
    pub timings: RaftTimings,
    pub topology: Topology,
    /// The wall clock the leader stamps with.
    pub clock: Clock,
    /// Whether the peer service answers Raft at once. A fresh node starts unadmitted and is
    /// admitted once its peers have been asked whether it may join (`members::gate`), so it
    /// never votes before.
    pub admitted: bool,
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
    /// The wall clock this node stamps envelopes and tree heads with while it leads.
    pub clock: Clock,
    /// What this node counts for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    peers: Mutex<BTreeMap<(NodeId, String), RaftPeerClient<Channel>>>,
    /// The peer service answers Raft RPCs only once this is set ([`Member::admitted`]).
    admitted: AtomicBool,
    pub(super) batcher: tokio::sync::mpsc::UnboundedSender<Pending>,
    /// Writes waiting on this node's batcher (bounded by `timings.max_pending_writes`).
    pub(super) pending_writes: std::sync::atomic::AtomicUsize,
}

impl NodeCtx {
    /// The handle of a started Raft; the returned task batches this node's proposals until
    /// `shutdown`.
    pub fn new(
        member: Member,
        raft: Raft,
        sm: Arc<SmShared>,
        shutdown: Shutdown,
    ) -> (Arc<NodeCtx>, JoinHandle<()>) {
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let (batcher, task) = batcher::spawn_batcher(
            raft.clone(),
            member.clock.clone(),
            metrics.clone(),
            shutdown,
        );
        let ctx = Arc::new(NodeCtx {
            region: member.region,
            node_id: member.node_id,
            raft,
            sm,
            tls: member.tls,
            timings: member.timings,
            topology: member.topology,
            clock: member.clock,
            metrics,
            peers: Mutex::new(BTreeMap::new()),
            admitted: AtomicBool::new(member.admitted),
            batcher,
            pending_writes: std::sync::atomic::AtomicUsize::new(0),
        });
        (ctx, task)
    }

    /// Lets the peer service answer Raft RPCs from now on.
    pub fn admit(&self) {
        self.admitted.store(true, Ordering::SeqCst);
    }

    /// Whether the peer service answers Raft RPCs.
    pub fn is_admitted(&self) -> bool {
        self.admitted.load(Ordering::SeqCst)
    }

    /// The current leader and its address, if known.
    pub fn leader(&self) -> Option<(NodeId, String)> {
        let metrics = self.raft.metrics();
        let m = metrics.borrow();
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
            .map_err(|e| Unavailable::Wait(e).into())
    }

    fn peer(&self, id: NodeId, addr: &str) -> Result<RaftPeerClient<Channel>, PathError> {
        let mut peers = self.peers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = peers.get(&(id, addr.to_string())) {
            return Ok(c.clone());
        }
        let cfg = self
            .tls
            .client_config(Expect::Node(self.region.clone(), id))
            .map_err(Failure::Tls)?;
        let ch =
            transport::channel(addr, cfg, Duration::from_secs(3)).map_err(Unavailable::Connect)?;
        let c = RaftPeerClient::new(ch)
            .max_decoding_message_size(MAX_RAFT_MESSAGE)
            .max_encoding_message_size(MAX_RAFT_MESSAGE);
        peers.insert((id, addr.to_string()), c.clone());
        Ok(c)
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
}

/// How many times a write or read is re-routed after a leader change before giving up.
const ROUTE_ATTEMPTS: usize = 8;

/// Where one attempt of a write or read goes.
pub(super) enum Target {
    /// This node leads.
    Here,
    /// Another node leads; the call is forwarded to it.
    Leader(NodeId, RaftPeerClient<Channel>),
}

/// The attempts of one write or read, re-routed after each leader change.
pub(super) struct Route<'a> {
    ctx: &'a NodeCtx,
    attempt: usize,
    last: Unavailable,
}

impl<'a> Route<'a> {
    pub(super) fn new(ctx: &'a NodeCtx) -> Route<'a> {
        Route {
            ctx,
            attempt: 0,
            last: Unavailable::NoLeader,
        }
    }

    /// The leader of the next attempt, after a pause that grows with each attempt; `None` once
    /// every attempt is spent. An attempt that finds no leader waits for one and counts.
    pub(super) async fn next(&mut self) -> Result<Option<Target>, PathError> {
        while self.attempt < ROUTE_ATTEMPTS {
            let attempt = self.attempt;
            self.attempt += 1;
            if attempt > 0 {
                tokio::time::sleep(self.ctx.timings.heartbeat * (attempt as u32)).await;
            }
            let Some((leader, addr)) = self.ctx.leader() else {
                self.ctx.wait_for_leader().await?;
                continue;
            };
            if leader == self.ctx.node_id {
                return Ok(Some(Target::Here));
            }
            return Ok(Some(Target::Leader(leader, self.ctx.peer(leader, &addr)?)));
        }
        Ok(None)
    }

    /// Records why an attempt failed; the last reason is the error once attempts are spent.
    pub(super) fn failed(&mut self, why: Unavailable) {
        self.last = why;
    }

    /// The error after the last attempt.
    pub(super) fn exhausted(self) -> PathError {
        PathError::Unavailable(self.last)
    }
}
