//! openraft type configuration.
use serde::{Deserialize, Serialize};

use crate::domain::Response;

/// Raft node id: unique within one region.
pub type NodeId = u64;

/// The application data of a log entry: one or more encoded
/// [`Envelope`](crate::domain::Envelope)s, batched by the leader. Each envelope's exact bytes
/// are one ledger leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request(pub Vec<Vec<u8>>);

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "envelopes({})", self.0.len())
    }
}

/// The state machine's answers to one entry, one per envelope, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responses(pub Vec<Response>);

openraft::declare_raft_types!(
    /// Sanxiang's Raft types: envelopes in, responses out, snapshots streamed from files.
    pub TypeConfig:
        D = Request,
        R = Responses,
        NodeId = NodeId,
        Node = openraft::BasicNode,
        SnapshotData = tokio::fs::File,
);

pub type Raft = openraft::Raft<TypeConfig>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, openraft::BasicNode>;
pub type StorageError = openraft::StorageError<NodeId>;
