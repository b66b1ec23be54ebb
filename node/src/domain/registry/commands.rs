//! The commands of this context that carry more than one value, as committed in the
//! envelope (each is a variant of [`crate::domain::Command`]). Field order is the stored
//! order: it must not change.
use serde::{Deserialize, Serialize};

/// Update an agency's public identity data (PUB-1: kept current as they change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UpdateAgency {
    /// Id of the agency to update.
    pub id: u64,
    /// The agency's new identity data, replacing the old (checked as at registration).
    pub input: crate::domain::core::organ::AgencyInput,
    /// The record's version the update is based on: refused (CONFLICT) when the record has
    /// changed since. Unset: no check.
    pub expected_version: Option<u64>,
}

/// Close an agency, or merge it into another, from a day on (it stops being expected to
/// report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CloseAgency {
    /// Id of the agency to close (refused when it is already closed).
    pub id: u64,
    pub on: chrono::NaiveDate,
    /// Id of the active agency it is merged into (合并); unset: closed (撤销).
    pub merged_into: Option<u64>,
}
