//! Client-facing gRPC services. Each handler: authorize from the verified certificate → build
//! the command → Raft (write path) or a linearizable read → reply.
//! - [`region_service`]: status, the agency registry (PUB-1), the ledger.
//! - [`convert`]: protobuf ↔ domain conversions, refusing malformed input.
//! - [`query`]: JSON views of the records of the three systems, redacted by role (REC-4).
//! - [`monitor_service`]: the monitoring view and the qualifying list (SUP-4, SUP-5).
pub mod convert;
pub mod monitor_service;
pub mod query;
pub mod region_service;

pub use region_service::RegionService;

/// Largest client request accepted (bytes); larger ones are refused before decoding.
pub const MAX_REQUEST: usize = 1024 * 1024;

/// Metadata key carrying the current leader's address on replies, so clients follow the leader.
pub const LEADER_HEADER: &str = "x-sanxiang-leader";
