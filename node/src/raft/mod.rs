//! Raft inside one region: types, transport, the peer-only service and the running node.
//!
//! - [`types`]: openraft type configuration.
//! - [`transport`]: mutual-TLS connections (client connector, server incoming stream).
//! - [`network`]: openraft's network client over the peer service.
//! - [`peer_service`]: Raft RPCs, write forwarding and read-index — peers of the region only.
//! - [`node`]: one running member: store, Raft, servers, initialization, `Tick`, write and read paths.
pub mod network;
pub mod node;
pub mod peer_service;
pub mod transport;
pub mod types;

pub use node::{NodeConfig, NodeCtx, NodeError, RunningNode};
