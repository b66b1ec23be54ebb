//! Federation between regions, the node side (ARCHITECTURE "Federation guarantees"). The rules
//! — marks, deduplication, tamper checks, outboxes — are pure and live in
//! [`crate::domain::federation`]; this module moves entries between clusters.
//!
//! - [`service`]: the parent's `Uplink` gRPC service; callers must be nodes of a direct child.
//! - [`sender`]: the leader's task that drains the outbox to the parent, resuming from the
//!   parent's mark after any failure, and records the acknowledgement through Raft.
//! - [`downlink`]: items addressed to regions below — the child's service and the leader's
//!   per-child pushing loops.
//! - [`faults`]: a seam through which tests cut, delay or tamper with a link in-process.
//! - [`view`]: the federation state as JSON (backlog, links, origins, alerts).
pub mod downlink;
pub mod faults;
pub mod sender;
pub mod service;
pub mod view;

pub use faults::{Faults, LinkFault};

/// Most bytes of one encoded entry accepted on a link (an own item is at most one client
/// request, 1 MiB, plus its proof).
pub const MAX_ENTRY_BYTES: usize = 2 * 1024 * 1024;
/// Most bytes of one push request accepted.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Bytes a sender puts in one push (so one ingest stays one modest Raft entry).
pub const PUSH_BUDGET: usize = 2 * 1024 * 1024;
