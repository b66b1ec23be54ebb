//! What a region keeps of its subtree, by kind, as items arrive from below (SUP-4, SUP-5): the
//! latest status summary of every region, its agencies and its publications' public state, the
//! reports of its units, and answers to this region's notices. Monitoring reads these indexes;
//! the items themselves stay in the held-item log.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::core::keys::prefix;
use crate::domain::core::organ::Agency;
use crate::domain::core::state::Space;

/// The latest proven summary of a region below.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeldSummary {
    pub counters: BTreeMap<String, i64>,
    pub overdue: Vec<crate::domain::supervision::summary::OverdueCase>,
    pub backlog: u64,
    /// The origin's clock when it made the summary.
    pub time_ms: i64,
}

/// A publication's public state, as last reported.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HeldPublication {
    pub agency_id: u64,
    pub case_id: u64,
    pub state: String,
    /// `Some(on_time)` once published or withdrawn.
    pub on_time: Option<bool>,
    pub due: String,
}

pub const HELD_SUMMARIES: Space<str, HeldSummary> = Space::new(prefix::HELD_SUMMARIES);
pub const HELD_AGENCIES: Space<(String, u64), Agency> = Space::new(prefix::HELD_AGENCIES);
pub const HELD_PUBLICATIONS: Space<(String, u64), HeldPublication> =
    Space::new(prefix::HELD_PUBLICATIONS);
