//! # Sanxiang (三项) — a node of the supervision network
//!
//! # Layout
//! - [`config`]: topology (the administrative tree and each region's nodes) and node settings.
//! - [`pki`]: the deployment CA, node and person certificates, identities read from URI SANs,
//!   and the rustls verifiers used on both sides of every connection.
//! - [`domain`]: pure rules — envelope, state, one file per command. Imports nothing else here.
//! - [`ledger`]: the RFC 6962 Merkle log of every applied command, proofs and verification.
//! - [`store`]: sled key spaces, the Raft log store with group commit, the state machine adapter
//!   and snapshots.
//! - [`raft`]: openraft type config, the peer-only gRPC service, the network client, forwarding
//!   writes and read-index to the leader, and the running node.
//! - [`federation`]: the uplink between a region and its parent and the downlink to its
//!   children — services, senders, test seam.
//! - [`api`]: the client-facing gRPC service; each handler authorizes, builds a command, goes
//!   through Raft and replies.
//! - [`client`]: the client used by the command line: several endpoints, follows the leader.
//! - [`cli`]: one file per command family; `bin/sanxiang.rs` only parses and calls [`cli::run`].
//! - [`monitor`]: the monitoring view of a region's subtree and the qualifying list (query side,
//!   served by `api::monitor_service`).
//! - [`demo`]: the demo network (every region of `cluster-config/demo.toml` in one process) and
//!   its seeded quarter; [`clock`]: the leaders' wall clock, which only the demo moves.
//!
//! Arrows point one way: `api` → `raft`/`store` → `domain`; `domain` imports nothing of the rest.
// openraft's `StorageError` is large and fixed by its storage traits; the store passes it on.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod app;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod federation;
pub mod ledger;
pub mod monitor;
pub mod pki;
pub mod raft;
pub mod shutdown;
pub mod store;
