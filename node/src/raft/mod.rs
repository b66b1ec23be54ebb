//! Raft inside one region: types, the peer-only service, and the write and read paths every
//! service goes through. The mutual-TLS transport is [`crate::transport`].
//!
//! - [`types`]: openraft type configuration.
//! - [`network`]: openraft's network client over the peer service.
//! - [`peer_service`]: Raft RPCs, write forwarding and read-index — peers of the region only.
//! - `NodeCtx` (in `ctx`): the handle shared by a node's services; the leader retry loop.
//! - `batcher`: the leader's batcher, one Raft entry for the writes waiting on it.
//! - [`write`](mod@write): the write path (propose here through the batcher or forward to the
//!   leader).
//! - `read`: read-index and linearizable reads.
//! - [`error`]: the errors of both paths, with their causes.
mod batcher;
mod ctx;
pub mod error;
pub mod network;
pub mod peer_service;
mod read;
pub mod types;
pub mod write;

pub use ctx::{Member, NodeCtx};
pub use error::{Failure, PathError, Unavailable};
