//! The read side: typed views of the replicated state; pure functions of a `State` (and the
//! topology/clock where needed); no writes.
//!
//! Each view is a struct that derives `Serialize` (and `Deserialize`, for clients that parse
//! it back). The gRPC services in [`crate::api`] authorize, read, call a view and serialise
//! it; a page renders from the same structs.
//! - [`query`]: the records of the three systems, one view per query kind, a party's private
//!   data masked by role (REC-4).
//! - [`federation`]: the federation state of a region (backlog, links, origins, downlink,
//!   tamper alerts).
//! - [`monitor`]: the monitoring view of a region's subtree (SUP-4, SUP-5, SUP-7); its rows in
//!   [`row`], the figures recomputed from items in [`disagreements`], what a viewer reads of
//!   a region in [`scope`].
//! - [`qualifying`]: the units that qualify for a notice (SUP-2).
//!
//! The query views reach clients with their keys sorted at every level (see [`query::json`]);
//! the monitor views in the order their fields are declared.
use crate::domain::DomainError;

pub mod disagreements;
pub mod federation;
pub mod monitor;
pub mod portal;
pub mod qualifying;
pub mod query;
pub mod row;
pub mod scope;

/// Why a view cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The request names something that cannot be read (a region outside the viewer's
    /// subtree, an unknown period or query kind, a year out of range).
    #[error("{0}")]
    Input(String),
    /// The record asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The stored state could not be read.
    #[error("{0}")]
    State(#[from] DomainError),
}
