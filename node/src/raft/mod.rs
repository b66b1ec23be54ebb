//! Raft inside one region: types, transport, the peer-only service, and the write and read
//! paths every service goes through.
//!
//! - [`types`]: openraft type configuration.
//! - [`transport`]: mutual-TLS connections (client connector, server incoming stream).
//! - [`network`]: openraft's network client over the peer service.
//! - [`peer_service`]: Raft RPCs, write forwarding and read-index — peers of the region only.
//! - `NodeCtx` (in `ctx`): the handle shared by a node's services; the leader retry loop.
//! - [`write`](mod@write): the leader's batcher and the write path (propose here or forward to the leader).
//! - `read`: read-index and linearizable reads.
//! - [`error`]: the errors of both paths, with their causes.
mod ctx;
pub mod error;
pub mod network;
pub mod peer_service;
mod read;
pub mod types;
pub mod write;

pub use ctx::{Member, NodeCtx};
pub use error::{Failure, PathError, Unavailable};
