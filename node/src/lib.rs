//! # Sanxiang (三项) — a node of the supervision network
//!
//! # Layout
//! - [`config`]: topology (the administrative tree and each region's nodes) and node settings.
//! - [`pki`]: the deployment CA, node and person certificates, identities read from URI SANs,
//!   and the rustls verifiers used on both sides of every connection.
//! - [`domain`]: pure rules, one room per bounded context (`core`, `calendar`, `registry`,
//!   `enforcement`, `supervision`, `federation`, `command`). Imports nothing else here.
//! - [`ledger`]: the RFC 6962 Merkle log of every applied command, proofs and verification.
//! - [`store`]: sled key spaces, the Raft log store with group commit, the state machine adapter
//!   and snapshots.
//! - [`raft`]: openraft type config, the peer-only gRPC service, the network client, and the
//!   write and read paths: the leader's batcher, forwarding writes and read-index to the
//!   leader, one retry loop that follows leader changes.
//! - [`federation`]: the uplink between a region and its parent and the downlink to its
//!   children — services, senders, the head signer, test seam.
//! - [`view`]: the read side — typed views of the replicated state (the records of each query
//!   kind, the federation status, the monitoring view of a region's subtree and the qualifying
//!   list); pure functions of a `State` and the topology, no writes.
//! - [`api`]: the client-facing gRPC services; each handler authorizes, then builds a command
//!   and goes through Raft, or reads (read-index) and serialises a [`view`]; and replies.
//! - [`app`]: starting a node — store and Raft, the gRPC server with every service, the
//!   background tasks (Tick, head signer, senders, revocation watcher) — and stopping it; and
//!   [`app::network`], every region of a topology in one process (the demo, the tests).
//! - [`members`]: who belongs to a region's cluster — a fresh node's check before it serves
//!   Raft (bootstrap only on request, a wiped member refused), the leader's record of members,
//!   membership changes through learners and joint consensus, the `Cluster` service and the
//!   operator's client.
//! - [`shutdown`]: the signal that stops a node's tasks together.
//! - [`transport`]: mutual-TLS transport for tonic (dialing, accepting) and [`transport::caller`],
//!   the verified peer identity of a request; below every service that authorizes.
//! - [`client`]: the client used by the command line: several endpoints, follows the leader.
//! - [`cli`]: one file per command family; `bin/sanxiang.rs` only parses and calls [`cli::run`].
//! - [`demo`]: the demo network (every region of `cluster-config/demo.toml` in one process) and
//!   its seeded quarter; [`clock`]: the wall clock a node's configuration carries and its
//!   leader stamps with, which only the demo moves.
//!
//! Arrows (a module → what it imports) point from the node's wiring down to the rules:
//! - `cli` → `app`, `client`, `demo`, `members`, `transport`, `pki`, `config`, `ledger`,
//!   `domain`, `clock`;
//!   `demo` → `app`, `raft`, `cli`, `pki`, `config`, `domain`, `clock`; `client` → `api` (the
//!   leader header), `transport`, `pki`.
//! - `app` → `api`, `federation`, `members`, `raft`, `store`, `transport`, `pki`, `config`,
//!   `domain`, `clock`, `shutdown`, `client` (the network's clients).
//! - `members` → `raft`, `transport`, `pki`, `config`, `domain`, `shutdown`.
//! - `api` → `view`, `raft`, `transport`, `ledger`, `pki`, `domain`.
//! - `view` → `domain`, `config` (the topology), `clock` (before a region's first command),
//!   `pki` (the reader's role, for REC-4 masking).
//! - `federation` → `raft`, `transport`, `ledger`, `pki`, `domain`, `shutdown`.
//! - `raft` → `store`, `transport`, `pki`, `config`, `domain`, `clock`, `shutdown`; `store` →
//!   `raft::types` (the openraft type config only), `ledger`, `pki`, `domain`.
//! - `transport` → `pki`; `ledger` → `domain`, `pki`; `pki` → `domain`, `config`, `clock`.
//! - `domain` imports nothing of the rest (its tests use `ledger`, `config` and `view`);
//!   `config`, `clock` and `shutdown` import nothing either.
//!
//! Where two modules import each other: `cli` and `demo` (the `demo` command; the demo waits
//! for a signal as `serve` does), and `raft` and `store` (through `raft::types` alone).
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
pub mod members;
pub mod metrics;
pub mod pki;
pub mod raft;
pub mod shutdown;
pub mod store;
pub mod transport;
pub mod view;
pub mod web;
