//! Client-facing gRPC services. Each handler: authorize from the verified certificate → build
//! the command → Raft (write path), or a linearizable read → a view of [`crate::view`] →
//! serialise → reply.
//! - [`region_service`]: status, the agency registry (PUB-1), the ledger, the `Query` RPC.
//! - [`convert`]: protobuf ↔ domain conversions, refusing malformed input.
//! - [`query`]: the `Query` RPC's answer, a query view serialised to JSON.
//! - [`monitor_service`]: the monitoring view and the qualifying list (SUP-4, SUP-5).
pub mod convert;
pub mod error;
pub mod monitor_service;
pub mod query;
pub mod region_service;
pub mod typed;

#[cfg(test)]
mod tests;

pub use region_service::RegionService;

use crate::view::ViewError;

/// Largest client request accepted (bytes); larger ones are refused before decoding.
pub const MAX_REQUEST: usize = 1024 * 1024;

/// Metadata key carrying the current leader's address on replies, so clients follow the leader.
pub const LEADER_HEADER: &str = "x-sanxiang-leader";

/// How a view that cannot be built reaches the client.
impl From<ViewError> for tonic::Status {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Input(m) => tonic::Status::invalid_argument(m),
            ViewError::NotFound(m) => tonic::Status::not_found(m),
            ViewError::State(e) => tonic::Status::internal(e.to_string()),
        }
    }
}
