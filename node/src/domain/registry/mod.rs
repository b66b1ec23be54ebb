//! The agency registry (PUB-1): the public list of enforcement organs, their registration,
//! updates, closure and merger. The agency record itself is an identity, in [`crate::domain::core::organ`].
use crate::domain::core::keys::prefix;
use crate::domain::core::organ::Agency;
use crate::domain::core::state::Space;

pub mod commands;
pub mod register;
pub mod update;

/// Agencies by id.
pub const AGENCIES: Space<u64, Agency> = Space::new(prefix::AGENCIES);

/// Agency id by exact name (names are unique within a region).
pub const AGENCY_NAMES: Space<str, u64> = Space::new(prefix::AGENCY_NAMES);
