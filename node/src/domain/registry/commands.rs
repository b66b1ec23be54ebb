//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Update an agency's public identity data (PUB-1: kept current as they change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UpdateAgency {
    pub id: u64,
    pub input: crate::domain::core::organ::AgencyInput,
    pub expected_version: Option<u64>,
}

/// Close an agency, or merge it into another, from a day on (it stops being expected to
/// report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CloseAgency {
    pub id: u64,
    pub on: chrono::NaiveDate,
    pub merged_into: Option<u64>,
}
