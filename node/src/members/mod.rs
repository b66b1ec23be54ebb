//! **Members**: who belongs to a region's cluster, and how that changes while the region
//! writes (ARCHITECTURE "Identity": a replacement machine gets a new node id).
//!
//! - [`gate`]: the check a fresh node (empty store) makes before it serves Raft — it asks its
//!   peers, refuses to start under an id the region recorded as started or retired, and
//!   bootstraps the region only with `--bootstrap` when no peer holds a membership.
//! - [`recorder`]: the leader records each node the first time it holds the region's log, and
//!   each node that left (`domain::command::members`).
//! - [`change`]: membership changes on the leader — a learner awaited until it caught up, then
//!   joint consensus — each checked first; [`error`]: why one was refused.
//! - [`service`]: the `Cluster` gRPC service, for node certificates of the region only,
//!   answered by the leader; [`probe`]: a node's own view and channels to one node.
//! - [`client`]: the operator's side, for `sanxiang cluster` and the tests.
//!
//! Raft reaches peers at the membership's addresses (openraft's `BasicNode`), so running
//! nodes follow a change without a restart; the topology file is the operator's list of the
//! region's machines (a new node's address, where clients and other regions dial).
pub mod change;
pub mod client;
pub mod error;
pub mod gate;
pub mod probe;
pub mod recorder;
pub mod service;

pub use client::{ClusterError, Operator};
pub use error::ChangeError;
pub use gate::{Admission, GateError};
