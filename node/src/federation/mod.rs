//! Federation between regions, the node side (ARCHITECTURE "Federation guarantees"). The rules
//! — marks, deduplication, tamper checks, outboxes — are pure and live in
//! [`crate::domain::federation::outbox`]; this module moves entries between clusters.
//!
//! - [`service`]: the parent's `Uplink` gRPC service; callers must be nodes of a direct child.
//! - [`sender`]: the leader's task that drains the outbox to the parent, resuming from the
//!   parent's mark after any failure, and records the acknowledgement through Raft.
//! - [`head_signer`]: the leader's task that signs tree heads after commits, at once when own
//!   items wait for one to travel up.
//! - [`downlink`]: items addressed to regions below — the child's service and the leader's
//!   per-child pushing loops.
//! - [`faults`]: a seam through which tests cut, delay or tamper with a link in-process.
pub mod downlink;
pub mod faults;
pub mod head_signer;
pub mod sender;
pub mod service;

pub use faults::{Faults, LinkFault};

/// Why one round on a link failed. The sending loop logs it and resumes from the peer's mark.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The peer did not answer, or refused.
    #[error("{call}: {}", .status.message())]
    Rpc {
        call: &'static str,
        #[source]
        status: tonic::Status,
    },
    #[error("reading the applied state: {0}")]
    State(#[from] crate::domain::DomainError),
    #[error("building a proof: {0}")]
    Proof(#[from] crate::ledger::LedgerError),
    #[error("encoding an entry: {0}")]
    Encode(#[from] bincode::Error),
    #[error("recording through Raft: {0}")]
    Write(#[from] crate::raft::PathError),
    /// The peer holds less than it acknowledged: what was pruned cannot be resent.
    #[error("{0}")]
    Diverged(String),
    /// This node could not confirm that it still leads its region.
    #[error("leadership not confirmed")]
    NotLeader,
    /// A test fault on the link.
    #[error("{0}")]
    Fault(String),
    /// Signing this region's downlink items failed.
    #[error("sealing downlink items: {0}")]
    Seal(#[from] crate::ledger::head::HeadError),
}

impl LinkError {
    /// A failed call to the peer.
    pub fn rpc(call: &'static str) -> impl FnOnce(tonic::Status) -> LinkError {
        move |status| LinkError::Rpc { call, status }
    }
}

/// What a node's uplink sender and its head signer share.
#[derive(Default)]
pub struct UplinkState {
    /// Test seam: faults on this node's uplink (None in production).
    pub faults: Option<std::sync::Arc<Faults>>,
    /// True while the uplink to the parent works (set by the sender): only then do items
    /// waiting for the parent get a signed head at once.
    pub up: std::sync::atomic::AtomicBool,
    /// Wakes the head signer (the uplink came back while items wait).
    pub head_wanted: tokio::sync::Notify,
    /// The parent mark (plus one) this node last recorded a lost link for (0: none).
    pub lost_reported: std::sync::atomic::AtomicU64,
}

impl UplinkState {
    pub fn new(faults: Option<std::sync::Arc<Faults>>) -> UplinkState {
        UplinkState {
            faults,
            ..UplinkState::default()
        }
    }
}

/// Most bytes of one encoded entry accepted on a link (an own item is at most one client
/// request, 1 MiB, plus its proof).
pub const MAX_ENTRY_BYTES: usize = 2 * 1024 * 1024;
/// Most bytes of one push request accepted.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Bytes a sender puts in one push (so one ingest stays one modest Raft entry).
pub const PUSH_BUDGET: usize = 2 * 1024 * 1024;

/// The reply to a push (up or down) from what the receiving region's Raft answered; alerts and
/// refusals are logged with the peer region.
pub(crate) fn push_reply(
    outcome: crate::domain::Outcome,
    peer: &str,
    direction: &str,
) -> Result<tonic::Response<sanxiang_proto::federation::PushReply>, tonic::Status> {
    use crate::domain::{CommandResult, Outcome};
    match outcome {
        Outcome::Ok(CommandResult::Ingested(rep)) => {
            for a in &rep.alerts {
                tracing::error!(peer, direction, alert = %a, "tamper alert");
            }
            Ok(tonic::Response::new(
                sanxiang_proto::federation::PushReply {
                    mark: rep.mark,
                    accepted: rep.accepted,
                    duplicates: rep.duplicates,
                    gap: rep.gap,
                    alerts: rep.alerts,
                    own_head_size: rep.own_head,
                },
            ))
        }
        Outcome::Refused(f) => {
            tracing::warn!(peer, direction, refusal = %f, "batch refused");
            Err(tonic::Status::failed_precondition(f.to_string()))
        }
        Outcome::Ok(other) => Err(tonic::Status::internal(format!(
            "接收批次的应答为 {other:?}，而非接收报告"
        ))),
    }
}
