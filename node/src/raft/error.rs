//! Errors of the write and read paths, with the cause each one carries.
use openraft::error::{CheckIsLeaderError, ClientWriteError};
use openraft::metrics::WaitError;
use openraft::BasicNode;

use super::types::NodeId;
use crate::pki::PkiError;

/// Errors of the write and read paths, as seen by API handlers.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// No leader could be reached in time; the caller may retry (same request id).
    #[error("no leader available: {0}")]
    Unavailable(#[from] Unavailable),
    /// The node is shutting down or its storage failed.
    #[error("node failure: {0}")]
    Fatal(#[from] Failure),
    /// More writes wait on the leader than it takes: refused at once, retry later. The
    /// message is the client's.
    #[error("{0}")]
    Overloaded(String),
}

impl PathError {
    /// The leader's write queue is full with `waiting` writes.
    pub fn overloaded(waiting: usize) -> PathError {
        PathError::Overloaded(format!(
            "领导者上已有 {waiting} 个写入在排队，请稍后以同一请求编号重试 (overloaded, retry later)"
        ))
    }

    /// Whether the caller may retry the same request.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PathError::Unavailable(_))
    }
}

/// What the client reads is Chinese; the `Display` forms above stay for operators' logs.
impl From<PathError> for tonic::Status {
    fn from(e: PathError) -> tonic::Status {
        match e {
            PathError::Unavailable(m) => tonic::Status::unavailable(m.client_message()),
            PathError::Fatal(m) => tonic::Status::internal(m.client_message()),
            PathError::Overloaded(m) => tonic::Status::resource_exhausted(m),
        }
    }
}

/// Why no leader served a write or a read.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// No attempt found a leader.
    #[error("no leader")]
    NoLeader,
    /// No leader became known, or the leader's read index was not applied, in time.
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// Raft refused the proposal (e.g. while the membership changes).
    #[error(transparent)]
    Write(#[from] ClientWriteError<NodeId, BasicNode>),
    /// The leader could not confirm its leadership with a quorum.
    #[error(transparent)]
    ReadIndex(#[from] CheckIsLeaderError<NodeId, BasicNode>),
    /// The proposal was not answered within this time.
    #[error("not committed within {} s", .0.as_secs())]
    NotCommitted(std::time::Duration),
    /// No channel could be made to the leader's address.
    #[error(transparent)]
    Connect(#[from] tonic::transport::Error),
    /// The node taken for the leader refused or did not answer a forwarded call.
    #[error("{}", .0.message())]
    Peer(#[source] tonic::Status),
}

impl Unavailable {
    /// The message a client reads.
    fn client_message(&self) -> String {
        match self {
            Unavailable::NoLeader => "暂无领导者，请稍后重试".to_string(),
            Unavailable::NotCommitted(d) => format!("请求未在 {} 秒内提交", d.as_secs()),
            // The leader's own message, already meant for the client.
            Unavailable::Peer(s) => s.message().to_string(),
            other => format!("暂无可用的领导者：{other}"),
        }
    }
}

/// Why a write or read failed for good.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The batcher is gone: the node stops.
    #[error("the node is stopping")]
    Stopping,
    /// Raft stopped on an unrecoverable error (storage, panic, shutdown).
    #[error(transparent)]
    Raft(#[from] openraft::error::Fatal<NodeId>),
    /// An envelope does not encode.
    #[error(transparent)]
    Encode(bincode::Error),
    /// The leader's answer to a forwarded write does not decode.
    #[error("leader reply does not decode: {0}")]
    Decode(#[source] bincode::Error),
    /// The state machine answered an entry with fewer responses than it holds envelopes.
    #[error("the state machine gave fewer answers than envelopes")]
    MissingAnswer,
    /// This node's TLS material does not make a client configuration.
    #[error(transparent)]
    Tls(#[from] PkiError),
}

impl Failure {
    /// The message a client reads.
    fn client_message(&self) -> String {
        match self {
            Failure::Stopping => "节点正在停止".to_string(),
            Failure::Decode(e) => format!("领导者的应答无法解码：{e}"),
            Failure::MissingAnswer => "状态机的应答少于所提交的信封".to_string(),
            other => format!("节点故障：{other}"),
        }
    }
}
