//! openraft type configuration.
use serde::{Deserialize, Serialize};

use crate::domain::Response;

/// Raft node id: unique within one region.
pub type NodeId = u64;

/// The application data of a log entry: the exact bytes of an encoded
/// [`Envelope`](crate::domain::Envelope). These bytes are what the ledger hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request(pub Vec<u8>);

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "envelope({} bytes)", self.0.len())
    }
}

openraft::declare_raft_types!(
    /// Sanxiang's Raft types: envelopes in, responses out, snapshots streamed from files.
    pub TypeConfig:
        D = Request,
        R = Response,
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
